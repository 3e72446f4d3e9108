// `ftpsessions metrics` (src/commands/metrics.ts) and renderMetrics
// (src/serve/metrics.ts): the lab's captures of every daemon replayed as
// root, against the lab's ground truth and `promtool check metrics`; the
// per-account cap; hostile label values; the textfile written atomically by
// the BUILT command (npm run build); 10,000 sessions.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/generate.mjs';
import type { Reading } from '../../src/functions/native.js';
import type { NativeRow } from '../../src/model/native.js';
import { run } from '../../src/run.js';
import { renderMetrics, type MetricsOptions } from '../../src/serve/metrics.js';
import { createTestRuntime, diskRuntime, fixture, FIXTURES, ok, procFromPs, type TestRuntimeOptions } from '../helpers/runtime.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ftpsessions.js');
const PROMTOOL = '/usr/bin/promtool';
const HAVE_PROMTOOL = existsSync(PROMTOOL);
if (!HAVE_PROMTOOL) console.warn(`metrics.test: ${PROMTOOL} is missing (Debian package prometheus): the promtool checks are skipped`);

/** `promtool check metrics` on an exposition: its complaints ('' when none). */
function promtool(text: string): string {
  expect(text.length).toBeGreaterThan(0); // promtool passes an empty input
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return `${r.status === 0 ? '' : `exit ${r.status}: `}${r.stdout}${r.stderr}`;
}

const PYTHON = '/usr/bin/python3';
const HAVE_OM_PARSER = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import prometheus_client.openmetrics.parser'], { encoding: 'utf8' }).status === 0;
if (!HAVE_OM_PARSER) console.warn('metrics.test: no OpenMetrics parser (Debian package python3-prometheus-client): the OpenMetrics checks are skipped');

/**
 * The OpenMetrics text checked by the Prometheus project's Python parser
 * (strict: # EOF, escapes, families): its complaint, or '' when none. Also
 * no double quote in a HELP line (OpenMetrics escapes it; prom-client does not).
 */
