/**
 * `ftpsessions serve` (issue 10) against real FTP servers: pure-ftpd,
 * ProFTPD, vsftpd (titles) and vsftpd without titles, one after the other,
 * each with the lab's sessions in every state (./lab.ts). The BUILT command
 * (`npm run build` first), from a world-readable copy of the build
 * (test/helpers/public-copy.ts), runs as root with a tokens file of this
 * file's own: one root (WHM) token and one token per lab account.
 *
 * Where it runs: in the HOST network namespace, listening on the host's
 * 127.0.0.1 only. /proc is global, so the sessions of the daemons in the
 * lab's namespace are found as the CLI finds them (their sockets through
 * /proc/PID/net); the HTTP clients (node:http here) are in the host
 * namespace too.
 *
 * Checked through every route (/execute, /json-api/cpanel API 2 and
 * apiversion 3, /json-api/uapi_cpanel, the JSON action API): list, kill and
 * daemon info for the root token (acting for each account) and for each
 * account's token (its own sessions, with root's full view: pure-ftpd's
 * host and file, which `uapi` run as the account itself lacks); never
 * another account's sessions; another account's session cannot be ended.
 *
 * Needs root, the daemons (`sudo bash test/live/install-ftp-daemons.sh`),
 * `ip`, `ss`, `setpriv`; skips with a message otherwise. Same environment
 * switches as lab.live.test.ts: FTPSESSIONS_LAB_DAEMONS, FTPSESSIONS_LAB_NETNS,
 * FTPSESSIONS_LAB_CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { httpAsk } from '../helpers/http.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_INFO, ROOT, locateClient, openAgent, openWorld, startLab, type Account, type AccountKey, type Agent, type ClientSession, type DaemonId, type Lab, type World } from './lab.js';
import { rowProblems } from './lab-expect.js';
import { procStat, sleep } from './lab-proc.js';
import { DAEMONS, isRoot, skipAll, skipOf, warnSkips } from './lab-skip.js';
import { publicCopy, type PublicCopy } from '../helpers/public-copy.js';
import { freePort } from '../helpers/ports.js';

const CLI_ROOT = process.env.FTPSESSIONS_LAB_CLI ? path.resolve(process.env.FTPSESSIONS_LAB_CLI) : ROOT;
warnSkips('serve', 'tests of ftpsessions serve');
const anyDaemon = DAEMONS.some((d) => skipOf(d) === undefined);

const log = (m: string) => console.log(`[serve] ${m}`);
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', ...(process.env.TZ !== undefined ? { TZ: process.env.TZ } : {}) };

let cliCopy: PublicCopy | undefined;
let tokensDir = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function accountsOf(lab: Lab): AccountKey[] {
  return DAEMON_INFO[lab.daemon].virtual ? ['alice', 'bob', 'virt', 'anon'] : ['alice', 'bob', 'anon'];
}

// --- the built server ---------------------------------------------------------------


async function ftpsessions(args: string[], as?: Account) {
  const bin = cliCopy!.bin('ftpsessions');
  const [cmd, argv] = as
    ? ['setpriv', ['--reuid', String(as.uid), '--regid', String(as.gid), '--init-groups', '--', process.execPath, bin, ...args]]
    : [process.execPath, [bin, ...args]];
  return execa(cmd, argv, { reject: false, timeout: 30_000, cwd: cliCopy!.dir, env: { ...ENV, HOME: as?.home ?? '/root' }, extendEnv: false, input: '' });
}

/** `uapi ARGS --output=json` as root or as the account itself (setpriv) */
async function uapi(args: string[], as?: Account): Promise<Json> {
  const bin = cliCopy!.bin('uapi');
  const [cmd, argv] = as
    ? ['setpriv', ['--reuid', String(as.uid), '--regid', String(as.gid), '--init-groups', '--', process.execPath, bin, '--output=json', ...args]]
    : [process.execPath, [bin, '--output=json', ...args]];
  const r = await execa(cmd, argv, { reject: false, timeout: 30_000, cwd: cliCopy!.dir, env: { ...ENV, HOME: as?.home ?? '/root' }, extendEnv: false, input: '' });
  try {
    return JSON.parse(String(r.stdout));
  } catch {
    throw new Error(`uapi ${args.join(' ')}${as ? ` as ${as.name}` : ''}: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
  }
}

class Serve {
  private err = '';
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(
    readonly port: number,
    tokens: string,
  ) {
    this.child = spawn(process.execPath, [cliCopy!.bin('ftpsessions'), 'serve', '--listen', `127.0.0.1:${port}`, '--tokens', tokens], {
      cwd: cliCopy!.dir,
      env: ENV,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => void (this.err += d));
  }
  get stderr(): string {
    return this.err;
  }
  async ready(): Promise<void> {
    const until = Date.now() + 15_000;
    while (!this.err.includes(`listening on http://127.0.0.1:${this.port}`)) {
      if (this.child.exitCode !== null) throw new Error(`serve exited: ${this.err}`);
      if (Date.now() > until) throw new Error(`serve did not start in 15 s: ${this.err}`);
      await sleep(50);
    }
  }
  /** SIGTERM by pid; the exit */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.child.pid!, 'SIGTERM');
    return this.exited;
  }
  request(p: string, o: { auth?: string | undefined; method?: string; body?: string } = {}): Promise<{ status: number; body: string; json: Json }> {
    return httpAsk(`http://127.0.0.1:${this.port}`, p, { ...o, ...(o.body !== undefined ? { type: 'application/json' } : {}) });
  }
}

