/**
 * `ftpsessions metrics` (issue 11) read by the real tools: a real Prometheus
 * (Debian's `prometheus`) and a real node_exporter (Debian's
 * `prometheus-node-exporter`), both on the host's 127.0.0.1 and both run as
 * the `prometheus` user the packages create (as Debian runs them), against
 * the lab's FTP servers (./lab.ts), one daemon after the other.
 *
 * Per daemon, with the lab's sessions up (logged in: idle, downloads,
 * uploads; and not logged in: AUTH):
 *  - the BUILT `ftpsessions serve` (root, 127.0.0.1, a tokens file of this
 *    file's own with one root token) answers GET /metrics; Prometheus scrapes
 *    it every second with `basic_auth` (username root, password_file: the
 *    token exactly as `token create` printed it) and with
 *    `authorization: {type: whm, credentials_file}` (root:TOKEN), as
 *    contrib/prometheus/prometheus.yml says; a third job with a wrong token
 *    is refused (up 0, HTTP 401/403): the route is not open;
 *  - the BUILT `ftpsessions metrics --textfile DIR` (the arguments of
 *    contrib/systemd/ftpsessions-metrics.service's ExecStart), run once, writes
 *    DIR/ftpsessions.prom; node_exporter (textfile collector only) reads it
 *    as the prometheus user; Prometheus scrapes node_exporter;
 *  - after a scrape, Prometheus's query API gives ftpsessions_sessions by
 *    daemon and state equal, through each route, to the count of the rows of
 *    `ftpsessions list --output json --include-unauthenticated` run just
 *    before and just after (the lab's states do not move meanwhile), zero
 *    where list has none; node_textfile_scrape_error is 0 and
 *    node_textfile_mtime_seconds is the file's mtime (what the
 *    FtpSessionsTextfileStale alert reads);
 *  - contrib/prometheus/ftpsessions.rules.yml loads (/api/v1/rules: six
 *    alerting rules, every one evaluated without error, none firing); a
 *    copy with lab-sized thresholds fires on the live series (too many,
 *    stuck authenticating per daemon, textfile stale): the selectors match
 *    the labels really served; every query of the Grafana dashboard
 *    answers with series;
 *  - `promtool check metrics` passes on the textfile, on `ftpsessions
 *    metrics` stdout (with --per-account) and on serve's /metrics body.
 * Every process started here is stopped by its pid (SIGTERM, then SIGKILL).
 *
 * Needs root, the FTP daemons (`sudo bash test/live/install-ftp-daemons.sh`),
 * `ip`, `ss`, `setpriv`, and `apt-get install prometheus
 * prometheus-node-exporter` (only the binaries are used: nothing is started
 * as a service); skips with a message otherwise. FTPSESSIONS_LAB_DAEMONS,
 * FTPSESSIONS_LAB_NETNS and FTPSESSIONS_LAB_CLI as in lab.live.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openWorld, startLab, type Lab, type World } from './lab.js';
import { sleep } from './lab-proc.js';
import { DAEMONS, skipAll, skipOf, warnSkips } from './lab-skip.js';
import { publicCopy, type PublicCopy } from '../helpers/public-copy.js';
import { freePort } from '../helpers/ports.js';

const CLI_ROOT = process.env.FTPSESSIONS_LAB_CLI ? path.resolve(process.env.FTPSESSIONS_LAB_CLI) : ROOT;
const PROMETHEUS = '/usr/bin/prometheus';
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const PROMTOOL = '/usr/bin/promtool';
const RULES = path.join(ROOT, 'contrib', 'prometheus', 'ftpsessions.rules.yml');
const PROM_USER = 'prometheus';
const DEBIAN_TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
/** the arguments of contrib/systemd/ftpsessions-metrics.service's ExecStart */
const UNIT_ARGS = ((): string[] => {
  const unit = readFileSync(path.join(ROOT, 'contrib', 'systemd', 'ftpsessions-metrics.service'), 'utf8');
  const line = /^ExecStart=\/usr\/local\/bin\/ftpsessions (.*)$/m.exec(unit);
  if (!line) throw new Error('no ExecStart=/usr/local/bin/ftpsessions in contrib/systemd/ftpsessions-metrics.service');
  const args = line[1]!.split(' ');
  if (args[0] !== 'metrics' || !args.includes(DEBIAN_TEXTFILE_DIR)) throw new Error(`unexpected ExecStart: ${line[0]}`);
  return args;
})();

