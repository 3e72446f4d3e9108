import type { CollectorChoice, SourceId } from '../cli/invocation.js';
import { collect } from '../collectors/index.js';
import { ApiError } from '../errors.js';
import { type AccountFiles, callerScope, loadAccountFacts, refuseOverrides, resolveAccounts, resolveCaller } from '../model/accounts.js';
import { isoSecond, type NativeKey, type NativeRow, type NativeState, NUMERIC_KEYS } from '../model/native.js';
import type { Daemon, Observation } from '../model/observation.js';
import { type Account, ownerOf } from '../model/scope.js';
import { isValidTime } from '../model/time.js';
import type { Runtime } from '../runtime.js';

/** How long `list` (and --extended) waits between two readings of a transfer's byte count, by default. */
export const DEFAULT_SAMPLE_MS = 1000;

/** Which sessions the native front shows (cli/native.ts builds it from the options). */
export interface NativeQuery {
  /** --user: narrow to these accounts (root); an account may name only itself. Empty: every account (root), or the caller's own. */
  readonly users: readonly string[];
  /** root only: the sessions that have not logged in, as state AUTH */
  readonly includeUnauthenticated: boolean;
  readonly collector: CollectorChoice;
  readonly inputs: ReadonlyMap<SourceId, string>;
  readonly proftpdScoreboard: string | undefined;
  readonly accountFiles: AccountFiles;
  readonly overrides: readonly string[];
  readonly filter: RowFilter;
  /** sort keys; `-key` is descending. Empty: account, then pid. */
  readonly sort: readonly string[];
  /**
   * false: the rows' idle_seconds only where a daemon says it, no run of ss
   * for the control connections (a reading that shows no idle time: count,
   * metrics). Default true.
   */
  readonly idle?: boolean;
}

/** --state, --host, --login, --daemon: a row is shown when it matches one value of each filter given. */
export interface RowFilter {
  readonly states?: ReadonlySet<NativeState> | undefined;
  readonly hosts?: ReadonlySet<string> | undefined;
  readonly logins?: ReadonlySet<string> | undefined;
  readonly daemons?: ReadonlySet<Daemon> | undefined;
}

/** One reading of the server: the rows shown, and what the next reading and kill need. */
export interface Reading {
  readonly rows: NativeRow[];
  /** when the sources were read, epoch ms */
  readonly at: number;
  readonly warnings: readonly string[];
  /** pid -> the observation behind each row (kill verifies against it) */
  readonly observations: ReadonlyMap<number, Observation>;
  /** the daemons running here (listeners included), as the sources saw them */
  readonly running: readonly Daemon[];
  /** each source considered: whether it was read (true), or why not (its reason) */
  readonly sources: Readonly<Record<string, true | string>>;
}

/**
 * Read the sessions once: collect, vet (as root), give each its one owner,
 * keep what the query asks for, as native rows sorted. With `previous` (top,
 * watch), a transfer's rate is measured against the same session's byte
 * count in it.
 */
