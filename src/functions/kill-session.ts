import { collect } from '../collectors/index.js';
import { ApiError } from '../errors.js';
import { loadScope, resolveAccount } from '../model/accounts.js';
import type { Observation } from '../model/observation.js';
import { belongsTo } from '../model/scope.js';
import type { Runtime } from '../runtime.js';
import type { FunctionHandler } from './types.js';

/** How long a session may take to end after TERM before it gets KILL. */
const GRACE_MS = 2_000;
const POLL_MS = 100;

/**
 * Ftp::kill_session (UAPI): end the account's sessions. `login` is a
 * session's pid, or `all` (the default). Unlike cPanel (which reads any other
 * value as "do nothing, succeed" and ignores unknown parameters, so a client
 * sending `id=PID` ends every session), anything else is refused, and so is a
 * pid that is not one of the account's sessions. Each pid is checked to be
 * the same process (start time, owner, daemon) right before each signal, so a
 * pid the system has since given to another process is never signalled.
 */
export const killSession: FunctionHandler = async (invocation, runtime) => {
  const unknown = Object.keys(invocation.args).filter((k) => k !== 'login');
  if (unknown.length > 0) {
    throw new ApiError('E_BAD_ARGUMENT', `Unrecognized API parameter(s): ${unknown.join(', ')} (kill_session takes only login=PID or login=all)`);
  }
  if (invocation.inputs.size > 0) {
    throw new ApiError('E_BAD_ARGUMENT', 'kill_session acts on the live server: it cannot replay --input captures.');
  }
  const login = invocation.args.login === undefined || invocation.args.login === '' ? 'all' : invocation.args.login;
  if (login !== 'all' && !/^[1-9]\d{0,9}$/.test(login)) {
    throw new ApiError('E_BAD_ARGUMENT', `login must be the pid of one of your sessions, or all, not “${login}”.`);
  }

  const account = await resolveAccount(invocation.user, runtime);
  const collection = await collect(invocation.collector, invocation.inputs, { proftpdScoreboard: invocation.proftpdScoreboard, descriptorsOf: account.uid }, runtime);
  const scope = await loadScope(account, invocation.accountFiles, runtime);
  const mine = collection.observations.filter((o) => belongsTo(scope, o));
  const targets = login === 'all' ? mine : mine.filter((o) => o.pid === Number(login));
  if (login !== 'all' && targets.length === 0) {
    throw new ApiError('E_NOT_YOURS', `The session “${login}” is not one of your FTP sessions.`);
  }

  // boot time, for the start times of the re-checks: read once, not before every signal
  const btime = Number(/^btime (\d+)$/m.exec(await runtime.readFile('/proc/stat').catch(() => ''))?.[1] ?? Number.NaN);
  const ended: number[] = [];
  const failures: string[] = [];
  await Promise.all(
    targets.map(async (o) => {
      const result = await end(o, btime, runtime);
      if (result === 'ended') ended.push(o.pid);
      else if (result !== 'gone') failures.push(`${o.pid}: ${result}`);
    }),
  );
  if (failures.length > 0 && ended.length === 0) {
    throw new ApiError('E_KILL_FAILED', `The session${failures.length === 1 ? '' : 's'} could not be ended: ${failures.join('; ')}`);
  }
  ended.sort((a, b) => a - b);
  return {
    data: { kind: 'object', value: { login, ended } },
    warnings: failures.length === 0 ? [] : [`not ended: ${failures.join('; ')}`],
  };
};

type Ending = 'ended' | 'gone' | string;

/** TERM, wait for the grace period, then KILL; the identity is checked before each signal. */
async function end(o: Observation, btime: number, runtime: Runtime): Promise<Ending> {
  if (!(await sameProcess(o, btime, runtime))) return 'gone';
  const term = await signal(o.pid, 'SIGTERM', runtime);
  if (term !== undefined) return term;
  for (let waited = 0; waited < GRACE_MS; waited += POLL_MS) {
    await runtime.sleep(POLL_MS);
    if (!(await sameProcess(o, btime, runtime))) return 'ended';
  }
  if (!(await sameProcess(o, btime, runtime))) return 'ended';
  const kill = await signal(o.pid, 'SIGKILL', runtime);
  return kill ?? 'ended';
}

async function signal(pid: number, sig: 'SIGTERM' | 'SIGKILL', runtime: Runtime): Promise<string | undefined> {
  try {
    await runtime.kill(pid, sig);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return undefined; // ended on its own meanwhile
    return code === 'EPERM' ? 'not permitted (the process is not yours)' : (code ?? String(err));
  }
}

/**
 * Is the process behind this pid still the session we listed: alive (not a
 * zombie), started at the same second, same owner, same daemon?
 */
async function sameProcess(o: Observation, btime: number, runtime: Runtime): Promise<boolean> {
  try {
    const [stat, status] = await Promise.all([runtime.readFile(`/proc/${o.pid}/stat`), runtime.readFile(`/proc/${o.pid}/status`)]);
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || comm !== o.daemon) return false;
    const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1];
    if (o.uid !== undefined && uid !== String(o.uid)) return false;
    const started = btime + Number(fields[19]) / 100;
    return o.startedAt === undefined || Math.floor(started) === Math.floor(o.startedAt / 1000);
  } catch {
    return false;
  }
}
