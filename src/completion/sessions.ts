import type { CollectorChoice, SourceId } from '../cli/invocation.js';
import type { AccountFiles } from '../model/accounts.js';
import type { Runtime } from '../runtime.js';
import type { Candidate } from './protocol.js';

/** What the command line being completed says about where sessions come from. */
export interface SessionQuery {
  readonly collector: CollectorChoice;
  readonly inputs: ReadonlyMap<SourceId, string>;
  readonly proftpdScoreboard: string | undefined;
  readonly accountFiles: AccountFiles;
  /** the --user values already on the line: root's pids are narrowed to these accounts */
  readonly users: readonly string[];
}

/** One session the caller may see, and no more of it than completion shows. */
interface Seen {
  readonly pid: number;
  readonly account: string;
  readonly daemon: string;
  readonly state: string;
}

/** A system account name: what --user takes; nothing a shell could read as more than a word. */
const ACCOUNT_WORD = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;
const NOBODY_UID = 65534;

interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
}

async function passwd(runtime: Runtime): Promise<PasswdEntry[]> {
  let text: string;
  try {
    text = await runtime.readFile('/etc/passwd');
  } catch {
    return [];
  }
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name !== undefined && ACCOUNT_WORD.test(name) && uid !== undefined && /^\d{1,10}$/.test(uid)) out.push({ name, uid: Number(uid) });
  }
  return out;
}

/** login.defs' UID_MIN: the first uid of a person's (or a hosting) account; 1000 when it does not say. */
async function uidMin(runtime: Runtime): Promise<number> {
  try {
    const m = /^\s*UID_MIN\s+(\d{1,10})\s*$/m.exec(await runtime.readFile('/etc/login.defs'));
    if (m !== null) return Number(m[1]);
  } catch {
    // no login.defs: the usual first uid
  }
  return 1000;
}

/**
 * The sessions the caller may see, read the cheapest trustworthy way: the
 * base source alone (no daemon's list, no ss, no second reading, no
 * descriptors, so no stat of a transfer's file), vetted as root as every
 * reading is; anyone else only their own uid's, as readSessions keeps them.
 */
async function seen(query: SessionQuery, runtime: Runtime, users: readonly PasswdEntry[]): Promise<Seen[]> {
  const root = runtime.uid === 0;
  const { collect } = await import('../collectors/index.js');
  const collection = await collect(
    query.collector,
    query.inputs,
    { proftpdScoreboard: root ? query.proftpdScoreboard : undefined, descriptorsOf: -1 },
    runtime,
    { baseOnly: query.inputs.size === 0 },
  );
  const out: Seen[] = [];
  if (root) {
    const { loadAccountFacts } = await import('../model/accounts.js');
    const { ownerOf } = await import('../model/scope.js');
    const { facts } = await loadAccountFacts(query.accountFiles, collection.observations, runtime);
    const wanted = new Set(query.users);
    for (const o of collection.observations) {
      const account = ownerOf(facts, o);
      if (!o.loggedIn || account === undefined || (wanted.size > 0 && !wanted.has(account))) continue;
      out.push({ pid: o.pid, account, daemon: o.daemon, state: o.state });
    }
    return out;
  }
  // the caller's own, by the rule every command applies to a caller who is not root
  const { callerScope } = await import('../model/accounts.js');
  const me = users.find((u) => u.uid === runtime.uid) ?? { name: String(runtime.uid), uid: runtime.uid };
  const mine = callerScope({ ...me, home: '' });
  for (const o of collection.observations) {
    if (mine(o)) out.push({ pid: o.pid, account: me.name, daemon: o.daemon, state: o.state });
  }
  return out;
}

/** A reading that fails gives no candidates: completion never prints an error. */
async function seenOrNone(query: SessionQuery, runtime: Runtime, users: readonly PasswdEntry[]): Promise<Seen[]> {
  try {
    return await seen(query, runtime, users);
  } catch {
    return [];
  }
}

/**
 * The accounts --user may name. Root: the system accounts that have
 * sessions (most first), then the other accounts (uid from UID_MIN, not
 * nobody). Anyone else: only themselves (they may name no one else, and
 * must not learn who has sessions).
 */
export async function accountCandidates(query: SessionQuery, runtime: Runtime): Promise<Candidate[]> {
  const users = await passwd(runtime);
  if (runtime.uid !== 0) {
    const me = users.find((u) => u.uid === runtime.uid);
    return me === undefined ? [] : [{ value: me.name, description: 'you' }];
  }
  const [sessions, min] = await Promise.all([seenOrNone({ ...query, users: [] }, runtime, users), uidMin(runtime)]);
  const known = new Set(users.map((u) => u.name));
  const counts = new Map<string, number>();
  for (const s of sessions) if (known.has(s.account)) counts.set(s.account, (counts.get(s.account) ?? 0) + 1);
  const out: Candidate[] = [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, n]) => ({ value: name, description: `${n} FTP session${n === 1 ? '' : 's'}` }));
  const others = users
    .filter((u) => u.uid !== 0 && u.uid >= min && u.uid !== NOBODY_UID && !counts.has(u.name))
    .map((u) => u.name)
    .sort();
  for (const name of new Set(others)) out.push({ value: name, description: 'no FTP sessions' });
  return out;
}

/** The pids of the sessions the caller may end: root every account's (or those of the --user accounts on the line), anyone else their own. */
export async function pidCandidates(query: SessionQuery, runtime: Runtime): Promise<Candidate[]> {
  const users = await passwd(runtime);
  const sessions = await seenOrNone(query, runtime, users);
  return sessions
    .sort((a, b) => a.pid - b.pid)
    .map((s) => ({ value: String(s.pid), description: `${s.account} ${s.daemon} ${s.state}` }));
}
