import { collect } from '../collectors/index.js';
import { ApiError } from '../errors.js';
import { ProcessVetter } from '../collectors/trust.js';
import { loadScope, refuseOverrides, resolveAccount } from '../model/accounts.js';
import type { Observation } from '../model/observation.js';
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
  const login = invocation.args.login ?? 'all';
  if (login !== 'all' && !/^[1-9]\d{0,9}$/.test(login)) {
    throw new ApiError('E_BAD_ARGUMENT', `login must be the pid of one of your sessions, or all, not “${login}”.`);
  }

  refuseOverrides(invocation.overrides, runtime);
  const account = await resolveAccount(invocation.user, runtime);
  const collection = await collect(invocation.collector, invocation.inputs, { proftpdScoreboard: invocation.proftpdScoreboard, descriptorsOf: account.uid }, runtime);
  const { scope } = await loadScope(account, invocation.accountFiles, collection.observations, runtime);
  const mine = collection.observations.filter(scope);
  const targets = login === 'all' ? mine : mine.filter((o) => o.pid === Number(login));
  if (login !== 'all' && targets.length === 0) {
    throw new ApiError('E_NOT_YOURS', `The session “${login}” is not one of your FTP sessions.`);
  }

  const { ended, gone, failures: failed } = await endSessions(targets, runtime);
  const failures = failed.map((f) => `${f.pid}: ${f.reason}`);
  if (failures.length > 0 && ended.length === 0) {
    throw new ApiError('E_KILL_FAILED', `The session${failures.length === 1 ? '' : 's'} could not be ended: ${failures.join('; ')}`);
  }
  const warnings = failures.length === 0 ? [] : [`not ended: ${failures.join('; ')}`];
  if (gone.length > 0) {
    warnings.push(`not signalled: ${gone.join(', ')} (no longer the session listed: it ended meanwhile, or its pid is another process now)`);
  }
  return { data: { kind: 'object', value: { login, ended } }, warnings };
};

/** What endSessions did: pids ended, pids not signalled (no longer the session listed), failures. */
export interface Endings {
  readonly ended: number[];
  readonly gone: number[];
  readonly failures: Array<{ readonly pid: number; readonly reason: string }>;
}

/**
 * End the sessions listed (as the caller's listing found them): each one's
 * identity, its start time in clock ticks, is read now and checked against
 * the listing's start time (to the second where a process source gave it;
 * within the daemon list's rounding otherwise), then compared exactly before
 * each signal (TERM, then KILL after the grace period). The one way every
 * front ends a session (kill_session, `ftpsessions kill`, top).
 */
export async function endSessions(targets: readonly Observation[], runtime: Runtime): Promise<Endings> {
  const btime = Number(/^btime (\d+)$/m.exec(await runtime.readFile('/proc/stat').catch(() => ''))?.[1] ?? Number.NaN);
  const ended: number[] = [];
  const failures: Array<{ pid: number; reason: string }> = [];
  const gone: number[] = [];
  await Promise.all(
    targets.map(async (o) => {
      const facts = new ProcessVetter(runtime).readNow(o.pid);
      const started = facts === undefined ? Number.NaN : (btime * 100 + facts.startTicks) * 10;
      const listed = o.startedAt ?? Number.NaN;
      const result = facts !== undefined && Math.abs(started - listed) < 2_000 ? await end(o, facts.startTicks, runtime) : 'gone';
      if (result === 'ended') ended.push(o.pid);
      else if (result === 'gone') gone.push(o.pid);
      else failures.push({ pid: o.pid, reason: result });
    }),
  );
  ended.sort((a, b) => a - b);
  gone.sort((a, b) => a - b);
  failures.sort((a, b) => a.pid - b.pid);
  return { ended, gone, failures };
}

type Ending = 'ended' | 'gone' | string;

/** TERM, wait for the grace period, then KILL; the identity is checked before each signal. */
async function end(o: Observation, startTicks: number, runtime: Runtime): Promise<Ending> {
  if (!sameProcess(o, startTicks, runtime)) return 'gone';
  const term = await signal(o.pid, 'SIGTERM', runtime);
  if (term !== undefined) return term;
  for (let waited = 0; waited < GRACE_MS; waited += POLL_MS) {
    await runtime.sleep(POLL_MS);
    if (!sameProcess(o, startTicks, runtime)) return 'ended';
  }
  if (!sameProcess(o, startTicks, runtime)) return 'ended';
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
 * zombie), started at the same clock tick, running as the same uid (the
 * caller's, for anyone but root) and, as root, still a real daemon's session
 * process by the listing's rules (collectors/trust.ts)?
 */
function sameProcess(o: Observation, startTicks: number, runtime: Runtime): boolean {
  // fresh facts every time: nothing read before may be believed now
  const vetter = new ProcessVetter(runtime);
  const facts = vetter.readNow(o.pid);
  if (facts === undefined || facts.state === 'Z' || facts.startTicks !== startTicks) return false;
  if (o.uid !== undefined && facts.uid !== o.uid) return false;
  if (runtime.uid !== 0) return facts.uid === runtime.uid;
  return 'master' in vetter.vet(o.pid, o.daemon, facts);
}