const log = (m: string) => console.log(`[metrics] ${m}`);
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', ...(process.env.TZ !== undefined ? { TZ: process.env.TZ } : {}) };

warnSkips('metrics', 'tests of ftpsessions metrics with Prometheus');
const missingTools = [PROMETHEUS, NODE_EXPORTER, PROMTOOL].filter((b) => !existsSync(b));
const promUser = ((): { uid: number; gid: number } | undefined => {
  const line = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${PROM_USER}:`)) : undefined;
  if (!line) return undefined;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
})();
const skipTools =
  missingTools.length > 0
    ? `${missingTools.join(', ')} not installed (apt-get install prometheus prometheus-node-exporter)`
    : promUser === undefined
      ? `no ${PROM_USER} user (apt-get install prometheus creates it)`
      : undefined;
if (!skipAll && skipTools) console.warn(`[metrics] SKIPPING the Prometheus tests of ftpsessions metrics: ${skipTools}`);
const anyDaemon = DAEMONS.some((d) => skipOf(d) === undefined);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// --- processes started here, stopped by pid ------------------------------------------------


const started = new Set<Proc>();
process.once('exit', () => {
  for (const p of started) if (p.running) process.kill(p.pid, 'SIGKILL');
});

/** A child process: its output kept, stopped by its pid. */
class Proc {
  private out = '';
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    opts: { cwd?: string; as?: { uid: number; gid: number } } = {},
  ) {
    // setpriv rather than spawn's uid/gid: the supplementary groups are cleared too
    const [c, a] = opts.as ? ['/usr/bin/setpriv', ['--reuid', String(opts.as.uid), '--regid', String(opts.as.gid), '--clear-groups', '--', cmd, ...args]] : [cmd, args];
    this.child = spawn(c, a, { cwd: opts.cwd ?? '/', env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
    this.pid = this.child.pid;
    started.add(this);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    for (const s of [this.child.stdout!, this.child.stderr!]) {
      s.setEncoding('utf8');
      s.on('data', (d: string) => void (this.out = (this.out + d).slice(-200_000)));
    }
  }
  get output(): string {
    return this.out;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** wait until `ok()` holds; throws with the output if the process exits or the time is up */
  async until(what: string, ok: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} (pid ${this.pid}) exited before ${what}: ${this.out.slice(-3000)}`);
      if (await ok()) return;
      if (Date.now() > end) throw new Error(`${this.name} (pid ${this.pid}): no ${what} in ${ms} ms: ${this.out.slice(-3000)}`);
      await sleep(100);
    }
  }
  /** SIGTERM by pid, SIGKILL after `graceMs`; the exit */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) process.kill(this.pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (this.running) {
        log(`${this.name} pid ${this.pid}: SIGKILL after ${graceMs} ms`);
        process.kill(this.pid, 'SIGKILL');
      }
    }, graceMs);
    const end = await this.exited;
    clearTimeout(t);
    started.delete(this);
    return end;
  }
}

