import { type Observation, stateOfCommand } from '../../model/observation.js';
import type { SourceReading } from '../types.js';

/**
 * `ftpwho -o json` (ProFTPD 1.3.6+): `{"server": {...}, "connections": [...]}`,
 * one object per session process (ftp-servers.md §3.2). A session that has not
 * logged in has `authenticating: true` and no `user`.
 *
 * Transfer detail: `location` (the session's directory as its client sees
 * it), `idle_since_ms`, and for the transfer in progress `transfer_bytes`
 * (absent while zero), `transfer_completed` (a **string** percentage, `"0"`
 * to `"100"`; `"Inf"` is seen too: no percent) and `transfer_duration_ms` (ProFTPD
 * 1.3.8's ftpwho multiplies the scoreboard's milliseconds by 1000 again: the
 * real duration is a thousandth of it). An idle session keeps its last
 * transfer's `transfer_bytes`: they are not read unless a transfer runs. Every
 * value is data: a number that is not finite, negative or not exact is left
 * out, never guessed.
 */
interface Connection {
  pid?: unknown;
  connected_since_ms?: unknown;
  remote_address?: unknown;
  user?: unknown;
  authenticating?: unknown;
  command?: unknown;
  command_args?: unknown;
  location?: unknown;
  idle_since_ms?: unknown;
  transfer_bytes?: unknown;
  transfer_completed?: unknown;
  transfer_duration_ms?: unknown;
}

/** A count or a time as JSON gave it: a whole number, not negative, exact in a double. */
function whole(n: unknown): number | undefined {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** `transfer_completed`: a decimal string 0 to 100 (never `Inf`, `NaN`, `1e2`, a number). */
function percentOf(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,3}(?:\.\d{1,6})?$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 100 ? n : undefined;
}

/** ftpwho's duration (1000 x the milliseconds) as milliseconds */
const DURATION_SCALE = 1000;

function transferOf(c: Connection): Partial<Observation> {
  const out: Partial<Observation> = {};
  const bytes = whole(c.transfer_bytes);
  if (bytes !== undefined) out.transferred = bytes;
  const percent = percentOf(c.transfer_completed);
  if (percent !== undefined) out.percent = percent;
  // bytes/s over the transfer so far: only from a duration of a second or more (a shorter one says little)
  const duration = whole(c.transfer_duration_ms);
  if (bytes !== undefined && duration !== undefined && duration / DURATION_SCALE >= 1000) {
    const rate = Math.round((bytes * 1000) / (duration / DURATION_SCALE));
    if (Number.isSafeInteger(rate)) out.rate = rate;
  }
  return out;
}

export function parseFtpwho(text: string): SourceReading {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return garbage(text);
  }
  const connections = (doc as { connections?: unknown } | null)?.connections;
  if (!Array.isArray(connections)) return garbage(text);

  const observations: Observation[] = [];
  const skippedLines: number[] = [];
  connections.forEach((raw: unknown, i) => {
    const c = (raw ?? {}) as Connection;
    if (!Number.isSafeInteger(c.pid) || (c.pid as number) <= 0) {
      skippedLines.push(i + 1);
      return;
    }
    const loggedIn = typeof c.user === 'string' && c.user !== '' && c.authenticating !== true;
    const state = typeof c.command === 'string' ? stateOfCommand(c.command) : 'IDLE';
    observations.push({
      pid: c.pid as number,
      daemon: 'proftpd',
      loggedIn,
      state,
      ...(loggedIn ? { login: c.user as string } : {}),
      ...(typeof c.remote_address === 'string' && c.remote_address !== '' ? { host: c.remote_address } : {}),
      ...(state !== 'IDLE' && typeof c.command_args === 'string' ? { file: c.command_args } : {}),
      // any number, in range or not (1e400 reads as Infinity): normalise keeps only a valid time, and says so
      ...(typeof c.connected_since_ms === 'number' ? { startedAt: c.connected_since_ms } : {}),
      ...(loggedIn && typeof c.location === 'string' && c.location !== '' ? { cwd: c.location } : {}),
      ...(loggedIn && state === 'IDLE' && whole(c.idle_since_ms) !== undefined ? { idleSince: c.idle_since_ms as number } : {}),
      ...(loggedIn && state !== 'IDLE' ? transferOf(c) : {}),
    });
  });
  // `skippedLines` here counts connections (1-based) that made no sense
  return { observations, recognised: 1 + connections.length - skippedLines.length, skippedLines };
}

function garbage(text: string): SourceReading {
  // empty means JSON's white space only (not U+2028 and the like, which `trim` would eat)
  return { observations: [], recognised: 0, skippedLines: /^[ \t\r\n]*$/.test(text) ? [] : [1] };
}