function openmetricsCheck(text: string): string {
  if (/^# HELP [^\n]*"/m.test(text)) return 'a double quote in a HELP text';
  const script = 'import sys\nfrom prometheus_client.openmetrics.parser import text_string_to_metric_families as p\nlist(p(sys.stdin.read()))';
  const r = spawnSync(PYTHON, ['-c', script], { input: text, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`;
}

/** promtool for both formats (2.42 reads `# EOF` as a comment), and the OpenMetrics parser for OpenMetrics. */
function checked(text: string, openmetrics: boolean): void {
  if (HAVE_PROMTOOL) expect(promtool(text)).toBe('');
  if (openmetrics && HAVE_OM_PARSER) expect(openmetricsCheck(text)).toBe('');
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition (both formats), label values unescaped as the format says (\\, \", \n). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = Object.create(null);
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < body.length) {
      re.lastIndex = at;
      const l = re.exec(body);
      if (l === null) throw new Error(`bad labels: ${body}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\([\\"n])/g, (_s, c: string) => (c === 'n' ? '\n' : c));
      at = re.lastIndex;
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

function value(all: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return all.find((s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

async function metricsIn(rt: ReturnType<typeof createTestRuntime>) {
  const code = await run('action', rt);
  return { code, out: rt.out, err: rt.err, rt };
}

// ---- the lab: every daemon, every state ----

const LABS = ['pure-ftpd', 'proftpd', 'vsftpd', 'vsftpd-notitle'] as const;
const ALLOWED_LABELS = new Set(['daemon', 'state', 'direction', 'account', 'source', 'version']);

interface Expected {
  capturedAt: number;
  notLoggedIn: Array<{ pid: number }>;
  accounts: Record<string, { uid: number; gid: number; home: string; sessions: Array<{ pid: number; status: string; host: string }> }>;
}

function lab(name: string) {
  const dir = `${FIXTURES}lab/${name}/`;
  const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Expected;
  const passwd = Object.entries(expected.accounts).map(([user, a]) => `${user}:x:${a.uid}:${a.gid}::${a.home}:/bin/sh`);
  const inputs = [
    ['proc', `${dir}proc`],
    ['ps', `${dir}ps.txt`],
    ['pure-ftpwho', `${dir}pure-ftpwho.txt`],
    ['ftpwho', `${dir}ftpwho.json`],
  ].filter(([, path]) => existsSync(path as string));
  return { expected, passwd: `root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n${passwd.join('\n')}\n`, inputs };
}

async function labMetrics(name: string, args: string[] = [], uid = 0) {
  const { passwd, inputs, expected } = lab(name);
  const rt = diskRuntime({ uid, now: expected.capturedAt, files: { '/etc/passwd': passwd }, argv: ['metrics', ...inputs.flatMap(([id, p]) => ['--input', `${id}=${p}`]), ...args] });
  return metricsIn(rt);
}

describe.each(LABS)('lab capture: %s', (name) => {
  const daemon = name.replace('-notitle', '');
  const { expected } = lab(name);
  const truth = Object.values(expected.accounts).flatMap((a) => a.sessions);

  it.each([[[]], [['--openmetrics']]])('as root %s: the lab\'s sessions per state (AUTH: those not logged in), promtool-clean', async (args) => {
    const r = await labMetrics(name, args);
    expect([r.code, r.err]).toEqual([0, '']);
    if (args.length > 0) expect(r.out.endsWith('\n# EOF\n')).toBe(true);
    else expect(r.out).not.toMatch(/# EOF/);
    checked(r.out, args.length > 0);
    const all = samples(r.out);
    for (const state of ['IDLE', 'DL', 'UL']) {
      expect(value(all, 'ftpsessions_sessions', { daemon, state }), state).toBe(truth.filter((t) => t.status === state).length);
    }
    expect(value(all, 'ftpsessions_sessions', { daemon, state: 'AUTH' })).toBe(expected.notLoggedIn.length);
    expect(expected.notLoggedIn.length).toBeGreaterThan(0);
    // the oldest connection not logged in is seconds old at the capture, never 0 or negative
    expect(value(all, 'ftpsessions_oldest_session_seconds', { daemon, state: 'AUTH' })).toBeGreaterThan(0);
    for (const direction of ['download', 'upload']) {
      expect(value(all, 'ftpsessions_transfer_rate_bytes_per_second', { daemon, direction })).toBeGreaterThanOrEqual(0);
    }
    expect(all.find((s) => s.name === 'ftpsessions_build_info')?.value).toBe(1);
    expect(all.filter((s) => s.name === 'ftpsessions_source_up').every((s) => s.value === 1 || s.value === 0)).toBe(true);
    expect(value(all, 'ftpsessions_source_up', { source: 'proc' })).toBe(1);
    // low cardinality: only these labels, and nothing of a session's identity in them
    for (const s of all) for (const label of Object.keys(s.labels)) expect(ALLOWED_LABELS.has(label), label).toBe(true);
    const values = new Set(all.flatMap((s) => Object.values(s.labels)));
    for (const t of truth) {
      expect(values.has(String(t.pid))).toBe(false);
      expect(values.has(t.host)).toBe(false);
    }
    // the series: 4 states x 2 (sessions, oldest) + 2 directions per daemon seen, a source_up each, duration, build info
    const daemons = new Set(all.filter((s) => s.name === 'ftpsessions_sessions').map((s) => s.labels.daemon));
    expect(daemons.has(daemon)).toBe(true);
    expect(all.length).toBe(daemons.size * 10 + all.filter((s) => s.name === 'ftpsessions_source_up').length + 2);
  });

  it('--per-account (root): each account its logged-in sessions, "other" 0, summing to the logged-in total; promtool-clean', async () => {
    for (const args of [['--per-account'], ['--per-account', '--openmetrics']]) {
      const r = await labMetrics(name, args);
      expect([r.code, r.err]).toEqual([0, '']);
      checked(r.out, args.includes('--openmetrics'));
      const all = samples(r.out);
      for (const [account, a] of Object.entries(expected.accounts)) {
        if (a.sessions.length > 0) expect(value(all, 'ftpsessions_account_sessions', { account }), account).toBe(a.sessions.length);
      }
      expect(value(all, 'ftpsessions_account_sessions', { account: 'other' })).toBe(0);
      const sum = all.filter((s) => s.name === 'ftpsessions_account_sessions').reduce((n, s) => n + s.value, 0);
      expect(sum).toBe(truth.length);
    }
  });
});

// ---- the fake server of test/commands/native.test.ts: pure-ftpd 02-tricky ----

const PS = fixture('pure-ftpd/02-tricky.ps.txt');
const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');

function server(argv: string[], options: Partial<TestRuntimeOptions> = {}) {
  return createTestRuntime({ programs: { '/usr/sbin/pure-ftpwho': ok(WHO) }, files: procFromPs(PS), argv, ...options });
}

describe('ftpsessions metrics: options', () => {
  it('live: a transfer\'s rate measured from two readings of its file position 1 s apart (as list does), the wait in collect_duration', async () => {
    const files = procFromPs(PS);
    files['/proc/24514/fdinfo/5'] = 'pos:\t1000000\nflags:\t0100000\n';
    const links = { '/proc/24514/fd/5': '/home/alice/big.bin', '/proc/24514/fd/0': 'socket:[1]' };
    let clock = Date.parse('2026-11-22T06:06:48Z');
    const rt = server(['metrics', '--collector', 'proc'], { files, links });
    rt.now = () => clock;
    const waits: number[] = [];
    rt.sleep = async (ms) => {
      waits.push(ms);
      clock += ms;
      rt.files['/proc/24514/fdinfo/5'] = 'pos:\t1065536\nflags:\t0100000\n';
    };
    const r = await metricsIn(rt);
    expect([r.code, r.err, waits]).toEqual([0, '', [1000]]);
    const all = samples(r.out);
    expect(value(all, 'ftpsessions_transfer_rate_bytes_per_second', { daemon: 'pure-ftpd', direction: 'download' })).toBe(65536);
    expect(value(all, 'ftpsessions_collect_duration_seconds', {})).toBe(1);
  });

  it('--max-accounts N: the N accounts with the most sessions by name, the rest summed as "other"', async () => {
    const full = samples((await metricsIn(server(['metrics', '--per-account']))).out).filter((s) => s.name === 'ftpsessions_account_sessions');
    const r = await metricsIn(server(['metrics', '--per-account', '--max-accounts', '1']));
    expect([r.code, r.err]).toEqual([0, '']);
    const capped = samples(r.out).filter((s) => s.name === 'ftpsessions_account_sessions');
    const top = [...full].filter((s) => s.labels.account !== 'other').sort((a, b) => b.value - a.value)[0] as Sample;
    expect(capped.map((s) => s.labels.account)).toEqual([top.labels.account, 'other']);
    const total = full.reduce((n, s) => n + s.value, 0);
    expect(capped.reduce((n, s) => n + s.value, 0)).toBe(total);
    expect(value(capped, 'ftpsessions_account_sessions', { account: 'other' })).toBe(total - top.value);
    expect(full.length).toBeGreaterThan(2);
  });

  it('without --per-account: no account in any label', async () => {
    const r = await metricsIn(server(['metrics']));
    expect(r.out).not.toMatch(/account/);
    expect(r.out).not.toMatch(/alice/);
  });

  it('as an account: its own sessions, AUTH 0 and the HELP says why; --per-account refused (exit 1)', async () => {
    const r = await metricsIn(server(['metrics'], { uid: 1001 }));
    expect([r.code, r.err]).toEqual([0, '']);
    const all = samples(r.out);
    expect(value(all, 'ftpsessions_sessions', { daemon: 'pure-ftpd', state: 'AUTH' })).toBe(0);
    expect(r.out).toMatch(/# HELP ftpsessions_sessions .*AUTH: not counted in this reading \(only root without --user sees the sessions not logged in\)/);
    // root narrowed by --user: logged-in sessions only, and the HELP says so
    const narrowed = await metricsIn(server(['metrics', '--user', 'alice']));
    expect(value(samples(narrowed.out), 'ftpsessions_sessions', { daemon: 'pure-ftpd', state: 'AUTH' })).toBe(0);
    expect(narrowed.out).toMatch(/AUTH: not counted in this reading/);
    const asRoot = samples((await metricsIn(server(['metrics']))).out);
    expect(value(asRoot, 'ftpsessions_sessions', { daemon: 'pure-ftpd', state: 'AUTH' })).toBeGreaterThan(0);
    const refused = await metricsIn(server(['metrics', '--per-account'], { uid: 1001 }));
    expect([refused.code, refused.out]).toEqual([1, '']);
    expect(refused.err).toBe('ftpsessions: Only root counts the sessions per account (--per-account): an account sees only its own.\n');
  });

  it.each([
    [['--per-account', '--max-accounts', '0'], "ftpsessions: --max-accounts takes a whole number from 1 to 100000, not '0'"],
    [['--per-account', '--max-accounts', '1e3'], "ftpsessions: --max-accounts takes a whole number from 1 to 100000, not '1e3'"],
    [['--max-accounts', '5'], 'ftpsessions: --max-accounts goes with --per-account'],
  ])('%j: a usage error (exit 2), nothing on stdout', async (args, message) => {
    const r = await metricsIn(server(['metrics', ...args]));
    expect([r.code, r.out, r.err.split('\n')[0]]).toEqual([2, '', message]);
  });

  it('--textfile DIR: DIR/ftpsessions.prom written atomically, mode 0644, nothing on stdout; a missing folder or a file: one line, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftps-metrics-'));
    try {
      const rt = diskRuntime({ programs: { '/usr/sbin/pure-ftpwho': ok(WHO) }, files: procFromPs(PS), argv: ['metrics', '--textfile', dir] });
      let wrote: [string, number] | undefined;
      rt.writeFileAtomic = async (path, text, mode) => {
        wrote = [path, mode];
        rt.files[path] = text;
      };
      const r = await metricsIn(rt);
      expect([r.code, r.out, r.err]).toEqual([0, '', '']);
      expect(wrote).toEqual([join(dir, 'ftpsessions.prom'), 0o644]);
      expect(samples(rt.files[join(dir, 'ftpsessions.prom')] as string).length).toBeGreaterThan(10);

      const missing = await metricsIn(diskRuntime({ argv: ['metrics', '--textfile', join(dir, 'nope')] }));
      expect([missing.code, missing.out, missing.err]).toEqual([1, '', `ftpsessions: --textfile ${join(dir, 'nope')}: no such folder\n`]);
      writeFileSync(join(dir, 'file'), '');
      const file = await metricsIn(diskRuntime({ argv: ['metrics', '--textfile', join(dir, 'file')] }));
      expect([file.code, file.out, file.err]).toEqual([1, '', `ftpsessions: --textfile ${join(dir, 'file')}: not a folder\n`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no source can be read: the metrics still (source_up 0, no session series, promtool-clean), the reason on stderr, exit 1', async () => {
    for (const args of [['--input', 'ps=/nonexistent/ps.txt'], ['--collector', 'ps'], ['--collector', 'ps', '--openmetrics']]) {
      const rt = createTestRuntime({ argv: ['metrics', ...args] }); // no ps program here
      const r = await metricsIn(rt);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^ftpsessions: the sessions could not be read \(ftpsessions_source_up 0\): .+\n$/);
      const all = samples(r.out);
      expect(value(all, 'ftpsessions_source_up', { source: 'ps' })).toBe(0);
      expect(all.some((s) => s.name.startsWith('ftpsessions_sessions') || s.name.startsWith('ftpsessions_oldest'))).toBe(false);
      checked(r.out, args.includes('--openmetrics'));
    }
    // --textfile: the file is still written (fresh, source_up 0: never the last good counts kept as if current)
    const rt = createTestRuntime({ argv: ['metrics', '--collector', 'ps', '--textfile', '/var/lib/prometheus/node-exporter'], stats: { '/var/lib/prometheus/node-exporter': { dev: 1, ino: 2, uid: 0, mode: 0o040755 } } });
    const r = await metricsIn(rt);
    expect([r.code, r.out]).toEqual([1, '']);
    const file = rt.files['/var/lib/prometheus/node-exporter/ftpsessions.prom'] as string;
    expect(value(samples(file), 'ftpsessions_source_up', { source: 'ps' })).toBe(0);
  });
});

// ---- renderMetrics on readings made up for the purpose ----

function row(account: string | null, state: NativeRow['state'], extra: Partial<NativeRow> = {}): NativeRow {
  return {
    account,
    pid: 1,
    daemon: 'pure-ftpd',
    login: account,
    host: '127.0.0.1',
    state,
    file: null,
    cwd: null,
    connected_at: '2026-11-22T06:00:00Z',
    idle_seconds: 0,
    transferred_bytes: null,
    size_bytes: null,
    percent: null,
    rate_bytes_per_second: null,
    cmdline: '',
    ...extra,
  } as NativeRow;
}

function reading(rows: NativeRow[]): Reading {
  return { rows, at: Date.parse('2026-11-22T06:01:40Z'), warnings: [], observations: new Map(), running: ['pure-ftpd'], sources: { proc: true } } as unknown as Reading;
}

const OPTIONS: MetricsOptions = { openmetrics: false, perAccount: true, maxAccounts: 100, collectSeconds: 0.25, sourcesUp: { proc: true, ftpwho: false }, authCounted: true };

describe('renderMetrics', () => {
  it('hostile account names (quotes, backslashes, newlines, label syntax) are escaped: read back intact, promtool-clean, one line per sample', async () => {
    const hostile = ['a"b', 'c\\d', 'e\nf', 'x",evil="1', '\\"\n\\n', '__proto__', 'ünï cödé', '} 1\nftpsessions_up 0'];
    const rows = hostile.flatMap((name, i) => Array.from({ length: i + 1 }, () => row(name, 'IDLE')));
    for (const openmetrics of [false, true]) {
      const { text, contentType } = await renderMetrics(reading(rows), { ...OPTIONS, openmetrics });
      expect(contentType).toBe(openmetrics ? 'application/openmetrics-text; version=1.0.0; charset=utf-8' : 'text/plain; version=0.0.4; charset=utf-8');
      checked(text, openmetrics);
      const accounts = samples(text).filter((s) => s.name === 'ftpsessions_account_sessions');
      expect(accounts.map((s) => [s.labels.account, s.value]).sort()).toEqual([...hostile.map((name, i) => [name, i + 1]), ['other', 0]].sort());
      // every line is a comment or a sample: nothing a name holds started a line of its own
      expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('# ')).every((l) => l.startsWith('ftpsessions_'))).toBe(true);
      expect(text).not.toMatch(/^ftpsessions_up /m);
    }
  });

  it('an account named "other" never stands for itself: it is summed into "other" with the accounts beyond --max-accounts', async () => {
    const rows = [...Array(2).fill(row('other', 'IDLE')), ...Array(5).fill(row('a', 'DL')), row('b', 'UL')];
    const all10 = samples((await renderMetrics(reading(rows), { ...OPTIONS, maxAccounts: 10 })).text);
    expect(all10.filter((s) => s.name === 'ftpsessions_account_sessions').map((s) => [s.labels.account, s.value])).toEqual([
      ['a', 5],
      ['b', 1],
      ['other', 2],
    ]);
    const all1 = samples((await renderMetrics(reading(rows), { ...OPTIONS, maxAccounts: 1 })).text);
    expect(all1.filter((s) => s.name === 'ftpsessions_account_sessions').map((s) => [s.labels.account, s.value])).toEqual([
      ['a', 5],
      ['other', 3],
    ]);
  });

  it('rates summed per direction; oldest per state from connected_at (0 with none, unknown times left out); duration and source_up as given', async () => {
    const rows = [
      row('a', 'DL', { rate_bytes_per_second: 1000, connected_at: '2026-11-22T06:00:00Z' }),
      row('a', 'DL', { rate_bytes_per_second: 500, connected_at: '2026-11-22T06:01:00Z' }),
      row('b', 'DL', { rate_bytes_per_second: null, connected_at: null }),
      row('b', 'UL', { rate_bytes_per_second: 7 }),
      row(null, 'AUTH', { connected_at: '2026-11-22T06:01:30Z' }),
    ];
    const all = samples((await renderMetrics(reading(rows), OPTIONS)).text);
    const d = { daemon: 'pure-ftpd' };
    expect(value(all, 'ftpsessions_transfer_rate_bytes_per_second', { ...d, direction: 'download' })).toBe(1500);
    expect(value(all, 'ftpsessions_transfer_rate_bytes_per_second', { ...d, direction: 'upload' })).toBe(7);
    expect(value(all, 'ftpsessions_oldest_session_seconds', { ...d, state: 'DL' })).toBe(100);
    expect(value(all, 'ftpsessions_oldest_session_seconds', { ...d, state: 'AUTH' })).toBe(10);
    expect(value(all, 'ftpsessions_oldest_session_seconds', { ...d, state: 'IDLE' })).toBe(0);
    expect(value(all, 'ftpsessions_sessions', { ...d, state: 'DL' })).toBe(3);
    expect(value(all, 'ftpsessions_sessions', { ...d, state: 'IDLE' })).toBe(0);
    expect(value(all, 'ftpsessions_collect_duration_seconds', {})).toBe(0.25);
    expect([value(all, 'ftpsessions_source_up', { source: 'proc' }), value(all, 'ftpsessions_source_up', { source: 'ftpwho' })]).toEqual([1, 0]);
  });

  it("a registry per call: prom-client's global registry stays empty; the deep imports are the classes prom-client exports", async () => {
    const prom = await import('prom-client');
    await renderMetrics(reading([row('a', 'IDLE')]), OPTIONS);
    expect(await prom.register.getMetricsAsJSON()).toEqual([]);
    // @ts-expect-error untyped deep module (as in src/serve/metrics.ts)
    expect((await import('prom-client/lib/registry.js')).default).toBe(prom.Registry);
    // @ts-expect-error as above
    expect((await import('prom-client/lib/gauge.js')).default).toBe(prom.Gauge);
  });
});

// ---- scale, and the built command's textfile ----

describe('at scale', () => {
  it('10,000 sessions: counted whole, the same 10 series per daemon (no per-session series), promtool-clean', async () => {
    const { ps, who } = generate(10_000, 65534);
    const rt = createTestRuntime({ argv: ['metrics', '--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who'], files: { '/cap/ps': ps, '/cap/who': who } });
    const started = performance.now();
    const r = await metricsIn(rt);
    const ms = performance.now() - started;
    expect([r.code, r.err]).toEqual([0, '']);
    const all = samples(r.out);
    const total = all.filter((s) => s.name === 'ftpsessions_sessions').reduce((n, s) => n + s.value, 0);
    expect(total).toBe(10_000);
    expect(all.filter((s) => s.labels.daemon !== undefined).length).toBe(10);
    if (HAVE_PROMTOOL) expect(promtool(r.out)).toBe('');
    expect(ms).toBeLessThan(5000);
  });

  const built = existsSync(join(ROOT, 'dist/ftpsessions.cjs'));
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.skipIf(!built)('the built command: a reader in a loop never sees a partial ftpsessions.prom, and no temporary file is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftps-textfile-'));
    dirs.push(dir);
    // 3,000 accounts (uids without a name are shown by number): a textfile of ~200 KB, more than one write
    const { ps, who } = generate(3000, 65534);
    let n = 0;
    const manyUids = ps.replace(/^( *\d+ +900) +65534 /gm, (_m, head: string) => `${head} ${String(40000 + n++).padStart(5)} `);
    writeFileSync(join(dir, 'ps'), manyUids);
    writeFileSync(join(dir, 'who'), who);
    const out = join(dir, 'out');
    rmSync(out, { force: true });
    spawnSync('/bin/mkdir', [out]);
    const args = [BIN, 'metrics', '--per-account', '--max-accounts', '100000', '--textfile', out, '--input', `ps=${join(dir, 'ps')}`, '--input', `pure-ftpwho=${join(dir, 'who')}`];
    const file = join(out, 'ftpsessions.prom');
    let writers = 0;
    let done = false;
    const writer = (async () => {
      for (; writers < 4; writers++) {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        expect([code, err]).toEqual([0, '']);
      }
      done = true;
    })();
    let reads = 0;
    while (!done) {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
      }
      if (text !== undefined) {
        reads++;
        expect(text.endsWith('\n')).toBe(true);
        expect(text).toMatch(/^ftpsessions_build_info\{version="[^"]+"\} 1\n$/m);
        expect(samples(text).filter((s) => s.name === 'ftpsessions_account_sessions').length).toBe(3001);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(100_000);
    expect(readdirSync(out)).toEqual(['ftpsessions.prom']);
  }, 60_000);
});
