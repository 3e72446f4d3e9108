import { UsageError } from '../errors.js';
import { readSessions } from '../functions/native.js';
import type { NativeRow } from '../model/native.js';
import { terminalSafe } from '../render/terminal-safe.js';
import { perfdata, type PerfItem } from './check/perfdata.js';
import { alerts, alertsOn, parseRange, type Range } from './check/range.js';
import type { CommandHandler } from './table.js';

/**
 * `ftpsessions check`: a monitoring plugin (Nagios, Icinga, Naemon,
 * Shinken...), after the Monitoring Plugins Development Guidelines
 * (https://www.monitoring-plugins.org/doc/guidelines.html): one status
 * line `FTPSESSIONS STATE - text | perfdata`, long output on the lines
 * after it, exit 0 OK, 1 WARNING, 2 CRITICAL. UNKNOWN (3) is run.ts's for
 * every error thrown here (bad ranges, a source that cannot be read), and
 * this handler's own when a threshold asked for cannot be evaluated (the
 * idle time of no session is known).
 *
 * What is measured, over the sessions logged in (as `list` shows them):
 *   sessions        all of them (-w/-c)
 *   account_max     the most sessions of one account (--account-*)
 *   oldest_idle     the longest idle time of an IDLE session, in s
 *                   (--oldest-idle-*); 0 when no session is idle (a transfer
 *                   is not); IDLE sessions whose idle time no source gives
 *                   are left out and counted in the long output; `U` when
 *                   none has one (then its thresholds make the state
 *                   UNKNOWN: they cannot be evaluated)
 *   unauthenticated (root, without --user) the sessions connected but not
 *                   logged in (--unauthenticated-*)
 * The worst state wins: CRITICAL > WARNING > UNKNOWN > OK (the order of
 * Monitoring::Plugin::Functions' max_state_alt).
 *
 * Everything a client or a file chose (logins, hosts, account names, the
 * reading's warnings) is made safe: control characters escaped as `\n`,
 * `\x1b` (terminal-safe.ts), and `|`, which would start the perfdata, as
 * `\x7c`. The reading's warnings go to the long output, not to stderr,
 * which most monitoring systems do not read.
 */
