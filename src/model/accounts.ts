import { ApiError, UsageError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Account } from './scope.js';

/** A name we are willing to look up: no option-like or path-like surprises. */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;
const GETENT = ['/usr/bin/getent', '/bin/getent'];

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
    throw new ApiError(
      'E_FORBIDDEN',
      `You are “${caller.name}”: only root may list the sessions of “${user}”.`,
    );
  }
  return caller;
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
