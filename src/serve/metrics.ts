import type { Gauge as GaugeClass, Registry as RegistryClass, RegistryContentType } from 'prom-client';
import type { Reading } from '../functions/native.js';
import { VERSION } from '../version.js';

/**
 * The sessions as Prometheus metrics, for `ftpsessions metrics` and serve's
 * `GET /metrics`. Low in cardinality by design: daemon, state, direction,
 * source and (with perAccount, capped) account; never a pid, an address, a
 * file or an FTP login.
 */
export interface MetricsOptions {
  /** the OpenMetrics text format (ends with `# EOF`) instead of 0.0.4 */
  readonly openmetrics: boolean;
  /** also ftpsessions_account_sessions{account} (root's reading) */
  readonly perAccount: boolean;
  /** with perAccount: the most accounts given by name; the rest are summed as account="other" */
  readonly maxAccounts: number;
  /** how long the reading took */
  readonly collectSeconds: number;
  /** each session source considered: whether it was read */
  readonly sourcesUp: Readonly<Record<string, boolean>>;
  /**
   * whether the reading holds the sessions not logged in (taken by root with
   * includeUnauthenticated): AUTH is counted, else it is 0 and HELP says so
   */
  readonly authCounted: boolean;
}

export interface Exposition {
  readonly text: string;
  /** the HTTP Content-Type of `text` */
  readonly contentType: string;
}

/** reading.sources as MetricsOptions.sourcesUp: read (true), or not (a source that failed, or was not there to read). */
export function sourcesUpOf(reading: Reading): Record<string, boolean> {
  const up: Record<string, boolean> = Object.create(null);
  for (const [source, state] of Object.entries(reading.sources)) up[source] = state === true;
  return up;
}

/**
 * MetricsOptions.sourcesUp when readSessions failed (CollectorError: no source
 * could be read): the ones tried, all down. Those given with --input, the one
 * --collector names, or (auto) proc and ps, the two that see every daemon's
 * processes (src/collectors/index.ts, PLANS).
 */
export function sourcesTried(query: { readonly collector: string; readonly inputs: ReadonlyMap<string, string> }): Record<string, boolean> {
  const tried = query.inputs.size > 0 ? [...query.inputs.keys()] : query.collector === 'auto' ? ['proc', 'ps'] : [query.collector];
  return Object.fromEntries(tried.map((source) => [source, false]));
}

/** The states and transfer directions every daemon has a series for, zeros included. */
export const STATES = ['IDLE', 'DL', 'UL', 'AUTH'] as const;
const DIRECTIONS = { DL: 'download', UL: 'upload' } as const;

/** The label value of the accounts not given by name (and of an account named so: see renderMetrics). */
export const OTHER_ACCOUNT = 'other';

/**
 * prom-client's Registry and Gauge, loaded on first use. From their own
 * modules, not the package's index: the index also loads the default
 * metrics, the cluster aggregator and @opentelemetry/api, which cost 40-65 ms
 * of start-up in the bundle against 2-8 ms for these two (measured, Node 20).
 * test/commands/metrics.test.ts checks they are the classes the index exports.
 */
async function promClient(): Promise<{ Registry: typeof RegistryClass; Gauge: typeof GaugeClass }> {
  const [registry, gauge] = await Promise.all([
    // @ts-expect-error prom-client declares types for its index only; these are its Registry and Gauge (typed below)
    import('prom-client/lib/registry.js') as Promise<{ default: typeof RegistryClass }>,
    // @ts-expect-error as above
    import('prom-client/lib/gauge.js') as Promise<{ default: typeof GaugeClass }>,
  ]);
  return { Registry: registry.default, Gauge: gauge.default };
}

/**
 * One reading as an exposition, in a registry of its own (never prom-client's
 * global one: two renderings, or serve's concurrent scrapes, share nothing).
 * Cost: one pass over the rows, then a series per daemon x state, per source
 * and per account kept.
 *
 * `reading` undefined: the sessions could not be read at all; then only
 * source_up (0 where a source failed), collect_duration and build_info are
 * given, never zeros that would claim an empty server.
 */
