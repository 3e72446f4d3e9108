/**
 * What the CLI must report for each lab session, given the daemon, the
 * collector and who runs it: the contract (README "Sources", and the lead's
 * brief for `proc`/`ftpwho`/`auto`), field by field, as sets of acceptable
 * values. Where a source cannot know a field, its documented fallback is
 * accepted ('' for host and file, IDLE for status, the system account for
 * user); where it can, only the true value is.
 */
import path from 'node:path';
import { DAEMON_INFO, titleArg, type DaemonView } from './lab-daemons.js';
import { ANON_PASSWORD, type Account, type AccountKey, type Lab, type SessionTruth } from './lab.js';

export type Collector = 'auto' | 'ps' | 'proc' | 'pure-ftpwho' | 'ftpwho';
export type Caller = 'root' | 'self';

export const ROW_KEYS = ['cmdline', 'file', 'host', 'login', 'pid', 'status', 'user'];

/** Which collectors make sense for a daemon, by caller. */
export function collectorsFor(lab: Pick<Lab, 'daemon'>, caller: Caller): Collector[] {
  const kind = DAEMON_INFO[lab.daemon].kind;
  const base: Collector[] = ['auto', 'ps', 'proc'];
  if (kind === 'pure-ftpd' && caller === 'root') base.push('pure-ftpwho');
  // an account reads only the scoreboard ProFTPD's configuration names (TRUST.md): not the lab's
  if (kind === 'proftpd' && caller === 'root') base.push('ftpwho');
  return base;
}

export interface FieldExpectation {
  user: string[];
  host: string[];
  status: string[];
  file: string[];
  /** undefined: any string without the anonymous password */
  cmdline: ((c: string) => boolean) | undefined;
  cmdlineWant: string;
  /** expected login instant (ms): connection time, vsftpd: login time */
  loginAt: number;
  /** fields this combination cannot fill: the caller should have been warned */
  unknown: string[];
}