export const check: CommandHandler = async (invocation, runtime) => {
  const o = invocation.options;
  const t = {
    sessions: thresholds(o.warning, o.critical, '--warning', '--critical'),
    account: thresholds(o.accountWarning, o.accountCritical, '--account-warning', '--account-critical'),
    idle: thresholds(o.oldestIdleWarning, o.oldestIdleCritical, '--oldest-idle-warning', '--oldest-idle-critical'),
    auth: thresholds(o.unauthenticatedWarning, o.unauthenticatedCritical, '--unauthenticated-warning', '--unauthenticated-critical'),
  };
  const root = runtime.uid === 0;
  const authAsked = t.auth.warn !== undefined || t.auth.crit !== undefined;
  if (authAsked && !root) {
    throw new UsageError('--unauthenticated-warning/--unauthenticated-critical are root\'s: an account does not see the sessions that have not logged in');
  }
  if (authAsked && invocation.query.users.length > 0) {
    throw new UsageError('--unauthenticated-warning/--unauthenticated-critical count the sessions not logged in, which belong to no account yet: not with --user');
  }
  // root, every account: the sessions not logged in are read too (perfdata `unauthenticated`)
  const withAuth = root && invocation.query.users.length === 0;
  const reading = await readSessions({ ...invocation.query, includeUnauthenticated: withAuth }, runtime);
  const s = summarize(reading.rows, reading.running);

  const states: State[] = [];
  const reasons: string[] = [];
  const judge = (pair: Thresholds, value: number | null, what: string) => {
    if (value === null) return;
    if (pair.crit !== undefined && alerts(pair.crit, value)) {
      states.push(2);
      reasons.push(`critical: ${what}, ${alertsOn(pair.crit)}`);
    } else if (pair.warn !== undefined && alerts(pair.warn, value)) {
      states.push(1);
      reasons.push(`warning: ${what}, ${alertsOn(pair.warn)}`);
    }
  };
  judge(t.sessions, s.total, plural(s.total, 'session'));
  judge(t.account, s.top.count, `${plural(s.top.count, 'session')}${s.top.account === null ? '' : ` of ${field(s.top.account)}`}`);
  judge(t.idle, s.oldest.seconds, s.oldest.row === null ? `idle ${s.oldest.seconds ?? 0} s` : `idle ${s.oldest.seconds} s (pid ${s.oldest.row.pid})`);
  if (withAuth) judge(t.auth, s.auth, `${s.auth} not logged in`);
  if ((t.idle.warn !== undefined || t.idle.crit !== undefined) && s.oldest.seconds === null) {
    states.push(3);
    reasons.push(`unknown: no source gives the idle time of any of the ${plural(s.idle, 'idle session')}`);
  }
  const state = worst(states);

  const items: PerfItem[] = [
    { label: 'sessions', value: s.total, warn: t.sessions.warn?.text, crit: t.sessions.crit?.text, min: 0 },
    { label: 'dl', value: s.dl, min: 0 },
    { label: 'ul', value: s.ul, min: 0 },
    { label: 'idle', value: s.idle, min: 0 },
    { label: 'account_max', value: s.top.count, warn: t.account.warn?.text, crit: t.account.crit?.text, min: 0 },
    { label: 'oldest_idle', value: s.oldest.seconds, uom: 's', warn: t.idle.warn?.text, crit: t.idle.crit?.text, min: 0 },
  ];
  if (withAuth) items.push({ label: 'unauthenticated', value: s.auth, warn: t.auth.warn?.text, crit: t.auth.crit?.text, min: 0 });

  const summary = `${plural(s.total, 'session')} (${s.dl} DL, ${s.ul} UL, ${s.idle} idle)`;
  const first = `FTPSESSIONS ${STATE_NAMES[state]} - ${[summary, ...reasons].join('; ')}`;
  // who is counted, when not everyone: a plugin run without sudo would otherwise say `0 sessions` and look fine
  const scope = !root
    ? [`scope: only the sessions of uid ${runtime.uid} (run as root, e.g. with sudo, for every account's)`]
    : invocation.query.users.length > 0
      ? [`scope: only the accounts ${invocation.query.users.map((u) => field(u)).join(', ')}`]
      : [];
  const lines = [`${safe(first)} | ${perfdata(items)}`, ...[...scope, ...longOutput(s, withAuth, reading.sources, reading.warnings)].map(safe)];
  runtime.stdout.write(`${lines.join('\n')}\n`);
  return state;
};

type State = 0 | 1 | 2 | 3;
const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
/** worst first: CRITICAL, WARNING, UNKNOWN, OK */
const SEVERITY: Record<State, number> = { 0: 0, 3: 1, 1: 2, 2: 3 };

function worst(states: readonly State[]): State {
  return states.reduce<State>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 0);
}

interface Thresholds {
  readonly warn: Range | undefined;
  readonly crit: Range | undefined;
}

function thresholds(warn: unknown, crit: unknown, warnOption: string, critOption: string): Thresholds {
  const one = (value: unknown, option: string) => (value === undefined ? undefined : parseRange(String(value), option));
  return { warn: one(warn, warnOption), crit: one(crit, critOption) };
}

interface Summary {
  total: number;
  dl: number;
  ul: number;
  idle: number;
  auth: number;
  daemons: Map<string, number>;
  accounts: number;
  /** the account with the most sessions (ties: the first by name) */
  top: { account: string | null; count: number };
  /** the longest known idle time of an IDLE session (0 with none idle; null when none idle has one) and its session */
  oldest: { seconds: number | null; row: NativeRow | null };
  unknownIdle: number;
}