function get(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, headers, agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${p}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/** true once a GET answers at all (a refused connection: false) */
const answers = async (port: number, p: string, status = 200): Promise<boolean> => {
  try {
    return (await get(port, p)).status === status;
  } catch {
    return false;
  }
};

// --- Prometheus and node_exporter -----------------------------------------------------------

interface Sample {
  metric: Record<string, string>;
  value: number;
  at: number;
}

class Prometheus {
  constructor(
    readonly proc: Proc,
    readonly port: number,
  ) {}
  async api(p: string): Promise<Json> {
    const r = await get(this.port, `/api/v1/${p}`);
    const json = JSON.parse(r.body);
    if (r.status !== 200 || json.status !== 'success') throw new Error(`Prometheus /api/v1/${p}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
    return json.data;
  }
  /** an instant query's vector */
  async query(q: string): Promise<Sample[]> {
    const data = await this.api(`query?query=${encodeURIComponent(q)}`);
    if (data.resultType !== 'vector') throw new Error(`${q}: a ${data.resultType}, not a vector`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]), at: r.value[0] }));
  }
  async targets(): Promise<{ job: string; health: string; lastError: string; lastScrape: string }[]> {
    const data = await this.api('targets?state=active');
    return (data.activeTargets as Json[]).map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError, lastScrape: t.lastScrape }));
  }
  /** wait until every target has been scraped (successfully or not) after `since` (ms), twice over */
  async scrapedAfter(since: number, ms = 30_000): Promise<void> {
    await this.proc.until(
      `a scrape of every target after ${new Date(since).toISOString()}`,
      async () => {
        const t = await this.targets();
        return t.length > 0 && t.every((x) => Date.parse(x.lastScrape) > since + 1000);
      },
      ms,
    );
  }
}

/**
 * The contrib rules with thresholds a lab meets at once (a session at all, an
 * AUTH session at all, a textfile written at all) and no waiting (`for: 0s`),
 * as a group of their own: they must fire on the live series, which proves
 * their selectors (state="AUTH", the daemon label, node_exporter's file
 * label) match what is really served.
 */
function tightRules(rules: string): string {
  const swaps: [string, string][] = [
    ['- name: ftpsessions\n', '- name: ftpsessions-tight\n'],
    ['sum by (instance) (ftpsessions_sessions) > 200', 'sum by (instance) (ftpsessions_sessions) > 0'],
    ['{state="AUTH"}) > 120', '{state="AUTH"}) > 0'],
    ['{file=~".*ftpsessions\\\\.prom"} > 300', '{file=~".*ftpsessions\\\\.prom"} > 0'],
  ];
  let out = rules;
  for (const [from, to] of swaps) {
    if (!out.includes(from)) throw new Error(`the rules no longer contain ${from}`);
    out = out.replace(from, to);
  }
  return out.replace(/^(\s*)for: \S+$/gm, '$1for: 0s');
}

interface ScrapeJob {
  name: string;
  port: number;
  /** extra YAML lines of the job (indented 4) */
  extra?: string[];
}

/** Prometheus as the prometheus user, its config, rules and data in `dir`, every target scraped every second */
async function startPrometheus(dir: string, jobs: ScrapeJob[]): Promise<Prometheus> {
  const port = await freePort();
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  copyFileSync(RULES, path.join(dir, 'ftpsessions.rules.yml'));
  writeFileSync(path.join(dir, 'tight.rules.yml'), tightRules(readFileSync(RULES, 'utf8')));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    '  - ftpsessions.rules.yml',
    '  - tight.rules.yml',
    'scrape_configs:',
    ...jobs.flatMap((j) => [`  - job_name: ${j.name}`, ...(j.extra ?? []), '    static_configs:', `      - targets: ['127.0.0.1:${j.port}']`]),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const check = await execa(PROMTOOL, ['check', 'config', 'prometheus.yml'], { cwd: dir, reject: false, env: ENV, extendEnv: false });
  if (check.exitCode !== 0) throw new Error(`promtool check config:\n${config}\n${check.stdout}\n${check.stderr}`);
  chownTree(dir);
  const proc = new Proc(
    'prometheus',
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { cwd: dir, as: promUser! },
  );
  await proc.until('ready', () => answers(port, '/-/ready'), 60_000);
  log(`Prometheus pid ${proc.pid} on 127.0.0.1:${port} (user ${PROM_USER}), data in ${data}`);
  return new Prometheus(proc, port);
}

/** node_exporter as the prometheus user: the textfile collector only, reading `textDir` */
async function startNodeExporter(textDir: string): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const proc = new Proc(
    'node_exporter',
    NODE_EXPORTER,
    [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`, '--log.level=warn'],
    { as: promUser! },
  );
  await proc.until('ready', () => answers(port, '/metrics'), 30_000);
  log(`node_exporter pid ${proc.pid} on 127.0.0.1:${port} (user ${PROM_USER}), textfiles in ${textDir}`);
  return { proc, port };
}

function chownTree(dir: string): void {
  const walk = (p: string) => {
    chownSync(p, promUser!.uid, promUser!.gid);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
}

// --- the built commands -----------------------------------------------------------------------

let cliCopy: PublicCopy | undefined;

async function ftpsessions(args: string[], input = '') {
  return execa(process.execPath, [cliCopy!.bin('ftpsessions'), ...args], { reject: false, stripFinalNewline: false, timeout: 60_000, cwd: cliCopy!.dir, env: { ...ENV, HOME: '/root' }, extendEnv: false, input });
}

async function promtoolCheckMetrics(text: string): Promise<{ ok: boolean; said: string }> {
  const r = await execa(PROMTOOL, ['check', 'metrics'], { input: text, reject: false, env: ENV, extendEnv: false });
  return { ok: r.exitCode === 0, said: `${r.stdout}${r.stderr}`.trim() };
}

/** `list --include-unauthenticated` counted by daemon and state: "daemon state" -> n */
async function listCounts(): Promise<Map<string, number>> {
  const r = await ftpsessions(['list', '--output', 'json', '--include-unauthenticated', '--sample', '0']);
  let rows: { daemon: string; state: string }[];
  try {
    rows = JSON.parse(String(r.stdout));
  } catch {
    throw new Error(`ftpsessions list: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
  }
  const m = new Map<string, number>();
  for (const row of rows) m.set(`${row.daemon} ${row.state}`, (m.get(`${row.daemon} ${row.state}`) ?? 0) + 1);
  return m;
}

const STATES = ['IDLE', 'DL', 'UL', 'AUTH'];

/** what Prometheus has for one job: "daemon state" -> value, and the differences from list's counts */
function compare(samples: Sample[], want: Map<string, number>): { got: Map<string, number>; problems: string[] } {
  const got = new Map<string, number>();
  const problems: string[] = [];
  for (const s of samples) {
    const k = `${s.metric.daemon} ${s.metric.state}`;
    if (got.has(k)) problems.push(`${k} twice`);
    got.set(k, s.value);
  }
  for (const [k, n] of want) if (got.get(k) !== n) problems.push(`${k}: list has ${n}, Prometheus ${got.get(k) ?? 'nothing'}`);
  for (const [k, v] of got) if (!want.has(k) && v !== 0) problems.push(`${k}: Prometheus ${v}, list none`);
  // every state of every daemon seen, zeros included
  for (const d of new Set([...want.keys()].map((k) => k.split(' ')[0]!))) for (const st of STATES) if (!got.has(`${d} ${st}`)) problems.push(`no series for ${d} ${st}`);
  return { got, problems };
}

const show = (m: Map<string, number>) => [...m].sort().map(([k, v]) => `${k}=${v}`).join(', ');

// --- the tests ---------------------------------------------------------------------------------

describe.skipIf(!anyDaemon || skipTools !== undefined)('live lab: a real Prometheus and node_exporter reading ftpsessions metrics (serve /metrics and the textfile)', () => {
  let scratch = '';
  let textDir = '';
  let nodeExporter: { proc: Proc; port: number } | undefined;

  beforeAll(async () => {
    cliCopy = await publicCopy(CLI_ROOT);
    scratch = mkdtempSync(path.join(tmpdir(), 'ftpsessions-metrics-live-'));
    chmodSync(scratch, 0o755);
    textDir = path.join(scratch, 'textfile');
    // as Debian's /var/lib/prometheus/node-exporter: root's, others may read
    mkdirSync(textDir, { mode: 0o755 });
    nodeExporter = await startNodeExporter(textDir);
  }, 120_000);

  afterAll(async () => {
    if (nodeExporter) {
      const end = await nodeExporter.proc.stop();
      log(`node_exporter pid ${nodeExporter.proc.pid} stopped: ${JSON.stringify(end)}`);
    }
    if (cliCopy) await cliCopy.remove();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  for (const daemon of DAEMONS) {
    const skip = skipOf(daemon);
    describe.skipIf(skip !== undefined)(daemon, () => {
      let world: World | undefined;
      let lab: Lab | undefined;
      let serve: Proc | undefined;
      let servePort = 0;
      let prom: Prometheus | undefined;
      let rootToken = '';
      let dir = '';

      beforeAll(async () => {
        dir = path.join(scratch, daemon);
        // others may traverse it (Prometheus runs as the prometheus user); the tokens file is in a 0700 folder of its own
        mkdirSync(dir, { mode: 0o755 });
        mkdirSync(path.join(dir, 'secret'), { mode: 0o700 });
        world = await openWorld({ log, hostNamespace: process.env.FTPSESSIONS_LAB_NETNS === '0', lockWaitMs: 1_200_000 });
        lab = await startLab(world, daemon);

        // serve, with a root token; the token files Prometheus reads as the prometheus user
        const tokens = path.join(dir, 'secret', 'tokens');
        const made = await ftpsessions(['token', 'create', '--user', 'root', '--name', 'prometheus', '--tokens', tokens]);
        if (made.exitCode !== 0) throw new Error(`token create: ${made.stderr}`);
        rootToken = String(made.stdout).trim();
        servePort = await freePort();
        serve = new Proc('serve', process.execPath, [cliCopy!.bin('ftpsessions'), 'serve', '--listen', `127.0.0.1:${servePort}`, '--tokens', tokens], { cwd: cliCopy!.dir });
        await serve.until('listening', () => serve!.output.includes(`listening on http://127.0.0.1:${servePort}`), 20_000);
        log(`${daemon}: serve pid ${serve.pid} on 127.0.0.1:${servePort}`);

        const promDir = path.join(dir, 'prometheus');
        mkdirSync(promDir);
        // the password file as `token create` printed it (its newline included), 0400
        writeFileSync(path.join(promDir, 'root.token'), String(made.stdout).endsWith('\n') ? String(made.stdout) : `${made.stdout}\n`, { mode: 0o400 });
        writeFileSync(path.join(promDir, 'root.whm'), `root:${rootToken}\n`, { mode: 0o400 });
        writeFileSync(path.join(promDir, 'wrong.token'), `${rootToken.slice(0, -2)}xx\n`, { mode: 0o400 });
        prom = await startPrometheus(promDir, [
          { name: 'ftpsessions', port: servePort, extra: ['    basic_auth:', '      username: root', '      password_file: root.token'] },
          { name: 'ftpsessions-whm', port: servePort, extra: ['    authorization:', '      type: whm', '      credentials_file: root.whm'] },
          { name: 'ftpsessions-wrong-token', port: servePort, extra: ['    basic_auth:', '      username: root', '      password_file: wrong.token'] },
          { name: 'node', port: nodeExporter!.port },
        ]);
      }, 1_300_000);

      afterAll(async () => {
        const ends: string[] = [];
        if (prom) ends.push(`prometheus ${JSON.stringify(await prom.proc.stop(20_000))}`);
        if (serve) {
          const end = await serve.stop();
          ends.push(`serve ${JSON.stringify(end)}`);
          expect(end, `serve's exit; its log:\n${serve.output}`).toEqual({ code: 0, signal: null });
        }
        log(`${daemon}: stopped ${ends.join(', ')}`);
        await lab?.stop();
        await world?.close();
        rmSync(path.join(textDir, 'ftpsessions.prom'), { force: true });
        await sleep(1500); // let a waiting lab run take the lock
      }, 120_000);

      it('ftpsessions_sessions in Prometheus, through serve /metrics (basic_auth and whm) and through the node_exporter textfile, equals list by daemon and state', async () => {
        await lab!.verify();
        const before = await listCounts();
        // what the timer runs, the unit's own ExecStart, the folder changed
        const wrote = await ftpsessions(UNIT_ARGS.map((a) => (a === DEBIAN_TEXTFILE_DIR ? textDir : a)));
        expect(wrote.exitCode, `metrics --textfile: ${wrote.stderr}`).toBe(0);
        expect(String(wrote.stdout)).toBe('');
        const file = path.join(textDir, 'ftpsessions.prom');
        const st = statSync(file);
        // node_exporter (user prometheus) must be able to read it
        expect(st.mode & 0o004, `mode ${(st.mode & 0o777).toString(8)}`).toBe(0o004);
        const t0 = Date.now();
        await prom!.scrapedAfter(t0);
        const after = await listCounts();
        await lab!.verify();
        expect(show(after), 'the lab moved between the two lists').toBe(show(before));
        log(`${daemon}: list counts ${show(before)}`);

        const samples = await prom!.query('ftpsessions_sessions');
        const problems: string[] = [];
        for (const job of ['ftpsessions', 'ftpsessions-whm', 'node']) {
          const { got, problems: p } = compare(
            samples.filter((s) => s.metric.job === job),
            before,
          );
          log(`${daemon}: Prometheus, job ${job}: ${show(got)}`);
          problems.push(...p.map((x) => `job ${job}: ${x}`));
        }
        expect(samples.filter((s) => s.metric.job === 'ftpsessions-wrong-token')).toEqual([]);
        expect(problems).toEqual([]);
        // the lab has sessions of this daemon, logged in and not
        expect([...before.keys()].some((k) => k.endsWith(' AUTH')), show(before)).toBe(true);
        expect([...before.keys()].some((k) => !k.endsWith(' AUTH')), show(before)).toBe(true);
      }, 180_000);

      it('the targets: serve up for both forms of the root token, refused (401/403) for a wrong one; node_exporter read the file without error, its mtime exported', async () => {
        const targets = await prom!.targets();
        const by = (job: string) => targets.find((t) => t.job === job);
        expect(by('ftpsessions')?.health, by('ftpsessions')?.lastError).toBe('up');
        expect(by('ftpsessions-whm')?.health, by('ftpsessions-whm')?.lastError).toBe('up');
        expect(by('node')?.health, by('node')?.lastError).toBe('up');
        expect(by('ftpsessions-wrong-token')?.health).toBe('down');
        expect(by('ftpsessions-wrong-token')?.lastError).toMatch(/40[13]/);
        const up = await prom!.query('up');
        expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value]))).toEqual({ ftpsessions: 1, 'ftpsessions-whm': 1, 'ftpsessions-wrong-token': 0, node: 1 });

        const file = path.join(textDir, 'ftpsessions.prom');
        expect(await prom!.query('node_textfile_scrape_error')).toMatchObject([{ value: 0 }]);
        const mtime = await prom!.query('node_textfile_mtime_seconds{file=~".*ftpsessions\\\\.prom"}');
        expect(mtime).toHaveLength(1);
        expect(mtime[0]!.value).toBe(Math.floor(statSync(file).mtimeMs / 1000));
        log(`${daemon}: node_textfile_mtime_seconds labels ${JSON.stringify(mtime[0]!.metric)}`);
      }, 60_000);

      it('the metric names the alerting rules read are all served (serve and textfile)', async () => {
        const rules = readFileSync(RULES, 'utf8');
        const names = [...new Set([...rules.matchAll(/\b(ftpsessions_[a-z_]+)/g)].map((m) => m[1]!))];
        expect(names).toEqual(expect.arrayContaining(['ftpsessions_sessions', 'ftpsessions_oldest_session_seconds', 'ftpsessions_source_up']));
        const missing: string[] = [];
        for (const n of names) {
          // per-account is off in both routes here: checked on `metrics --per-account` below
          if (n === 'ftpsessions_account_sessions') continue;
          for (const job of ['ftpsessions', 'node']) if ((await prom!.query(`${n}{job="${job}"}`)).length === 0) missing.push(`${n} (job ${job})`);
        }
        expect(missing).toEqual([]);
      }, 60_000);

      it('every query of the Grafana dashboard answers with series (the per-account panel aside: no --per-account here)', async () => {
        const dash = JSON.parse(readFileSync(path.join(ROOT, 'contrib', 'prometheus', 'grafana-dashboard.json'), 'utf8'));
        const exprs = (dash.panels as { targets?: { expr: string }[] }[]).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
        const empty: string[] = [];
        for (const e of exprs) {
          if (e.includes('ftpsessions_account_sessions')) continue;
          if ((await prom!.query(e.replaceAll('$instance', '.+'))).length === 0) empty.push(e);
        }
        expect(empty).toEqual([]);
      }, 60_000);

      it('the rules file loads: six alerting rules, evaluated without error, none firing', async () => {
        await prom!.proc.until('a rule evaluation', async () => {
          const g = (await prom!.api('rules')).groups as Json[];
          return g.length === 2 && g.every((x) => x.lastEvaluation && !x.lastEvaluation.startsWith('0001'));
        });
        const groups = (await prom!.api('rules')).groups as Json[];
        expect(groups.map((g) => g.name)).toEqual(['ftpsessions', 'ftpsessions-tight']);
        const rules = groups[0].rules as Json[];
        expect(rules.map((r) => r.type)).toEqual(Array(6).fill('alerting'));
        expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError}`)).toEqual([]);
        expect(rules.filter((r) => r.state === 'firing').map((r) => r.name)).toEqual([]);
      }, 60_000);

      it('the rules with lab-sized thresholds fire on the live series: too many sessions, stuck authenticating (per daemon), textfile stale', async () => {
        const tight = async () => ((await prom!.api('rules')).groups as Json[]).find((g) => g.name === 'ftpsessions-tight');
        // every alert expected below firing, not only some of them (each rule fires per instance, not all in the same evaluation)
        const firingAlerts = async () =>
          (((await tight())?.rules as Json[] | undefined) ?? [])
            .filter((r) => ['FtpSessionsTooMany', 'FtpSessionStuckAuthenticating', 'FtpSessionsTextfileStale'].includes(r.name))
            .flatMap((r) => (r.alerts ?? []) as Json[])
            .filter((a) => a.state === 'firing').length;
        await prom!.proc.until('the tight rules firing', async () => (await firingAlerts()) >= 5);
        const rules = (await tight()).rules as Json[];
        expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
        const firing = (name: string) => (rules.find((r) => r.name === name)?.alerts ?? []).filter((a: Json) => a.state === 'firing').map((a: Json) => a.labels);
        const serveInstance = `127.0.0.1:${servePort}`;
        const nodeInstance = `127.0.0.1:${nodeExporter!.port}`;
        const kind = daemon.startsWith('vsftpd') ? 'vsftpd' : daemon;
        expect(firing('FtpSessionsTooMany').map((l: Json) => l.instance).sort()).toEqual([serveInstance, nodeInstance].sort());
        expect(firing('FtpSessionStuckAuthenticating').map((l: Json) => `${l.instance} ${l.daemon}`).sort()).toEqual([`${serveInstance} ${kind}`, `${nodeInstance} ${kind}`].sort());
        expect(firing('FtpSessionsTextfileStale').map((l: Json) => `${l.instance} ${path.basename(l.file)}`)).toEqual([`${nodeInstance} ftpsessions.prom`]);
        // the other three stay quiet: every source read, the exporter up, no per-account series
        expect(firing('FtpSessionsSourceDown')).toEqual([]);
        expect(firing('FtpSessionsExporterDown')).toEqual([]);
        expect(firing('FtpAccountOverSessionQuota')).toEqual([]);
      }, 60_000);

      it('promtool check metrics: the textfile, metrics on stdout (--per-account) and serve /metrics', async () => {
        const file = readFileSync(path.join(textDir, 'ftpsessions.prom'), 'utf8');
        const out = await ftpsessions(['metrics', '--per-account']);
        expect(out.exitCode, String(out.stderr)).toBe(0);
        expect(String(out.stdout)).toMatch(/^ftpsessions_account_sessions\{account="[^"]+"\} [1-9]/m);
        const body = await get(servePort, '/metrics', { authorization: `Basic ${Buffer.from(`root:${rootToken}`).toString('base64')}` });
        expect(body.status).toBe(200);
        expect(body.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        for (const [what, text] of [
          ['the textfile', file],
          ['metrics --per-account', String(out.stdout)],
          ['serve /metrics', body.body],
        ] as const) {
          const r = await promtoolCheckMetrics(text);
          expect(r, what).toEqual({ ok: true, said: '' });
        }
        log(`${daemon}: exposition sizes: textfile ${file.length} B, --per-account ${String(out.stdout).length} B, /metrics ${body.body.length} B; series ${file.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length}`);
      }, 60_000);
    });
  }
});