export async function renderMetrics(reading: Reading | undefined, options: MetricsOptions): Promise<Exposition> {
  const { Registry, Gauge } = await promClient();
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(options.openmetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [registry] });

  const rows = reading?.rows ?? [];
  const at = reading?.at ?? 0;
  const daemons = [...new Set<string>([...(reading?.running ?? []), ...rows.map((r) => r.daemon)])].sort();
  const key = (daemon: string, state: string) => `${daemon}\u0000${state}`;
  const sessions = new Map<string, number>();
  const oldest = new Map<string, number>();
  const rates = new Map<string, number>();
  const accounts = new Map<string, number>();
  for (const row of rows) {
    const k = key(row.daemon, row.state);
    sessions.set(k, (sessions.get(k) ?? 0) + 1);
    const connected = row.connected_at === null ? Number.NaN : Date.parse(row.connected_at);
    if (Number.isFinite(connected)) oldest.set(k, Math.max(oldest.get(k) ?? 0, Math.max(0, (at - connected) / 1000)));
    if ((row.state === 'DL' || row.state === 'UL') && row.rate_bytes_per_second !== null) {
      rates.set(k, (rates.get(k) ?? 0) + row.rate_bytes_per_second);
    }
    if (row.account !== null) accounts.set(row.account, (accounts.get(row.account) ?? 0) + 1);
  }

  const auth = options.authCounted
    ? 'AUTH: connected, not logged in yet'
    : 'AUTH: not counted in this reading (only root without --user sees the sessions not logged in), always 0 here';
  if (reading !== undefined) {
    const sessionsGauge = gauge('ftpsessions_sessions', `FTP sessions by daemon and state (IDLE, DL download, UL upload; ${auth}).`, ['daemon', 'state']);
    const rateGauge = gauge(
      'ftpsessions_transfer_rate_bytes_per_second',
      'The sum of the current transfer rates of the sessions, by daemon and direction (a transfer whose rate is unknown adds 0).',
      ['daemon', 'direction'],
    );
    const oldestGauge = gauge(
      'ftpsessions_oldest_session_seconds',
      `Seconds since the oldest session in this daemon and state connected; 0 when it has none (${auth}).`,
      ['daemon', 'state'],
    );
    for (const daemon of daemons) {
      for (const state of STATES) {
        const k = key(daemon, state);
        sessionsGauge.set({ daemon, state }, sessions.get(k) ?? 0);
        oldestGauge.set({ daemon, state }, Math.floor(oldest.get(k) ?? 0));
      }
      for (const [state, direction] of Object.entries(DIRECTIONS)) rateGauge.set({ daemon, direction }, rates.get(key(daemon, state)) ?? 0);
    }
  }

  if (reading !== undefined && options.perAccount) {
    const accountGauge = gauge(
      'ftpsessions_account_sessions',
      // no double quote in a HELP text: prom-client does not escape it, and OpenMetrics wants it escaped
      `Logged-in FTP sessions by account: the ${options.maxAccounts} with the most by name; the rest, and an account named ${OTHER_ACCOUNT}, summed as the account ${OTHER_ACCOUNT}.`,
      ['account'],
    );
    // most sessions first, then by name: which accounts are named is stable from one reading to the next
    const ranked = [...accounts].filter(([name]) => name !== OTHER_ACCOUNT).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
    let other = accounts.get(OTHER_ACCOUNT) ?? 0;
    for (const [i, [account, n]] of ranked.entries()) {
      if (i < options.maxAccounts) accountGauge.set({ account }, n);
      else other += n;
    }
    accountGauge.set({ account: OTHER_ACCOUNT }, other);
  }

  const upGauge = gauge('ftpsessions_source_up', 'Whether this session source was read (1) or could not be (0) at the last collection.', ['source']);
  for (const source of Object.keys(options.sourcesUp).sort()) upGauge.set({ source }, options.sourcesUp[source] === true ? 1 : 0);
  gauge('ftpsessions_collect_duration_seconds', 'How long reading the sessions took, in seconds.', []).set(options.collectSeconds);
  gauge('ftpsessions_build_info', 'The version of ftpsessions that made these metrics; always 1.', ['version']).set({ version: VERSION }, 1);

  return { text: await registry.metrics(), contentType: registry.contentType };
}
