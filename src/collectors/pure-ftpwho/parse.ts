import { type Observation, stateOfCommand } from '../../model/observation.js';
import { splitLines } from '../text.js';
import type { SourceReading } from '../types.js';

/**
 * `pure-ftpwho -s`: one line per session,
 * `pid|account|time|state|file|peer|local|port|current|total|percent|bandwidth`,
 * with `|` and `\` escaped by a backslash (ftp-servers.md §2.3). `account` is `?`
 * before login, `time` is seconds since the connection was accepted, `state`
 * is `IDLE`, ` DL `, ` UL ` or `ERR!`; port and the four counters are
 * decimal. Only lines of that form count as pure-ftpwho's output, so that
 * anything else (an error message, garbage) is refused as such. The file and
 * host fields may hold any character: lines are split on LF only.
 *
 * The counters, for a transfer only (pure-ftpwho prints 0 for an idle
 * session): `current` KiB moved (bytes / 1024, rounded down), `total` KiB of
 * the file (downloads only; 0 for an upload, or unknown), `percent` 0-100
 * (downloads only), `bandwidth` KiB/s averaged since the transfer began.
 * `-x` would give bytes and bytes/s, but it does not escape `"` in file
 * names (a client's file name could forge the attributes that follow it) and
 * declares a wrong encoding: `-s` is exact to 1 KiB, parsed without guessing.
 */
const FIELDS = 12;
const STATES = new Set(['IDLE', ' DL ', ' UL ', 'ERR!']);

/** Split on `|` not preceded by a backslash, and unescape `\x` to `x`. */
export function splitEscaped(line: string): string[] {
  if (!line.includes('\\')) return line.split('|');
  const fields: string[] = [];
  let current = '';
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5c /* \ */ && i + 1 < line.length) {
      current += line.slice(from, i);
      from = ++i; // keep the escaped character, drop the backslash
    } else if (c === 0x7c /* | */) {
      fields.push(current + line.slice(from, i));
      current = '';
      from = i + 1;
    }
  }
  fields.push(current + line.slice(from));
  return fields;
}

/** port, current, total, percent, bandwidth: decimal (a loop: a regex per field costs a third of the parse at 10,000 lines) */
function counters(f: readonly string[]): boolean {
  for (let i = 7; i < FIELDS; i++) {
    const n = f[i] as string;
    if (n.length === 0 || n.length > 20) return false;
    for (let j = 0; j < n.length; j++) {
      const c = n.charCodeAt(j);
      if (c < 0x30 || c > 0x39) return false;
    }
  }
  return true;
}

const TITLE = { IDLE: 'pure-ftpd (IDLE)', DL: 'pure-ftpd (DOWNLOAD)', UL: 'pure-ftpd (UPLOAD)' } as const;

/** KiB as bytes, when exact in a double (20 digits pass the format check; 2^53 / 1024 KiB do not fit) */
function kib(digits: string): number | undefined {
  const bytes = Number(digits) * 1024;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The transfer's counters (fields 9-12, digits only: checked by `counters`). */
function transferOf(state: 'DL' | 'UL', f: readonly string[]): Partial<Observation> {
  const out: Partial<Observation> = {};
  const transferred = kib(f[8] as string);
  if (transferred !== undefined) out.transferred = transferred;
  const rate = kib(f[11] as string);
  if (rate !== undefined) out.rate = rate;
  if (state === 'DL') {
    // 0: pure-ftpd does not know the size (a file that could not be stat'ed)
    const size = kib(f[9] as string);
    if (size !== undefined && size > 0) {
      out.size = size;
      const percent = Number(f[10]);
      if (percent <= 100) out.percent = percent;
    }
  }
  return out;
}

export function parsePureFtpwho(text: string, now: number): SourceReading {
  const observations: Observation[] = [];
  const skippedLines: number[] = [];
  let recognised = 0;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const f = splitEscaped(line);
    const [pid, account, time, rawState, file, peer] = f;
    if (
      f.length !== FIELDS ||
      !/^[1-9]\d{0,9}$/.test(pid as string) ||
      !/^\d{1,12}$/.test(time as string) ||
      !STATES.has(rawState as string) ||
      account === '' ||
      !counters(f)
    ) {
      skippedLines.push(i + 1);
      continue;
    }
    recognised++;
    const state = stateOfCommand((rawState as string).trim());
    const loggedIn = account !== '?';
    const o: Observation = {
      pid: Number(pid),
      daemon: 'pure-ftpd',
      loggedIn,
      state,
      host: peer as string,
      startedAt: now - Number(time) * 1000,
      // pure-ftpd's titles are exactly these (ftp-servers.md §2.1)
      title: TITLE[state],
    };
    if (loggedIn) o.login = account as string;
    if (state !== 'IDLE') {
      o.file = file as string;
      Object.assign(o, transferOf(state, f));
    }
    observations.push(o);
  }
  return { observations, recognised, skippedLines };
}