export async function readSessions(query: NativeQuery, runtime: Runtime, previous?: Reading): Promise<Reading> {
  refuseOverrides(query.overrides, runtime);
  const root = runtime.uid === 0;
  if (query.includeUnauthenticated && !root) {
    throw new ApiError('E_FORBIDDEN', 'Only root sees the sessions that have not logged in (--include-unauthenticated).');
  }
  // as root: the accounts asked for (each must exist); otherwise: the caller, whom --user may only name
  const accounts = root ? (query.users.length === 0 ? undefined : await resolveAccounts(query.users, runtime)) : undefined;
  const caller = root ? undefined : await resolveCaller(query.users, runtime);

  const collection = await collect(
    query.collector,
    query.inputs,
    // idle times for the daemons that report none: the control connections' lastrcv (one run of ss), where shown
    { proftpdScoreboard: query.proftpdScoreboard, descriptorsOf: caller?.uid, idleFromTcp: query.idle !== false },
    runtime,
  );
  const at = runtime.now();
  const warnings = [...collection.warnings];
  let owner: (o: Observation) => string | undefined;
  if (root) {
    const { facts, warnings: fileWarnings } = await loadAccountFacts(query.accountFiles, collection.observations, runtime);
    warnings.push(...fileWarnings);
    // a logged-in session whose uid has no name is still someone's: shown by its uid, as ps does
    owner = (o) => ownerOf(facts, o) ?? (o.loggedIn && o.uid !== undefined ? String(o.uid) : undefined);
  } else {
    const me = caller as Account;
    const mine = callerScope(me);
    owner = (o) => (mine(o) ? me.name : undefined);
  }
  const wanted = accounts === undefined ? undefined : new Set(accounts.map((a) => a.name));

  const before = previous === undefined ? undefined : countersOf(previous);
  const rows: NativeRow[] = [];
  const observations = new Map<number, Observation>();
  for (const o of collection.observations) {
    const account = owner(o);
    if (o.loggedIn) {
      if (account === undefined || (wanted !== undefined && !wanted.has(account))) continue;
    } else if (!(root && query.includeUnauthenticated && wanted === undefined)) {
      continue;
    }
    const row = nativeRow(o, o.loggedIn ? (account as string) : null, at, before);
    if (!matchesFilter(row, query.filter)) continue;
    rows.push(row);
    observations.set(o.pid, o);
  }
  sortRows(rows, query.sort);
  const sources: Record<string, true | string> = {};
  for (const id of collection.used) sources[id] = true;
  for (const [id, { reason }] of collection.unused) sources[id] = reason;
  return { rows, at, warnings, observations, running: [...collection.running].sort(), sources };
}

/** An observation as a native row, `now` the moment of the reading. */
export function nativeRow(o: Observation, account: string | null, now: number, before?: ReadonlyMap<string, Counter>): NativeRow {
  const transferring = o.loggedIn && o.state !== 'IDLE';
  const state: NativeState = o.loggedIn ? o.state : 'AUTH';
  const transferred = transferring ? count(o.transferred) : null;
  const size = transferring ? count(o.size) : null;
  const connected = isValidTime(o.startedAt) ? isoSecond(o.startedAt) : null;
  let rate = transferring ? count(o.rate) : null;
  const earlier = before?.get(identity(o));
  if (transferring && transferred !== null && earlier !== undefined && earlier.file === fileOf(o) && now > earlier.at && transferred >= earlier.bytes) {
    rate = Math.round(((transferred - earlier.bytes) * 1000) / (now - earlier.at));
  }
  return {
    account,
    pid: o.pid,
    daemon: o.daemon,
    login: o.login ?? null,
    host: o.host ?? null,
    state,
    file: transferring ? fileOf(o) : null,
    cwd: o.cwd ?? null,
    connected_at: connected,
    idle_seconds: transferring ? 0 : isValidTime(o.idleSince) && o.idleSince <= now ? Math.floor((now - o.idleSince) / 1000) : null,
    transferred_bytes: transferred,
    size_bytes: size,
    percent: transferring ? percentOf(o, transferred, size) : null,
    rate_bytes_per_second: rate,
    cmdline: o.title ?? '',
  };
}

