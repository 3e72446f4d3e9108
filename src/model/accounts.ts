import { ApiError, UsageError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Account, LoginOwner, Scope } from './scope.js';

/** A name we are willing to look up: no option-like or path-like surprises. */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;
const GETENT = ['/usr/bin/getent', '/bin/getent'];

/** Where the server keeps its FTP accounts (each settable: see cli/parse.ts). */
export interface AccountFiles {
  /** cPanel's per-account FTP passwd files: `<dir>/<account>` */
  readonly ftpPasswdDir: string;
  /** cPanel's `domain: owner` map */
  readonly userdomains: string;
  /** pure-pw's passwd file of virtual users */
  readonly pureftpdPasswd: string;
}

export const DEFAULT_ACCOUNT_FILES: AccountFiles = {
  ftpPasswdDir: '/etc/proftpd',
  userdomains: '/etc/userdomains',
  pureftpdPasswd: '/etc/pure-ftpd/pureftpd.passwd',
};

/**
 * Whose sessions the call may see. As root: the account named by --user
 * (required). As anyone else: the caller, and --user may only name the caller.
 */
export async function resolveAccount(user: string | undefined, runtime: Runtime): Promise<Account> {
  if (runtime.uid === 0) {
    if (user === undefined) throw new UsageError('--user is required when running as root');
    const account = await lookupUser(user, runtime);
    if (account === undefined) throw new ApiError('E_NO_SUCH_USER', `The user “${user}” does not exist.`);
    if (account.uid === 0) {
      throw new ApiError('E_ROOT_ACCOUNT', `The user “${user}” is the superuser, not an account with FTP sessions.`);
    }
    return account;
  }
  const caller = (await lookupUid(runtime.uid, runtime)) ?? { name: String(runtime.uid), uid: runtime.uid, home: '' };
  if (user !== undefined && user !== caller.name) {
    throw new ApiError('E_FORBIDDEN', `You are “${caller.name}”: only root may list the sessions of “${user}”.`);
  }
  return caller;
}

/**
 * The account with its FTP logins: its own name and `<name>_logs`, the
 * logins of its cPanel FTP passwd file (`<dir>/<account>`: `login:hash:uid:
 * gid:owner:home:shell`; a login without a domain also stands for
 * `login@<each of its domains>`), and the pure-pw virtual users mapped to its
 * uid. For other logins, the owner the server's files name: a domain's owner
 * in the userdomains map, a pure-pw user's uid, a system user. Files that are
 * missing or not ours to read are passed over.
 */
export async function loadScope(account: Account, files: AccountFiles, runtime: Runtime): Promise<Scope> {
  const read = (path: string) => runtime.readFile(path).catch(() => '');
  const [ftpPasswd, userdomains, pureftpd, passwd] = await Promise.all([
    ACCOUNT_NAME.test(account.name) ? read(`${files.ftpPasswdDir.replace(/\/+$/, '')}/${account.name}`) : Promise.resolve(''),
    read(files.userdomains),
    read(files.pureftpdPasswd),
    read('/etc/passwd'),
  ]);

  const domainOwner = new Map<string, string>();
  for (const line of userdomains.split('\n')) {
    const m = /^\s*([^:\s]+)\s*:\s*(\S+)\s*$/.exec(line);
    if (m) domainOwner.set((m[1] as string).toLowerCase(), m[2] as string);
  }
  const myDomains = [...domainOwner].filter(([, owner]) => owner === account.name).map(([domain]) => domain);

  const logins = new Set([account.name.toLowerCase(), `${account.name}_logs`.toLowerCase()]);
  for (const [login] of passwdLines(ftpPasswd)) {
    const lower = login.toLowerCase();
    logins.add(lower);
    if (!lower.includes('@')) for (const domain of myDomains) logins.add(`${lower}@${domain}`);
  }
  const pureUid = new Map<string, number>();
  for (const [login, , uid] of passwdLines(pureftpd)) {
    if (!/^\d+$/.test(uid ?? '')) continue;
    pureUid.set(login.toLowerCase(), Number(uid));
    if (Number(uid) === account.uid) logins.add(login.toLowerCase());
  }
  const systemUsers = new Set(passwdLines(passwd).map(([name]) => name.toLowerCase()));

  return {
    account,
    logins,
    ownerOf(login: string): LoginOwner | undefined {
      const lower = login.toLowerCase();
      const at = lower.lastIndexOf('@');
      const domainOwnedBy = at === -1 ? undefined : domainOwner.get(lower.slice(at + 1));
      if (domainOwnedBy !== undefined) return { name: domainOwnedBy };
      const uid = pureUid.get(lower);
      if (uid !== undefined) return { uid };
      if (systemUsers.has(lower)) return { name: login };
      return undefined;
    },
  };
}

/** The lines of a passwd(5)-like file, as fields; the first (the name) is always there. */
function passwdLines(text: string): Array<[string, ...string[]]> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
    .filter((fields): fields is [string, ...string[]] => fields.length >= 3 && fields[0] !== '');
}

/** By name: /etc/passwd first (no process spawned), then the system's user database (NSS). */
async function lookupUser(name: string, runtime: Runtime): Promise<Account | undefined> {
  if (!ACCOUNT_NAME.test(name)) return undefined;
  return (await fromPasswdFile(runtime, (f) => f[0] === name)) ?? (await fromGetent(name, runtime));
}

async function lookupUid(uid: number, runtime: Runtime): Promise<Account | undefined> {
  return (await fromPasswdFile(runtime, (f) => f[2] === String(uid))) ?? (await fromGetent(String(uid), runtime));
}

async function fromPasswdFile(runtime: Runtime, match: (fields: string[]) => boolean): Promise<Account | undefined> {
  let text: string;
  try {
    text = await runtime.readFile('/etc/passwd');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 7 && match(fields)) return toAccount(fields);
  }
  return undefined;
}

async function fromGetent(key: string, runtime: Runtime): Promise<Account | undefined> {
  for (const path of GETENT) {
    if (!(await runtime.isExecutable(path))) continue;
    const result = await runtime.exec(path, ['passwd', '--', key], { timeoutMs: 5_000, env: { LC_ALL: 'C' } });
    if (result.exitCode !== 0) return undefined;
    return toAccount(result.stdout.split('\n')[0]?.split(':') ?? []);
  }
  return undefined;
}

function toAccount(fields: string[]): Account | undefined {
  const [name, , uid, , , home] = fields;
  if (name === undefined || uid === undefined || !/^\d+$/.test(uid)) return undefined;
  return { name, uid: Number(uid), home: home ?? '' };
}
