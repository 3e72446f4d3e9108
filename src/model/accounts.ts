import { ApiError, UsageError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { isRegular, kindOf, trustedFile } from './files.js';
import type { Observation } from './observation.js';
import { type Account, type AccountFacts, ownerOf, type Scope } from './scope.js';

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

/** As root: the accounts --user names (repeatable, each must exist and not be the superuser), in order, once each. */
export async function resolveAccounts(users: readonly string[], runtime: Runtime): Promise<Account[]> {
  const accounts: Account[] = [];
  for (const user of new Set(users)) accounts.push(await resolveAccount(user, runtime));
  return accounts;
}

/** Anyone but root: the caller, whom every --user given must name. */
export async function resolveCaller(users: readonly string[], runtime: Runtime): Promise<Account> {
  let caller: Account | undefined;
  for (const user of new Set(users)) caller = await resolveAccount(user, runtime);
  return caller ?? resolveAccount(undefined, runtime);
}

/** The path settings a caller other than root may not use: they would point this tool at files of the caller's choosing. */
export function refuseOverrides(overrides: readonly string[], runtime: Runtime): void {
  if (runtime.uid === 0 || overrides.length === 0) return;
  throw new ApiError(
    'E_FORBIDDEN',
    `${overrides.join(', ')}: only root may point ftpsessions at other files; an account sees its own sessions without them.`,
  );
}

/**
 * Which of the observations are the account's. As root: those whose one
 * owner (model/scope.ts ownerOf) is the account, from what the server's
 * root-owned files say. As the account itself: exactly those running as its
 * own uid (a replay of a daemon's list alone, which knows no uid: those
 * whose login is its name).
 */
export async function loadScope(
  account: Account,
  files: AccountFiles,
  observations: readonly Observation[],
  runtime: Runtime,
): Promise<{ scope: Scope; warnings: string[] }> {
  if (runtime.uid !== 0) return { scope: callerScope(account), warnings: [] };
  const { facts, warnings } = await loadAccountFacts(files, observations, runtime);
  return { scope: (o) => ownerOf(facts, o) === account.name, warnings };
}

/**
 * An account's own sessions, as the account itself may know them (it reads
 * none of root's files): the logged-in sessions running as its uid; where a
 * source knows no uid (a replay of a daemon's list alone), those whose login
 * is its name. The one rule for every caller but root: list, the native
 * front, completion.
 */
export function callerScope(account: Account): Scope {
  const name = account.name.toLowerCase();
  return (o) => o.loggedIn && (o.uid !== undefined ? o.uid === account.uid : o.login?.toLowerCase() === name);
}

/**
 * What the server's files say of accounts and logins: the user database,
 * cPanel's userdomains and per-account FTP passwd files
 * (`login:hash:uid:gid:owner:home:shell`), pure-pw's passwd file. Only files
 * root owns and no one else may write count (TRUST.md); one that does not
 * qualify is passed over with a warning, one that is missing silently.
 */
export async function loadAccountFacts(
  files: AccountFiles,
  observations: readonly Observation[],
  runtime: Runtime,
): Promise<{ facts: AccountFacts; warnings: string[] }> {
  const warnings: string[] = [];
  const read = async (path: string): Promise<string> => {
    let facts;
    try {
      facts = runtime.statNow(path);
    } catch {
      return ''; // missing, or not ours to see: nothing to say
    }
    if (!isRegular(facts)) throw new ApiError('E_NOT_FILE', `${path}: ${kindOf(facts.mode)}, not a file`);
    if (!trustedFile(facts)) {
      warnings.push(`${path} was passed over: only a regular file that root owns and no one else may write says who owns a login.`);
      return '';
    }
    try {
      return await runtime.readFile(path);
    } catch (err) {
      throw new ApiError('E_NOT_FILE', `${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const dir = files.ftpPasswdDir.replace(/\/+$/, '');
  try {
    const facts = runtime.statNow(dir);
    if ((facts.mode & 0o170000) !== 0o040000) throw new ApiError('E_NOT_FILE', `${dir}: ${kindOf(facts.mode)}, not a directory`);
  } catch (err) {
    if (err instanceof ApiError) throw err; // missing: no FTP passwd files here
  }
  const [userdomains, pureftpd, passwd] = await Promise.all([read(files.userdomains), read(files.pureftpdPasswd), read('/etc/passwd')]);

  const domainOwner = new Map<string, string>();
  for (const line of userdomains.split('\n')) {
    const m = /^[ \t]*([^:\s]+)[ \t]*:[ \t]*(\S+)[ \t]*$/.exec(line);
    if (m) domainOwner.set((m[1] as string).toLowerCase(), m[2] as string);
  }
  const owners = new Set(domainOwner.values());
  const pureUid = new Map<string, number>();
  for (const [login, , uid] of passwdLines(pureftpd)) if (/^\d+$/.test(uid ?? '')) pureUid.set(login.toLowerCase(), Number(uid));
  const systemUsers = new Map<string, { name: string; uid: number }>();
  const byUid = new Map<number, string>();
  for (const [name, , uid] of passwdLines(passwd)) {
    if (!/^\d+$/.test(uid ?? '')) continue;
    if (!systemUsers.has(name.toLowerCase())) systemUsers.set(name.toLowerCase(), { name, uid: Number(uid) });
    if (!byUid.has(Number(uid))) byUid.set(Number(uid), name);
  }

  // the FTP passwd files of the accounts the sessions' virtual logins point at
  const virtual = new Map<string, Map<string, number>>();
  const wanted = new Set<string>();
  for (const o of observations) {
    const login = o.login?.toLowerCase();
    const at = login?.lastIndexOf('@') ?? -1;
    const owner = at > 0 ? domainOwner.get((login as string).slice(at + 1)) : undefined;
    if (owner !== undefined && ACCOUNT_NAME.test(owner)) wanted.add(owner);
  }
  await Promise.all(
    [...wanted].map(async (owner) => {
      const logins = new Map<string, number>();
      for (const [login, , uid] of passwdLines(await read(`${dir}/${owner}`))) if (/^\d+$/.test(uid ?? '')) logins.set(login.toLowerCase(), Number(uid));
      virtual.set(owner, logins);
    }),
  );
  const hasFtpFile = new Map<string, boolean>();
  const facts: AccountFacts = {
    systemUsers,
    nameOfUid: (uid) => byUid.get(uid),
    domainOwner,
    pureUid,
    virtualLogins: (account) => virtual.get(account) ?? new Map(),
    isAccount: (name) => {
      if (owners.has(name)) return true;
      let has = hasFtpFile.get(name);
      if (has === undefined) {
        try {
          has = ACCOUNT_NAME.test(name) && trustedFile(runtime.statNow(`${dir}/${name}`));
        } catch {
          has = false;
        }
        hasFtpFile.set(name, has);
      }
      return has;
    },
  };
  return { facts, warnings };
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