/** A byte count or rate a source gave: a whole number, not negative, exact in a double. */
function count(n: number | undefined): number | null {
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function percentOf(o: Observation, transferred: number | null, size: number | null): number | null {
  if (transferred !== null && size !== null && size > 0) return Math.min(100, Math.round((transferred * 1000) / size) / 10);
  return o.percent !== undefined && Number.isFinite(o.percent) && o.percent >= 0 && o.percent <= 100 ? o.percent : null;
}

function fileOf(o: Observation): string | null {
  return o.file ?? o.filePath ?? null;
}

/** A session is the same one in two readings when its pid and its start time are. */
export function identity(o: { pid: number; startedAt?: number | undefined }): string {
  return `${o.pid}:${o.startedAt ?? ''}`;
}

export interface Counter {
  readonly bytes: number;
  readonly at: number;
  readonly file: string | null;
}

function countersOf(reading: Reading): Map<string, Counter> {
  const counters = new Map<string, Counter>();
  for (const row of reading.rows) {
    const o = reading.observations.get(row.pid);
    if (o === undefined || row.transferred_bytes === null) continue;
    counters.set(identity(o), { bytes: row.transferred_bytes, at: reading.at, file: row.file });
  }
  return counters;
}

/**
 * `list --sample MS`: for each transfer whose file /proc showed, read its
 * position again MS later and give the rate between the two readings (and
 * the later byte count). Only while the same process (start tick) holds the
 * same file at that descriptor; otherwise the row keeps what it had. Costs
 * one sleep and two small reads per transfer, whatever the number of
 * sessions.
 */
export async function sampleRates(reading: Reading, ms: number, runtime: Runtime): Promise<Reading> {
  const probes: Array<{ row: NativeRow; pid: number; fd: number; first: Probe }> = [];
  for (const row of reading.rows) {
    const o = reading.observations.get(row.pid);
    if (o?.transferFd === undefined || row.state === 'IDLE' || row.state === 'AUTH') continue;
    const first = probe(o.pid, o.transferFd, runtime);
    if (first !== undefined) probes.push({ row, pid: o.pid, fd: o.transferFd, first });
  }
  if (probes.length === 0 || ms <= 0) return reading;
  await runtime.sleep(ms);
  const rows = new Map<NativeRow, NativeRow>();
  for (const { row, pid, fd, first } of probes) {
    const second = probe(pid, fd, runtime);
    if (second === undefined || second.start !== first.start || second.target !== first.target || second.at <= first.at || second.pos < first.pos) continue;
    const rate = Math.round(((second.pos - first.pos) * 1000) / (second.at - first.at));
    const size = row.size_bytes;
    const percent = size !== null && size > 0 ? Math.min(100, Math.round((second.pos * 1000) / size) / 10) : row.percent;
    rows.set(row, { ...row, transferred_bytes: second.pos, rate_bytes_per_second: rate, percent });
  }
  return { ...reading, rows: reading.rows.map((r) => rows.get(r) ?? r) };
}

interface Probe {
  readonly pos: number;
  readonly at: number;
  /** the process's start tick */
  readonly start: string;
  /** what the descriptor points at */
  readonly target: string;
}

function probe(pid: number, fd: number, runtime: Runtime): Probe | undefined {
  try {
    const stat = runtime.readFileNow(`/proc/${pid}/stat`);
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
    const target = runtime.readLinkNow(`/proc/${pid}/fd/${fd}`);
    const info = runtime.readFileNow(`/proc/${pid}/fdinfo/${fd}`);
    const at = runtime.now();
    const pos = /(?:^|\n)pos:\s*(\d+)/.exec(info)?.[1];
    if (pos === undefined || !Number.isSafeInteger(Number(pos))) return undefined;
    return { pos: Number(pos), at, start, target };
  } catch {
    return undefined; // ended, or not ours to read
  }
}

/** Whether a row passes --state, --host, --login and --daemon (each given: one of its values). */
export function matchesFilter(row: NativeRow, filter: RowFilter): boolean {
  if (filter.states !== undefined && !filter.states.has(row.state)) return false;
  if (filter.daemons !== undefined && !filter.daemons.has(row.daemon)) return false;
  if (filter.hosts !== undefined && (row.host === null || !filter.hosts.has(row.host.toLowerCase()))) return false;
  if (filter.logins !== undefined && (row.login === null || !filter.logins.has(row.login.toLowerCase()))) return false;
  return true;
}

/**
 * Sort in place by the keys given (`-key`: descending), then account and
 * pid: numbers numerically, text by code point, nulls last either way.
 */
export function sortRows(rows: NativeRow[], keys: readonly string[]): void {
  const order: Array<{ key: NativeKey; sign: 1 | -1 }> = keys.map((k) =>
    k.startsWith('-') ? { key: k.slice(1) as NativeKey, sign: -1 } : { key: k as NativeKey, sign: 1 },
  );
  order.push({ key: 'account', sign: 1 }, { key: 'pid', sign: 1 });
  rows.sort((a, b) => {
    for (const { key, sign } of order) {
      const x = a[key];
      const y = b[key];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      if (NUMERIC_KEYS.has(key)) return ((x as number) - (y as number)) * sign;
      return (x < y ? -1 : 1) * sign;
    }
    return 0;
  });
}