/** One pass over the rows (linear in them). */
export function summarize(rows: readonly NativeRow[], running: readonly string[]): Summary {
  const s: Summary = { total: 0, dl: 0, ul: 0, idle: 0, auth: 0, daemons: new Map(running.map((d) => [d, 0])), accounts: 0, top: { account: null, count: 0 }, oldest: { seconds: null, row: null }, unknownIdle: 0 };
  const perAccount = new Map<string, number>();
  for (const r of rows) {
    if (r.state === 'AUTH') {
      s.auth++;
      continue;
    }
    s.total++;
    if (r.state === 'DL') s.dl++;
    else if (r.state === 'UL') s.ul++;
    else s.idle++;
    s.daemons.set(r.daemon, (s.daemons.get(r.daemon) ?? 0) + 1);
    if (r.account !== null) perAccount.set(r.account, (perAccount.get(r.account) ?? 0) + 1);
    // transfers are not idle (their idle_seconds is 0): only IDLE sessions count here
    if (r.state !== 'IDLE') continue;
    if (r.idle_seconds === null) s.unknownIdle++;
    else if (s.oldest.row === null || r.idle_seconds > (s.oldest.seconds as number) || (r.idle_seconds === s.oldest.seconds && r.pid < s.oldest.row.pid)) {
      s.oldest = { seconds: r.idle_seconds, row: r };
    }
  }
  s.accounts = perAccount.size;
  for (const [account, count] of perAccount) {
    if (count > s.top.count || (count === s.top.count && s.top.account !== null && account < s.top.account)) s.top = { account, count };
  }
  if (s.idle === 0) s.oldest = { seconds: 0, row: null };
  return s;
}

/** The long output: what the status line cannot hold, one fact a line. */
function longOutput(s: Summary, withAuth: boolean, sources: Readonly<Record<string, true | string>>, warnings: readonly string[]): string[] {
  const lines: string[] = [];
  const daemons = [...s.daemons].sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(daemons.length === 0 ? 'daemons: none seen running' : `daemons: ${daemons.map(([d, n]) => `${d} ${n}`).join(', ')}`);
  lines.push(s.top.account === null ? 'accounts: none with a session' : `accounts: ${s.accounts}; the most sessions: ${field(s.top.account)} ${s.top.count}`);
  const r = s.oldest.row;
  if (r !== null) {
    lines.push(`oldest idle: ${s.oldest.seconds} s, pid ${r.pid}, ${r.daemon}, login ${field(r.login ?? 'unknown')}, host ${field(r.host ?? 'unknown')}${r.account === null ? '' : `, account ${field(r.account)}`}`);
  } else if (s.idle === 0) {
    lines.push('oldest idle: no idle session');
  }
  if (s.unknownIdle > 0) lines.push(`idle time unknown (not in oldest_idle): ${plural(s.unknownIdle, 'session')}`);
  if (withAuth) lines.push(`not logged in: ${s.auth}`);
  const read = Object.keys(sources).filter((k) => sources[k] === true);
  lines.push(`sources read: ${read.length === 0 ? 'none' : read.join(', ')}`);
  lines.push(...warningLines(warnings));
  return lines;
}

/** The reading's warnings as long-output lines: at most MAX_WARNINGS, each cut to 300 characters, then how many more. */
export function warningLines(warnings: readonly string[]): string[] {
  const lines = warnings.slice(0, MAX_WARNINGS).map((w) => `warning: ${field(w, 300)}`);
  if (warnings.length > MAX_WARNINGS) lines.push(`(${warnings.length - MAX_WARNINGS} more warnings: run ftpsessions list to see them)`);
  return lines;
}

/** The most warnings in the long output (Nagios reads some KiB of a plugin's output). */
const MAX_WARNINGS = 10;

/** Text a client, a file or an account chose, cut to MAX characters (code points). */
function field(text: string, max = 64): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** One line fit for a plugin's output: no control characters, no line breaks, no `|`. */
export function safe(line: string): string {
  return terminalSafe(line).replace(/\|/g, '\\x7c');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