/** path relative to home when inside it, else absolute */
export function relToHome(p: string, home: string): string {
  const rel = path.relative(home, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

export function expectFor(lab: Lab, view: DaemonView, s: SessionTruth, collector: Collector, caller: Caller): FieldExpectation {
  const info = DAEMON_INFO[lab.daemon];
  const account: Account = lab.world.accounts[s.account as AccountKey];
  const fdOK = caller === 'root' || lab.fdReadable[s.account as AccountKey] === true;
  const titleSrc = collector === 'ps' || collector === 'proc' || collector === 'auto';
  const procSrc = collector === 'proc' || collector === 'auto';
  const pureWho = info.kind === 'pure-ftpd' && caller === 'root' && (collector === 'auto' || collector === 'pure-ftpwho');
  const ftpwhoSrc = info.kind === 'proftpd' && (collector === 'auto' || collector === 'ftpwho');
  const ftpwho = view.ftpwho?.find((c) => c.pid === s.pid);
  const t = view.titles.get(s.pid) ?? '';
  const unknown: string[] = [];

  // user: the login name where a source knows it, else the system account
  const loginKnown = pureWho || (info.kind === 'proftpd' && (titleSrc || ftpwhoSrc)) || info.kind === 'vsftpd';
  const user = loginKnown ? s.login! : account.name;
  if (!loginKnown && user !== s.login) unknown.push('user');

  // host
  const hostKnown = (titleSrc && info.titles) || pureWho || ftpwhoSrc || (procSrc && fdOK);
  const host = hostKnown ? [s.host] : ['', s.host];
  if (!hostKnown) unknown.push('host');

  // status: pure-ftpd's title says IDLE/DOWNLOAD/UPLOAD; proftpd's and vsftpd's the command
  const statusInTitle = info.kind === 'pure-ftpd' || info.titles;
  const statusKnown = (titleSrc && statusInTitle) || pureWho || ftpwhoSrc || (procSrc && fdOK);
  const status = statusKnown ? [s.status] : [...new Set(['IDLE', s.status])];
  if (!statusKnown && s.status !== 'IDLE') unknown.push('status');

  // file: the daemon's own report of the argument where one is used, else the open file
  let file: string[];
  if (s.file === '') file = [''];
  else {
    const reports: string[] = [];
    if (pureWho) reports.push(s.file);
    if (ftpwhoSrc && ftpwho?.command_args !== undefined) reports.push(ftpwho.command_args);
    if (titleSrc && info.titles) {
      const a = titleArg(lab.run, s, t);
      if (a !== undefined) reports.push(a);
    }
    const open = procSrc && fdOK ? relToHome(s.path!, account.home) : undefined;
    if (reports.length === 0) file = open !== undefined ? [open] : [''];
    // every report is cut short or mangled: the open file is as good an answer
    else if (open !== undefined && reports.every((r) => r !== s.file)) file = [...new Set([...reports, open])];
    else file = [...new Set(reports)];
    if (file.length === 1 && file[0] === '') unknown.push('file');
  }

  // cmdline: the title as ps shows it, minus pure-ftpd's padding/junk and proftpd's anonymous password
  let cmdline: ((c: string) => boolean) | undefined;
  let cmdlineWant = t;
  if (info.kind === 'pure-ftpd' && (titleSrc || collector === 'pure-ftpwho')) {
    cmdlineWant = `pure-ftpd (${{ IDLE: 'IDLE', DL: 'DOWNLOAD', UL: 'UPLOAD' }[s.status]})`;
    cmdline = (c) => c === cmdlineWant;
  } else if (info.kind === 'proftpd' && s.account === 'anon' && titleSrc) {
    // "proftpd: ftp - 127.0.0.1: anonymous/guest@example.com: RETR x" without the password
    const tail = t.slice(t.indexOf(ANON_PASSWORD) + ANON_PASSWORD.length);
    cmdlineWant = `proftpd: ${s.login} - ${s.host}: anonymous...${tail}`;
    cmdline = (c) => c.startsWith(`proftpd: ${s.login} - ${s.host}: anonymous`) && c.endsWith(tail) && !c.includes(ANON_PASSWORD);
  } else if (titleSrc) {
    cmdline = (c) => c === t;
  } else {
    // a scoreboard-only collector need not know the title; if it gives one, it is the title
    // (ProFTPD's anonymous one without the password)
    const clean = info.kind === 'proftpd' && s.account === 'anon' ? undefined : t;
    cmdlineWant = `'' or ${clean ?? 'the title without the password'}`;
    cmdline = (c) => c === '' || (clean === undefined ? c.startsWith(`proftpd: ${s.login} - ${s.host}: anonymous`) : c === clean);
  }

  const loginAt = info.kind === 'vsftpd' ? s.loggedInAt! : s.connectedAt;
  return { user: [user], host, status, file, cmdline, cmdlineWant, loginAt, unknown };
}

// ---------------------------------------------------------------------------
// login times

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const CTIME = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( [1-9]|[12]\d|3[01]) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/** `Wed Oct 15 12:49:03 2014` -> its wall-clock reading as if UTC (ms); throws on another shape */
export function parseCtimeWall(s: string): number {
  const m = CTIME.exec(s);
  if (!m) throw new Error(`login ${JSON.stringify(s)} is not in ctime form like "Wed Oct 15 12:49:03 2014"`);
  const t = Date.UTC(Number(m[7]), MONTHS.indexOf(m[2]!), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const day = DAYS[new Date(t).getUTCDay()];
  if (day !== m[1]) throw new Error(`login ${JSON.stringify(s)}: wrong day of the week (${day})`);
  return t;
}

/** wall-clock reading of an instant in time zone tz (default: this process's), as if UTC (ms) */
export function wallClock(epochMs: number, tz?: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    ...(tz ? { timeZone: tz } : {}),
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) + (epochMs % 1000);
}

/** undefined when `login` is the local time (in tz) of `at` within 2 s; else why not */
export function loginProblem(login: unknown, at: number, tz?: string): string | undefined {
  if (typeof login !== 'string') return `login ${JSON.stringify(login)} is not a string`;
  let wall: number;
  try {
    wall = parseCtimeWall(login);
  } catch (e) {
    return (e as Error).message;
  }
  const diff = wall - wallClock(at, tz);
  if (Math.abs(diff) > 2000) {
    const zone = tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    return `login ${login} vs ${new Date(at).toISOString()} (TZ ${zone}): off by ${Math.round(diff / 1000)} s`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// checking rows

/** what a pid that should not be listed is, for readable failures */
export function describePid(lab: Lab, pid: number): string {
  for (const s of lab.sessions) {
    if (s.pid === pid) return s.account === undefined ? `the NOT LOGGED IN session '${s.scenario}'` : `${s.account}'s session '${s.scenario}'`;
    if (s.holders.includes(pid)) return `a helper process of session '${s.scenario}' (not the session process)`;
  }
  if (lab.run.masters.some((m) => m.pid === pid)) return 'a listener (master) process';
  return 'an unknown process';
}

/**
 * Every problem with `rows` as account `account` sees them with this
 * collector and caller: exactly its logged-in sessions, each field as the
 * contract says. Returns [] when all is well.
 */
export function rowProblems(
  lab: Lab,
  view: DaemonView,
  rows: unknown,
  key: AccountKey,
  collector: Collector,
  caller: Caller,
  api: 2 | 3,
  tz?: string,
): string[] {
  const out: string[] = [];
  if (!Array.isArray(rows)) return [`data is not an array: ${JSON.stringify(rows)}`];
  const want = lab.of(key).sort((a, b) => a.pid - b.pid);
  const pids = rows.map((r: { pid: unknown }) => Number(r.pid));
  const wantPids = want.map((s) => s.pid);
  for (const p of pids.filter((p) => !wantPids.includes(p))) out.push(`pid ${p} listed but it is ${describePid(lab, p)}`);
  for (const s of want.filter((s) => !pids.includes(s.pid))) out.push(`session '${s.scenario}' (pid ${s.pid}) missing`);
  if (pids.join() !== [...pids].sort((a, b) => a - b).join()) out.push(`rows not sorted by pid: ${pids.join(', ')}`);
  for (const row of rows as Record<string, unknown>[]) {
    const s = want.find((x) => x.pid === Number(row.pid));
    if (!s) continue;
    const where = `'${s.scenario}' (pid ${s.pid})`;
    const keys = Object.keys(row).sort();
    if (keys.join() !== ROW_KEYS.join()) out.push(`${where}: keys ${keys.join(',')}`);
    if (api === 2) {
      for (const k of ROW_KEYS) if (typeof row[k] !== 'string') out.push(`${where}: API 2 ${k} is ${typeof row[k]}, not a string`);
    } else {
      if (row.pid !== s.pid) out.push(`${where}: UAPI pid ${JSON.stringify(row.pid)} is not the number ${s.pid}`);
      for (const k of ROW_KEYS.filter((k) => k !== 'pid')) if (typeof row[k] !== 'string') out.push(`${where}: ${k} is ${typeof row[k]}, not a string`);
    }
    const e = expectFor(lab, view, s, collector, caller);
    const field = (k: 'user' | 'host' | 'status' | 'file') => {
      if (!e[k].includes(row[k] as string)) {
        out.push(`${where}: ${k} ${JSON.stringify(row[k])}, want ${e[k].map((v) => JSON.stringify(v)).join(' or ')}`);
      }
    };
    field('user');
    field('host');
    field('status');
    field('file');
    if (typeof row.cmdline === 'string') {
      if (row.cmdline.includes(ANON_PASSWORD)) out.push(`${where}: cmdline shows the anonymous password: ${JSON.stringify(row.cmdline)}`);
      else if (e.cmdline && !e.cmdline(row.cmdline)) out.push(`${where}: cmdline ${JSON.stringify(row.cmdline)}, want ${JSON.stringify(e.cmdlineWant)}`);
    }
    const lp = loginProblem(row.login, e.loginAt, tz);
    if (lp) out.push(`${where}: ${lp}`);
  }
  return out;
}

/** fields this account's rows could not be filled with by this collector/caller */
export function unknownFields(lab: Lab, view: DaemonView, key: AccountKey, collector: Collector, caller: Caller): string[] {
  return [...new Set(lab.of(key).flatMap((s) => expectFor(lab, view, s, collector, caller).unknown))];
}