// --- the routes -------------------------------------------------------------------------

type Route = 'execute' | 'api2' | 'api3' | 'whm';
const ROUTES: Route[] = ['execute', 'api2', 'api3', 'whm'];
const KILL_ROUTES: Route[] = ['execute', 'api3', 'whm']; // API 2 has no kill function

/** the URL of a UAPI function (API 2: listftpsessions) through a route; `user` named where given */
function url(route: Route, func: string, user: string | undefined, args: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (route === 'execute') {
    if (user !== undefined) q.set('cpanel.user', user);
  } else if (route === 'whm') {
    q.set('cpanel.module', 'Ftp');
    q.set('cpanel.function', func);
    if (user !== undefined) q.set('cpanel.user', user);
  } else {
    q.set('cpanel_jsonapi_module', 'Ftp');
    q.set('cpanel_jsonapi_func', route === 'api2' && func === 'list_sessions' ? 'listftpsessions' : func);
    if (route === 'api3') q.set('cpanel_jsonapi_apiversion', '3');
    if (user !== undefined) q.set('cpanel_jsonapi_user', user);
  }
  for (const [k, v] of Object.entries(args)) q.set(k, v);
  const base = route === 'execute' ? `/execute/Ftp/${func}` : route === 'whm' ? '/json-api/uapi_cpanel' : '/json-api/cpanel';
  return `${base}?${q.toString()}`;
}

/** the call's own result out of a route's answer: ok, data, errors */
function resultOf(route: Route, json: Json): { ok: boolean; data: Json; errors: string[] } {
  if (json === undefined) return { ok: false, data: undefined, errors: ['not JSON'] };
  if (route === 'execute') return { ok: json.status === 1, data: json.data, errors: json.errors ?? [] };
  if (route === 'whm') return { ok: json.metadata?.result === 1 && json.data?.uapi?.status === 1, data: json.data?.uapi?.data, errors: json.data?.uapi?.errors ?? [] };
  if (route === 'api3') return { ok: json.result?.status === 1, data: json.result?.data, errors: json.result?.errors ?? [] };
  const c = json.cpanelresult ?? {};
  return { ok: c.event?.result === 1, data: c.data, errors: c.error ? [c.error] : [] };
}

const notYours = (pid: number) => `The session “${pid}” is not one of your FTP sessions.`;

// --- the tests ------------------------------------------------------------------------

