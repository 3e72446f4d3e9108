import type { Observation } from './observation.js';
import type { Account } from './scope.js';
import type { Session } from './session.js';
import { isValidTime, localClock } from './time.js';

export interface Normalised {
  sessions: Session[];
  warnings: string[];
}

/**
 * The account's observations -> Sessions: fill the fields every row has, and
 * sort by pid numerically. Sessions are the zod schema's type
 * (model/session.ts) and are built here field by field from typed
 * observations, so only a pid can come out wrong (a parser's bug): such a row
 * is dropped with a warning, never a crash. The tests hold every row to the
 * schema itself; running zod on every row would cost start-up time and ~40 ms
 * at 10,000 sessions. A file only /proc
 * knows is shown relative to the account's home when it lies inside it; a
 * session no source names the login of shows the account. A start time
 * that is no valid time (NaN, infinite, before 1970, past what a Date can
 * hold: a huge start tick or year) is unknown: the session is listed with
 * `login` "" and `loginAt` null, and a warning names its pid.
 */
export function normalise(observations: readonly Observation[], account: Account): Normalised {
  const sessions: Session[] = [];
  const warnings: string[] = [];
  const ctime = new Map<number, string>();
  const clock = localClock();
  const formatted = (ms: number): string => {
    const second = Math.floor(ms / 1000);
    let text = ctime.get(second);
    if (text === undefined) ctime.set(second, (text = clock.format(ms)));
    return text;
  };
  for (const o of observations) {
    if (!Number.isSafeInteger(o.pid) || o.pid <= 0) {
      warnings.push(`session ${o.pid} was left out: its pid is not a positive whole number`);
      continue;
    }
    const known = isValidTime(o.startedAt);
    if (!known && o.startedAt !== undefined) {
      warnings.push(`session ${o.pid}: its start time is out of range (${String(o.startedAt)}), so its login time is left empty`);
    }
    sessions.push({
      cmdline: o.title ?? '',
      file: o.state === 'IDLE' ? '' : (o.file ?? inHome(o.filePath, account.home)),
      host: o.host ?? '',
      login: known ? formatted(o.startedAt as number) : '',
      loginAt: known ? (o.startedAt as number) : null,
      pid: o.pid,
      status: o.state,
      user: o.login ?? o.systemUser ?? account.name,
    });
  }
  sessions.sort((a, b) => a.pid - b.pid);
  return { sessions, warnings };
}

function inHome(path: string | undefined, home: string): string {
  if (path === undefined) return '';
  const base = home.replace(/\/+$/, '');
  return base !== '' && path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path;
}