describe.skipIf(!anyDaemon)('live lab: ftpsessions serve (built, as root, on loopback) on real FTP servers', () => {
  beforeAll(async () => {
    cliCopy = await publicCopy(CLI_ROOT);
    tokensDir = mkdtempSync(path.join(tmpdir(), 'ftpsessions-serve-live-'));
    chmodSync(tokensDir, 0o700);
    log(`the built commands of ${CLI_ROOT} copied to ${cliCopy.dir}`);
  }, 120_000);

  afterAll(async () => {
    if (cliCopy) await cliCopy.remove();
    if (tokensDir) rmSync(tokensDir, { recursive: true, force: true });
  });

  for (const daemon of DAEMONS) {
    const skip = skipOf(daemon);
    describe.skipIf(skip !== undefined)(daemon, () => {
      let world: World | undefined;
      let lab: Lab | undefined;
      let agent: Agent | undefined;
      let serve: Serve | undefined;
      /** Authorization headers: root's, and each account's by key */
      const auth: Partial<Record<AccountKey | 'root', string>> = {};
      const L = (): Lab => {
        if (!lab) throw new Error(`the ${daemon} lab did not start`);
        return lab;
      };
      const S = (): Serve => {
        if (!serve) throw new Error('serve did not start');
        return serve;
      };
      const nameOf = (key: AccountKey) => L().world.accounts[key].name;

      const openClient = async (name: string, key: AccountKey): Promise<ClientSession> => {
        const lab = L();
        const acc = lab.world.accounts[key];
        const user = key === 'anon' ? 'anonymous' : key === 'virt' ? lab.world.virtual.login : acc.name;
        const pass = key === 'virt' ? lab.world.virtual.password : acc.password;
        const opened = await agent!.open({ name, host: '127.0.0.1', port: lab.run.port, mode: 'idle', user, pass });
        return locateClient(lab, opened, { account: key });
      };

      beforeAll(async () => {
        world = await openWorld({ log, hostNamespace: process.env.FTPSESSIONS_LAB_NETNS === '0', lockWaitMs: 1_200_000 });
        lab = await startLab(world, daemon);
        agent = openAgent(world, `serve-${daemon}`);
        const tokens = path.join(tokensDir, `tokens-${daemon}`);
        const mint = async (user: string) => {
          const r = await ftpsessions(['token', 'create', '--user', user, '--name', `live-${user}`, '--tokens', tokens]);
          if (r.exitCode !== 0) throw new Error(`token create --user ${user}: ${r.stderr}`);
          return `${String(r.stdout).trim()}`;
        };
        auth.root = `whm root:${await mint('root')}`;
        for (const key of accountsOf(lab)) auth[key] = `cpanel ${nameOf(key)}:${await mint(nameOf(key))}`;
        serve = new Serve(await freePort(), tokens);
        await serve.ready();
        log(`${daemon}: serve pid ${serve.child.pid} on 127.0.0.1:${serve.port} (host namespace; the lab's ${world.netns ?? 'host namespace'})`);
      }, 1_300_000);

      afterAll(async () => {
        if (serve) {
          const end = await serve.stop();
          expect(end, `serve's exit; its log:\n${serve.stderr}`).toEqual({ code: 0, signal: null });
          expect(serve.stderr).not.toMatch(/internal error|authentication failure/);
        }
        const tree = lab?.tree() ?? [];
        await agent?.closeAndWait();
        await lab?.stop();
        await world?.close();
        const left = tree.filter((p) => {
          const st = procStat(p);
          return st !== undefined && st.state !== 'Z' && st.state !== 'X';
        });
        expect(left, `${daemon} processes left after stop()`).toEqual([]);
        await sleep(1500); // let a waiting lab run take the lock
      }, 60_000);

      it('list with the root token, for each account, through every route: exactly its sessions, every field (root\'s view)', async () => {
        const lab = L();
        const view = await lab.verify();
        const problems: string[] = [];
        for (const key of accountsOf(lab)) {
          for (const route of ROUTES) {
            const u = url(route, 'list_sessions', nameOf(key));
            const r = await S().request(u, { auth: auth.root });
            const res = resultOf(route, r.json);
            if (r.status !== 200 || !res.ok) {
              problems.push(`${u}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
              continue;
            }
            problems.push(...rowProblems(lab, view, res.data, key, 'auto', 'root', route === 'api2' ? 2 : 3).map((p) => `root ${route} for ${key}: ${p}`));
          }
        }
        await lab.verify();
        expect(problems).toEqual([]);
      }, 120_000);

      it("list with each account's token through every route: its own sessions only, root's view of them (host, file); another account's name refused", async () => {
        const lab = L();
        const view = await lab.verify();
        const problems: string[] = [];
        const others = (key: AccountKey) => lab.sessions.filter((s) => s.account !== undefined && s.account !== key).map((s) => s.pid);
        for (const key of accountsOf(lab)) {
          for (const route of ROUTES) {
            // the WHM form always names the account; the others may leave it out
            const u = url(route, 'list_sessions', route === 'whm' ? nameOf(key) : undefined);
            const r = await S().request(u, { auth: auth[key] });
            const res = resultOf(route, r.json);
            if (r.status !== 200 || !res.ok) {
              problems.push(`${key} ${u}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
              continue;
            }
            problems.push(...rowProblems(lab, view, res.data, key, 'auto', 'root', route === 'api2' ? 2 : 3).map((p) => `${key}'s token, ${route}: ${p}`));
          }
          // naming another account: refused, nothing of it shown
          const other = accountsOf(lab).find((k) => k !== key)!;
          for (const route of ROUTES) {
            const u = url(route, 'list_sessions', nameOf(other));
            const r = await S().request(u, { auth: auth[key] });
            const res = resultOf(route, r.json);
            if (res.ok) problems.push(`${key}'s token, ${u}: answered ${r.body.slice(0, 200)}`);
            for (const pid of others(key)) if (r.body.includes(String(pid))) problems.push(`${key}'s token, ${u}: shows pid ${pid} of another account`);
          }
        }
        await lab.verify();
        expect(problems).toEqual([]);
      }, 120_000);

      it('the JSON action API: root\'s session lists every logged-in session; an account\'s, exactly its own, with host and file', async () => {
        const lab = L();
        await lab.verify();
        const session = async (key: AccountKey | 'root') => {
          const [user, secret] = auth[key]!.split(' ')[1]!.split(/:(.*)/s) as [string, string];
          const r = await S().request('/api', { method: 'POST', body: JSON.stringify({ api: 'admin', action: 'createSession', params: { username: user, password: secret } }) });
          expect(r.json?.errorCode, r.body).toBe(0);
          return r.json.result.authToken as string;
        };
        const list = async (authToken: string) => {
          const r = await S().request('/api', { method: 'POST', body: JSON.stringify({ api: 'admin', action: 'listSessions', authToken, requestId: 1 }) });
          expect([r.status, r.json?.errorCode], r.body).toEqual([200, 0]);
          return r.json.result.sessions as Array<{ pid: number; host: string; file: string }>;
        };
        const tree = new Set(lab.tree());
        const all = (await list(await session('root'))).filter((x) => tree.has(x.pid));
        const loggedIn = lab.sessions.filter((s) => s.account !== undefined);
        expect(all.map((x) => x.pid).sort((a, b) => a - b)).toEqual(loggedIn.map((s) => s.pid).sort((a, b) => a - b));
        for (const key of accountsOf(lab)) {
          const mine = await list(await session(key));
          const want = lab.of(key);
          expect(mine.map((x) => x.pid).sort((a, b) => a - b), key).toEqual(want.map((s) => s.pid).sort((a, b) => a - b));
          for (const x of mine) {
            const s = want.find((w) => w.pid === x.pid)!;
            expect(x.host, `${key} pid ${x.pid} host`).toBe(s.host);
          }
        }
      }, 120_000);

      it.runIf(daemon === 'pure-ftpd')("pure-ftpd: an account's token gets host and file, which uapi run as the account itself (setpriv) lacks", async () => {
        const lab = L();
        await lab.verify();
        const alice = lab.world.accounts.alice;
        const served = resultOf('execute', (await S().request(url('execute', 'list_sessions', undefined), { auth: auth.alice })).json);
        const self = await uapi(['Ftp', 'list_sessions'], alice);
        expect(self.result?.status, JSON.stringify(self)).toBe(1);
        const byPid = (rows: Array<{ pid: number; host: string; file: string }>) => new Map(rows.map((r) => [Number(r.pid), r]));
        const viaServe = byPid(served.data);
        const viaSelf = byPid(self.result.data);
        const lacking: string[] = [];
        for (const s of lab.of('alice')) {
          const a = viaServe.get(s.pid);
          expect(a, `'${s.scenario}' via serve`).toBeDefined();
          expect(a!.host, `'${s.scenario}' host via serve`).toBe(s.host);
          if (s.file !== '') expect(a!.file, `'${s.scenario}' file via serve`).toBe(s.file);
          const b = viaSelf.get(s.pid);
          expect(b, `'${s.scenario}' via uapi as ${alice.name}`).toBeDefined();
          if (b!.host === '' || (s.file !== '' && b!.file === '')) lacking.push(s.scenario);
        }
        log(`pure-ftpd: uapi as ${alice.name} lacks host or file for ${lacking.length} of ${lab.of('alice').length} sessions (${lacking.join(', ')}); serve gives all; /proc/PID/fd readable by the account: ${lab.fdReadable.alice}`);
        if (lab.fdReadable.alice !== true) {
          expect(lacking.length, 'uapi as the account should lack host/file where it cannot read the session\'s fds').toBeGreaterThan(0);
          expect(JSON.stringify(self.result.warnings)).toContain('pure-ftpwho');
        }
      }, 60_000);

      it('daemon info through every UAPI route, for the root token and each account\'s: what uapi says as root', async () => {
        const lab = L();
        const truth = await uapi(['--user', nameOf('alice'), 'Ftp', 'get_ftp_daemon_info']);
        expect(truth.result.status).toBe(1);
        expect(truth.result.data.enabled, JSON.stringify(truth.result.data)).toBe(1);
        for (const route of ['execute', 'api3', 'whm'] as Route[]) {
          for (const key of [...accountsOf(lab), 'root'] as Array<AccountKey | 'root'>) {
            const user = key === 'root' ? nameOf('alice') : route === 'whm' ? nameOf(key) : undefined;
            const r = await S().request(url(route, 'get_ftp_daemon_info', user), { auth: auth[key] });
            const res = resultOf(route, r.json);
            expect([res.ok, res.data], `${key} ${route}: ${r.body}`).toEqual([true, truth.result.data]);
          }
        }
      }, 60_000);

      // Last: it ends sessions (its own, opened for it), and tries to end the lab's.
      it("kill: another account's session refused through every route (it lives on); each account's token ends its own through every route, and so does root's for an account", async () => {
        const lab = L();
        const victim = lab.byScenario('second-account'); // bob's
        const problems: string[] = [];
        for (const key of accountsOf(lab).filter((k) => k !== 'bob')) {
          for (const route of KILL_ROUTES) {
            for (const user of [route === 'whm' ? nameOf(key) : undefined, nameOf('bob')]) {
              const u = url(route, 'kill_session', user, { login: String(victim.pid) });
              const r = await S().request(u, { auth: auth[key] });
              const res = resultOf(route, r.json);
              if (res.ok) problems.push(`${key}'s token ${u}: ${r.body}`);
              if (user !== nameOf('bob') && !res.errors.includes(notYours(victim.pid))) problems.push(`${key}'s token ${u}: errors ${JSON.stringify(res.errors)}`);
            }
          }
        }
        // id= (a client's mistake) is refused, never "all"
        const id = resultOf('execute', (await S().request(url('execute', 'kill_session', undefined, { id: String(victim.pid) }), { auth: auth.bob })).json);
        if (id.ok || !/^Unrecognized API parameter\(s\): id/.test(id.errors[0] ?? '')) problems.push(`bob's token, id=: ${JSON.stringify(id)}`);
        expect(problems).toEqual([]);
        await lab.verify(); // every lab session still there, in its state

        const ended: string[] = [];
        const kill = async (who: AccountKey | 'root', key: AccountKey, route: Route, i: number) => {
          const c = await openClient(`serve-kill-${who}-${key}-${route}-${i}`, key);
          const user = who === 'root' || route === 'whm' ? nameOf(key) : undefined;
          const u = url(route, 'kill_session', user, { login: String(c.pid) });
          const t0 = Date.now();
          const r = await S().request(u, { auth: auth[who] });
          const ms = Date.now() - t0;
          const res = resultOf(route, r.json);
          if (!res.ok || JSON.stringify(res.data) !== JSON.stringify({ login: String(c.pid), ended: [c.pid] })) {
            problems.push(`${who}'s token ${u}: ${r.body.slice(0, 300)}`);
            return;
          }
          const until = Date.now() + 5000;
          const gone = () => {
            const st = procStat(c.pid);
            return st === undefined || st.state === 'Z' || st.state === 'X';
          };
          while (!gone() && Date.now() < until) await sleep(50);
          if (!gone()) problems.push(`${who}'s token ${u}: pid ${c.pid} still running 5 s later`);
          else ended.push(`${who}->${key} ${route} ${ms} ms`);
        };
        let i = 0;
        for (const key of accountsOf(lab)) for (const route of KILL_ROUTES) await kill(key, key, route, i++);
        for (const key of accountsOf(lab)) for (const route of KILL_ROUTES) await kill('root', key, route, i++);
        log(`${daemon}: ended through serve: ${ended.length} (${ended.join(', ')})`);
        expect(problems).toEqual([]);
        await lab.verify(); // the lab's own sessions untouched
        expect(procStat(victim.pid)?.state).not.toBe(undefined);
      }, 240_000);
    });
  }
});
