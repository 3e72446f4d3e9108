// `ftpsessions serve`, BUILT (`npm run build` first) and spawned as root on
// loopback, driven by an unmodified third-party cPanel client from the npm
// registry (cpanel-lib 0.0.5, a devDependency), by curl, and by plain HTTP
// requests for the authentication matrix. The tokens file is made by the
// built `ftpsessions token create`. The sessions read are this machine's:
// the accounts used (nobody, daemon, bin) never hold an FTP session, so every
// list is empty, and a kill names a pid that is not theirs (the server's own,
// init): the point is the transport, the dialects and the refusals.
//
// cpanel-lib, what it needs and where it differs from cPanel (each pinned
// by a test below):
// - `secure: false` for plain HTTP (it defaults to HTTPS on 2087); over TLS
//   with a self-signed certificate, `ignoreCertError: true`.
// - root's token as `accessKey`: it sends `Authorization: WHM root:TOKEN`
//   (upper case: the scheme is case-insensitive); an account's token as
//   `password`: `Basic base64(user:token)`.
// - callApi2 sends cpanel_jsonapi_user (the client's own user name unless a
//   user is given) and cpanel_jsonapi_apiversion=2: /json-api/cpanel.
// - callUapi requests /execute/Module/func?QUERY with a trailing `?` when the
//   arguments are empty (served), and it sets the client's path to /execute/
//   for good: a callApi2 afterwards on the same client asks /execute/cpanel
//   (404, a JSON body without cpanelresult: still a failure to the caller).
//   One client per API.
// - it ignores the HTTP status and parses the body: a 401 or 429 reaches the
//   caller as a failure in the URL's dialect (event.result 0 / status 0).
// - callApi1 (API 1) is answered with API 2's failure envelope: not served.
// - it builds the Basic header with `new Buffer()` (Node's DEP0005 warning).
//
// Everything runs both ways the commands ship (test/helpers/commands.ts):
// `node bin/ftpsessions.js` and the single executable, each with its own
// tokens file and servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpAnswer, type HttpAsk, httpAsk } from '../helpers/http.js';
import { removeBinaryDir, WAYS } from '../helpers/commands.js';
import { freePort } from '../helpers/ports.js';

afterAll(removeBinaryDir);

const ROOT = new URL('../../', import.meta.url).pathname;
const CURL = '/usr/bin/curl';
const OPENSSL = '/usr/bin/openssl';
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const isRoot = process.getuid?.() === 0;
// a missing build is a failure, never a skip
for (const bundle of ['ftpsessions', 'cpanel']) {
  if (!existsSync(join(ROOT, 'dist', `${bundle}.cjs`))) throw new Error(`dist/${bundle}.cjs is missing: npm run build first`);
}
if (!isRoot) console.warn('[serve-clients] SKIPPING: token create and serve on this machine need root');
else if (!existsSync(FAKETIME_LIB)) console.warn(`[serve-clients] SKIPPING the failure limit's reset: ${FAKETIME_LIB} missing (apt-get install faketime)`);

// cpanel-lib is CommonJS without types
interface CpanelCallback {
  (err: unknown, body?: unknown): void;
}
interface CpanelClient {
  path: string;
  callApi1(module: string, func: string, args: string[], userOrCb: string | CpanelCallback, cb?: CpanelCallback): void;
  callApi2(module: string, func: string, query: Record<string, string>, userOrCb: string | CpanelCallback, cb?: CpanelCallback): void;
  callUapi(module: string, func: string, args: Record<string, string>, cb: CpanelCallback): void;
}
const cpanelLib = createRequire(import.meta.url)('cpanel-lib') as {
  createClient(o: { host: string; port: number; secure?: boolean; username: string; password?: string; accessKey?: string; ignoreCertError?: boolean }): CpanelClient;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** a promise of a cpanel-lib call: [err, body] */
function viaLib(call: (cb: CpanelCallback) => void): Promise<{ err: unknown; body: Json }> {
  return new Promise((resolve) => call((err, body) => resolve({ err, body })));
}

for (const way of WAYS) describe(way.label, () => {
  /** the program and arguments that run `ftpsessions ARGS` this way */
  function ftpsessions(args: readonly string[]): [string, string[]] {
    const [file, ...pre] = way.argv('ftpsessions');
    return [file, [...pre, ...args]];
  }

  const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-serve-'));
  chmodSync(dir, 0o700);
  const TOKENS = join(dir, 'tokens');
  const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', TZ: 'UTC', LANG: 'C.UTF-8' };

  async function token(args: string[], tokens = TOKENS) {
    return execa(...ftpsessions(['token', ...args, '--tokens', tokens]), { reject: false, env: ENV, extendEnv: false, input: '' });
  }

  /** `token create`: the secret, checked to be alone on stdout */
  async function mint(user: string, name: string, tokens = TOKENS): Promise<string> {
    const r = await token(['create', '--user', user, '--name', name], tokens);
    if (r.exitCode !== 0) throw new Error(`token create --user ${user}: exit ${r.exitCode}: ${r.stderr}`);
    const lines = String(r.stdout).split('\n');
    expect(lines.length, `token create printed ${JSON.stringify(r.stdout)}`).toBe(1);
    expect(lines[0]).toMatch(/^\S{16,}$/);
    return lines[0] as string;
  }


  interface Serve {
    readonly pid: number;
    readonly port: number;
    readonly url: string;
    readonly child: ChildProcess;
    stderr(): string;
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    /** SIGTERM (by pid) and the exit */
    stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  const running = new Set<Serve>();

  /** run the built `ftpsessions serve` on a free loopback port; resolves once it logged `listening on` and /healthz answers */
  async function startServe(extra: string[] = [], options: { tokens?: string; env?: Record<string, string>; tls?: boolean } = {}): Promise<Serve> {
    const port = await freePort();
    const child = spawn(...ftpsessions(['serve', '--listen', `127.0.0.1:${port}`, '--tokens', options.tokens ?? TOKENS, ...extra]), {
      env: { ...ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => void (err += d));
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const scheme = options.tls ? 'https' : 'http';
    const serve: Serve = {
      pid: child.pid as number,
      port,
      url: `${scheme}://127.0.0.1:${port}`,
      child,
      stderr: () => err,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGTERM');
        const r = await exited;
        running.delete(serve);
        return r;
      },
    };
    running.add(serve);
    const until = Date.now() + 15_000;
    let gone = false;
    void exited.then(() => (gone = true));
    while (!new RegExp(`listening on \\S*127\\.0\\.0\\.1:${port}`).test(err)) {
      if (gone) throw new Error(`serve exited before listening: ${err}`);
      if (Date.now() > until) throw new Error(`serve did not say "listening on ...:${port}" in 15 s: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const health = await ask(serve, '/healthz');
    expect([health.status, health.json]).toEqual([200, {}]);
    return serve;
  }

  type Answer = HttpAnswer;

  /** one HTTP request (no keep-alive); `from`: the loopback source address (the failure limits count per address) */
  function ask(serve: Serve, path: string, o: HttpAsk = {}): Promise<Answer> {
    return httpAsk(serve.url, path, o);
  }

  /** curl, as a user types it; the last line of stdout is `HTTP_CODE CONTENT_TYPE` */
  async function curl(args: string[]): Promise<{ status: number; type: string; json: Json; body: string }> {
    const r = await execa(CURL, ['-sS', '--max-time', '20', '-w', '\n%{http_code} %{content_type}', ...args], { reject: false, env: ENV, extendEnv: false });
    const out = String(r.stdout);
    const cut = out.lastIndexOf('\n');
    const tail = out.slice(cut + 1);
    const code = tail.slice(0, tail.indexOf(' '));
    const type = tail.slice(tail.indexOf(' ') + 1);
    const body = out.slice(0, cut);
    let json: Json;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    if (r.exitCode !== 0) throw new Error(`curl ${args.join(' ')}: exit ${r.exitCode}: ${r.stderr}`);
    return { status: Number(code), type, json, body };
  }

  /** the lines serve logged since `from` (a character offset), once there are `n` of them (at most 2 s: the log may trail the answer) */
  async function logLines(serve: Serve, from: number, n: number): Promise<string[]> {
    const until = Date.now() + 2000;
    const lines = () => serve.stderr().slice(from).split('\n').filter((l) => l !== '');
    while (lines().length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    return lines();
  }

  const UAPI_KEYS = ['data', 'errors', 'messages', 'metadata', 'status', 'warnings'];
  const notYours = (pid: number) => `The session “${pid}” is not one of your FTP sessions.`;

  const secrets: Record<string, string> = {};
  let S: Serve;

  afterAll(async () => {
    for (const s of [...running]) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.runIf(isRoot)('ftpsessions serve (built) with curl and cpanel-lib', () => {
    beforeAll(async () => {
      secrets.root = await mint('root', 'whm');
      secrets.nobody = await mint('nobody', 'n');
      secrets.daemon = await mint('daemon', 'd');
      S = await startServe();
    }, 60_000);

    it('token list shows who and when, never a secret or a hash; the file is 0600 and holds no secret', async () => {
      const r = await token(['list', '--output', 'json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const rows = JSON.parse(String(r.stdout)) as Array<Record<string, unknown>>;
      expect(rows.map((x) => [x.user, x.name])).toEqual([['root', 'whm'], ['nobody', 'n'], ['daemon', 'd']]);
      const { readFileSync, statSync } = await import('node:fs');
      const text = readFileSync(TOKENS, 'utf8');
      for (const s of Object.values(secrets)) {
        expect(String(r.stdout)).not.toContain(s);
        expect(text).not.toContain(s);
      }
      expect(statSync(TOKENS).mode & 0o777).toBe(0o600);
    });

    describe('curl', () => {
      it('every route lists (an empty list for nobody: a success), JSON, for each scheme', async () => {
        const nobody = ['-H', `Authorization: cpanel nobody:${secrets.nobody}`];
        const root = ['-H', `Authorization: whm root:${secrets.root}`];
        const bare = await curl([...nobody, `${S.url}/execute/Ftp/list_sessions`]);
        expect([bare.status, bare.type]).toEqual([200, 'application/json; charset=utf-8']);
        expect(Object.keys(bare.json)).toEqual(UAPI_KEYS);
        expect(bare.json).toMatchObject({ status: 1, errors: null, data: [] });
        const basic = await curl(['-u', `nobody:${secrets.nobody}`, `${S.url}/execute/Ftp/list_sessions?api.sort_column=pid&`]);
        expect(basic.json).toMatchObject({ status: 1, data: [] });
        const asRoot = await curl([...root, `${S.url}/execute/Ftp/list_sessions?cpanel.user=nobody`]);
        expect(asRoot.json).toMatchObject({ status: 1, data: [] });
        const api2 = await curl([...root, `${S.url}/json-api/cpanel?cpanel_jsonapi_user=nobody&cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=listftpsessions`]);
        expect(api2.json).toEqual({ cpanelresult: { apiversion: 2, func: 'listftpsessions', module: 'Ftp', data: [], event: { result: 1 } } });
        const api2own = await curl([...nobody, `${S.url}/json-api/cpanel/?cpanel_jsonapi_func=listftpsessions&cpanel_jsonapi_module=Ftp&cpanel_jsonapi_apiversion=2`]);
        expect(api2own.json.cpanelresult).toMatchObject({ data: [], event: { result: 1 } });
        const api3 = await curl([...root, `${S.url}/json-api/cpanel?cpanel_jsonapi_apiversion=3&cpanel_jsonapi_user=nobody&cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=list_sessions`]);
        expect(api3.json).toMatchObject({ apiversion: 3, func: 'list_sessions', module: 'Ftp', result: { status: 1, data: [] } });
        const whm = await curl([...root, `${S.url}/json-api/uapi_cpanel?cpanel.user=nobody&cpanel.module=Ftp&cpanel.function=list_sessions`]);
        expect(whm.json).toEqual({ data: { uapi: { data: [], errors: null, messages: null, metadata: { transformed: 1 }, status: 1, warnings: null } }, metadata: { command: 'uapi_cpanel', reason: 'OK', result: 1, version: 1 } });
        const info = await curl([...nobody, `${S.url}/execute/Ftp/get_ftp_daemon_info`]);
        expect(info.json.status).toBe(1);
        const infoWhm = await curl([...root, `${S.url}/json-api/uapi_cpanel?cpanel.user=daemon&cpanel.module=Ftp&cpanel.function=get_ftp_daemon_info`]);
        expect(infoWhm.json.data.uapi.data).toEqual(info.json.data);
        const health = await curl([`${S.url}/healthz`]);
        expect([health.status, health.json, health.type]).toEqual([200, {}, 'application/json; charset=utf-8']);
      });

      it('the JSON action API: createSession with the API token, listSessions with the authToken, deleteSession', async () => {
        const post = (doc: unknown, path = '/api') => curl(['-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(doc), `${S.url}${path}`]);
        const created = await post({ api: 'admin', action: 'createSession', params: { username: 'nobody', password: secrets.nobody }, requestId: 7 });
        expect([created.status, created.json.errorCode, created.json.requestId]).toEqual([200, 0, 7]);
        const authToken = created.json.result.authToken as string;
        expect(created.body).not.toContain(secrets.nobody);
        const listed = await post({ api: 'admin', action: 'listSessions', authToken }, '/json');
        expect([listed.json.errorCode, listed.json.result.sessions]).toEqual([0, []]);
        expect((await post({ action: 'deleteSession', authToken })).json.errorCode).toBe(0);
        const gone = await post({ action: 'listSessions', authToken });
        expect([gone.status, gone.json.errorCode]).toEqual([200, 12031]);
      });

      it("kill_session: another's pid refused (the process lives on), id= refused, never read as all; GET and form POST", async () => {
        const byPost = await curl(['-u', `nobody:${secrets.nobody}`, '-d', `login=${S.pid}`, `${S.url}/execute/Ftp/kill_session`]);
        expect([byPost.status, byPost.json.status, byPost.json.errors]).toEqual([200, 0, [notYours(S.pid)]]);
        const byGet = await curl(['-H', `Authorization: whm root:${secrets.root}`, `${S.url}/execute/Ftp/kill_session?cpanel.user=daemon&login=1`]);
        expect([byGet.json.status, byGet.json.errors]).toEqual([0, [notYours(1)]]);
        const id = await curl(['-u', `nobody:${secrets.nobody}`, `${S.url}/execute/Ftp/kill_session?id=${S.pid}`]);
        expect(id.json.status).toBe(0);
        expect(id.json.errors[0]).toMatch(/^Unrecognized API parameter\(s\): id/);
        const whm = await curl(['-H', `Authorization: whm root:${secrets.root}`, `${S.url}/json-api/uapi_cpanel?cpanel.user=nobody&cpanel.module=Ftp&cpanel.function=kill_session&login=${S.pid}`]);
        expect([whm.json.metadata.result, whm.json.data.uapi.errors]).toEqual([0, [notYours(S.pid)]]);
        expect(S.child.exitCode).toBeNull();
        expect((await ask(S, '/healthz')).status).toBe(200);
      });
    });

    describe('cpanel-lib 0.0.5, unmodified', () => {
      const client = (o: { username: string; password?: string; accessKey?: string }) => cpanelLib.createClient({ host: '127.0.0.1', port: S.port, secure: false, ...o });

      it('callApi2 with a WHM (root) accessKey, for an account: the API 2 envelope', async () => {
        const c = client({ username: 'root', accessKey: secrets.root });
        const r = await viaLib((cb) => c.callApi2('Ftp', 'listftpsessions', {}, 'nobody', cb));
        expect(r.err).toBeNull();
        expect(r.body).toEqual({ cpanelresult: { apiversion: 2, func: 'listftpsessions', module: 'Ftp', data: [], event: { result: 1 } } });
        // for itself (no user given): root is no cPanel account
        const self = await viaLib((cb) => c.callApi2('Ftp', 'listftpsessions', {}, cb));
        expect(self.body.cpanelresult.event.result).toBe(0);
        expect(self.body.cpanelresult.error).toBe('The user “root” is not associated with a cPanel account and cannot call cPanel API 2');
      });

      it("callApi2 and callUapi with an account's token as the Basic password", async () => {
        const api2 = await viaLib((cb) => client({ username: 'nobody', password: secrets.nobody }).callApi2('Ftp', 'listftpsessions', { 'api2_sort': '1', 'api2_sort_column': 'pid' }, cb));
        expect(api2.body.cpanelresult).toMatchObject({ data: [], event: { result: 1 } });
        // /execute/Ftp/list_sessions? (a trailing ?)
        const uapi = await viaLib((cb) => client({ username: 'nobody', password: secrets.nobody }).callUapi('Ftp', 'list_sessions', {}, cb));
        expect(Object.keys(uapi.body)).toEqual(UAPI_KEYS);
        expect(uapi.body).toMatchObject({ status: 1, data: [] });
        const info = await viaLib((cb) => client({ username: 'nobody', password: secrets.nobody }).callUapi('Ftp', 'get_ftp_daemon_info', {}, cb));
        expect(info.body.status).toBe(1);
      });

      it('callUapi with the root accessKey names the account with cpanel.user; kill_session of a pid not its own is refused', async () => {
        const root = client({ username: 'root', accessKey: secrets.root });
        const list = await viaLib((cb) => root.callUapi('Ftp', 'list_sessions', { 'cpanel.user': 'daemon' }, cb));
        expect(list.body).toMatchObject({ status: 1, data: [] });
        const kill = await viaLib((cb) => client({ username: 'nobody', password: secrets.nobody }).callUapi('Ftp', 'kill_session', { login: String(S.pid) }, cb));
        expect([kill.body.status, kill.body.errors]).toEqual([0, [notYours(S.pid)]]);
        expect(S.child.exitCode).toBeNull();
      });

      it('its quirks: callUapi moves the client to /execute/ for good (a later callApi2: 404, still a failure); API 1 is not served; 401 and wrong tokens reach it as failures', async () => {
        const c = client({ username: 'nobody', password: secrets.nobody });
        await viaLib((cb) => c.callUapi('Ftp', 'list_sessions', {}, cb));
        expect(c.path).toBe('/execute/');
        const lost = await viaLib((cb) => c.callApi2('Ftp', 'listftpsessions', {}, cb));
        expect(lost.body).toEqual({ error: 'not found' });
        const api1 = await viaLib((cb) => client({ username: 'nobody', password: secrets.nobody }).callApi1('Ftp', 'listftpsessions', [], cb));
        expect(api1.body.cpanelresult.event.result).toBe(0);
        expect(api1.body.cpanelresult.error).toMatch(/apiversion 1 is not served/);
        const wrong = await viaLib((cb) => client({ username: 'daemon', password: 'not-the-token' }).callApi2('Ftp', 'listftpsessions', {}, cb));
        expect(wrong.err).toBeNull();
        expect(wrong.body.cpanelresult.event.result).toBe(0);
        expect(JSON.stringify(wrong.body)).not.toContain('not-the-token');
      });

      it.runIf(existsSync(OPENSSL))('over HTTPS (a self-signed certificate): with ignoreCertError it works; without, the client refuses the certificate', async () => {
        const cert = join(dir, 'cert.pem');
        const key = join(dir, 'key.pem');
        const o = await execa(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { reject: false });
        expect(o.exitCode, String(o.stderr)).toBe(0);
        chmodSync(key, 0o600);
        const T = await startServe(['--tls-cert', cert, '--tls-key', key], { tls: true });
        try {
          const ok = await viaLib((cb) => cpanelLib.createClient({ host: '127.0.0.1', port: T.port, secure: true, ignoreCertError: true, username: 'root', accessKey: secrets.root }).callApi2('Ftp', 'listftpsessions', {}, 'daemon', cb));
          expect(ok.body?.cpanelresult?.event?.result, JSON.stringify(ok)).toBe(1);
          const strict = await viaLib((cb) => cpanelLib.createClient({ host: '127.0.0.1', port: T.port, secure: true, username: 'root', accessKey: secrets.root }).callApi2('Ftp', 'listftpsessions', {}, 'daemon', cb));
          expect(String((strict.err as Error)?.message ?? strict.err)).toMatch(/self.signed|certificate/i);
          // curl with --cacert: verified
          const c = await curl(['--cacert', cert, '-u', `nobody:${secrets.nobody}`, `${T.url}/execute/Ftp/list_sessions`]);
          expect(c.json).toMatchObject({ status: 1, data: [] });
          // TLS 1.1 refused
          const old = await execa(CURL, ['-sS', '--cacert', cert, '--tlsv1.1', '--tls-max', '1.1', `${T.url}/healthz`], { reject: false });
          expect(old.exitCode).not.toBe(0);
        } finally {
          expect((await T.stop()).code).toBe(0);
        }
      });
    });

    describe('the authentication matrix', () => {
      const list = '/execute/Ftp/list_sessions';
      const api2 = '/json-api/cpanel?cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=listftpsessions';
      const whm = '/json-api/uapi_cpanel?cpanel.module=Ftp&cpanel.function=list_sessions';

      it('no header: 401, the Basic challenge, a failure in the dialect of the URL, one log line', async () => {
        const before = S.stderr().length;
        const from = '127.0.0.11';
        const a = await ask(S, list, { from });
        expect([a.status, a.headers['www-authenticate'], a.headers['content-type']]).toEqual([401, 'Basic realm="ftpsessions"', 'application/json; charset=utf-8']);
        expect(a.json).toMatchObject({ status: 0, data: null });
        expect(a.json.errors.length).toBe(1);
        const b = await ask(S, `${api2}&cpanel_jsonapi_user=nobody`, { from });
        expect([b.status, b.json.cpanelresult.event.result]).toEqual([401, 0]);
        const c = await ask(S, `${whm}&cpanel.user=nobody`, { from });
        expect([c.status, c.json.metadata.result, c.json.data.uapi.status]).toEqual([401, 0, 0]);
        const lines = await logLines(S, before, 3);
        expect(lines).toEqual(Array(3).fill(`ftpsessions[${S.pid}]: authentication failure; rhost=${from} user=-`));
      });

      it('each scheme (cpanel, whm, Basic; any case) is accepted with the right token', async () => {
        const b64 = (s: string) => Buffer.from(s).toString('base64');
        for (const auth of [`cpanel nobody:${secrets.nobody}`, `CPANEL nobody:${secrets.nobody}`, `whm nobody:${secrets.nobody}`, `WHM root:${secrets.root}`, `Basic ${b64(`nobody:${secrets.nobody}`)}`, `basic ${b64(`root:${secrets.root}`)}`]) {
          const r = await ask(S, `${list}?cpanel.user=nobody`, { auth, from: '127.0.0.12' });
          expect([r.status, r.json.status], auth.split(' ')[0]).toEqual([200, 1]);
        }
        const form = await ask(S, list, { auth: `cpanel nobody:${secrets.nobody}`, method: 'POST', type: 'application/x-www-form-urlencoded', body: 'api.columns_1=pid', from: '127.0.0.12' });
        expect(form.json.status).toBe(1);
      });

      it('a wrong token: 401; the log names the address and user, never the token', async () => {
        const before = S.stderr().length;
        const r = await ask(S, list, { auth: 'cpanel nobody:wrong-token-xyz', from: '127.0.0.13' });
        expect([r.status, r.json.status]).toEqual([401, 0]);
        const b = await ask(S, list, { auth: `Basic ${Buffer.from('nobody:wrong-token-xyz').toString('base64')}`, from: '127.0.0.13' });
        expect(b.status).toBe(401);
        expect(await logLines(S, before, 2)).toEqual(Array(2).fill(`ftpsessions[${S.pid}]: authentication failure; rhost=127.0.0.13 user=nobody`));
        expect(S.stderr()).not.toContain('wrong-token-xyz');
        for (const s of Object.values(secrets)) expect(S.stderr()).not.toContain(s);
      });

      it('a token revoked while serve runs is refused at the next request, without a restart', async () => {
        const secret = await mint('daemon', 'short-lived');
        const auth = `cpanel daemon:${secret}`;
        expect((await ask(S, list, { auth, from: '127.0.0.14' })).json.status).toBe(1);
        const r = await token(['revoke', '--name', 'short-lived']);
        expect(r.exitCode, String(r.stderr)).toBe(0);
        const after = await ask(S, list, { auth, from: '127.0.0.14' });
        expect([after.status, after.json.status]).toEqual([401, 0]);
        // the others still work, same process
        expect((await ask(S, list, { auth: `cpanel daemon:${secrets.daemon}`, from: '127.0.0.14' })).json.status).toBe(1);
        expect(S.child.exitCode).toBeNull();
      });

      it("an account's token with another account's name: 401 in the header; 200 and a failure naming the token's account in the parameters", async () => {
        const from = '127.0.0.15';
        const header = await ask(S, list, { auth: `cpanel daemon:${secrets.nobody}`, from });
        expect([header.status, header.json.status]).toEqual([401, 0]);
        const auth = `cpanel nobody:${secrets.nobody}`;
        const msg = 'This token acts for “nobody” only, not for “daemon”.';
        const a2 = await ask(S, `${api2}&cpanel_jsonapi_user=daemon`, { auth, from });
        expect([a2.status, a2.json.cpanelresult.error, a2.json.cpanelresult.event]).toEqual([200, msg, { result: 0, reason: msg }]);
        const ex = await ask(S, `${list}?cpanel.user=daemon`, { auth, from });
        expect([ex.json.status, ex.json.data]).toEqual([0, null]);
        const w = await ask(S, `${whm}&cpanel.user=daemon`, { auth, from });
        expect([w.json.metadata.result, w.json.data.uapi.status]).toEqual([0, 0]);
        // and the action API's authToken stays with its account
        const created = await ask(S, '/api', { method: 'POST', body: JSON.stringify({ action: 'createSession', params: { username: 'daemon', password: secrets.nobody } }), from });
        expect([created.status, created.json.errorCode]).toEqual([200, 10005]);
      });

      it('a root (WHM) token acts for any account, named; unnamed on /execute it is told to name one', async () => {
        const auth = `whm root:${secrets.root}`;
        for (const user of ['nobody', 'daemon']) {
          expect((await ask(S, `${list}?cpanel.user=${user}`, { auth })).json.status).toBe(1);
          expect((await ask(S, `${api2}&cpanel_jsonapi_user=${user}`, { auth })).json.cpanelresult.event.result).toBe(1);
          expect((await ask(S, `${whm}&cpanel.user=${user}`, { auth })).json.metadata.result).toBe(1);
        }
        const unnamed = await ask(S, list, { auth });
        expect([unnamed.json.status, unnamed.json.errors]).toEqual([0, ['A WHM (root) token names the account: cpanel.user=NAME.']]);
        const created = await ask(S, '/api', { method: 'POST', body: JSON.stringify({ action: 'createSession', params: { username: 'root', password: secrets.root } }) });
        const all = await ask(S, '/api', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken: created.json.result.authToken }) });
        expect([all.json.errorCode, Array.isArray(all.json.result.sessions)]).toEqual([0, true]);
      });

      it('the failure limit per address (5): 429 past it, even with the right token; another address is served', async () => {
        const from = '127.0.0.21';
        for (let i = 0; i < 5; i++) expect((await ask(S, list, { auth: `cpanel limit-${i}:nope`, from })).status).toBe(401);
        const blocked = await ask(S, list, { auth: `cpanel nobody:${secrets.nobody}`, from });
        expect([blocked.status, blocked.json.status]).toEqual([429, 0]);
        const blocked2 = await ask(S, `${api2}&cpanel_jsonapi_user=nobody`, { auth: `cpanel nobody:${secrets.nobody}`, from });
        expect([blocked2.status, blocked2.json.cpanelresult.event.result]).toEqual([429, 0]);
        expect((await ask(S, list, { auth: `cpanel nobody:${secrets.nobody}`, from: '127.0.0.22' })).status).toBe(200);
      });

      it('the failure limit per user (15, from any address): 429 for that user only', async () => {
        const secret = await mint('bin', 'per-user');
        for (let i = 0; i < 15; i++) expect((await ask(S, list, { auth: 'cpanel bin:nope', from: `127.0.1.${i + 1}` })).status).toBe(401);
        const blocked = await ask(S, list, { auth: `cpanel bin:${secret}`, from: '127.0.1.100' });
        expect(blocked.status).toBe(429);
        expect((await ask(S, list, { auth: `cpanel nobody:${secrets.nobody}`, from: '127.0.1.100' })).status).toBe(200);
      });

      it.runIf(existsSync(FAKETIME_LIB))('the limit resets after its window (15 minutes: the clock moved by libfaketime, no switch in the code)', async () => {
        const clock = join(dir, 'faketime');
        writeFileSync(clock, '+0\n');
        const F = await startServe([], { env: { LD_PRELOAD: FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE: clock, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' } });
        try {
          const from = '127.0.0.31';
          const good = `cpanel nobody:${secrets.nobody}`;
          for (let i = 0; i < 5; i++) expect((await ask(F, list, { auth: 'cpanel nobody:nope', from })).status).toBe(401);
          expect((await ask(F, list, { auth: good, from })).status).toBe(429);
          writeFileSync(clock, '+14m\n');
          expect((await ask(F, list, { auth: good, from })).status, 'still blocked 14 minutes later').toBe(429);
          writeFileSync(clock, '+16m\n');
          const r = await ask(F, list, { auth: good, from });
          expect([r.status, r.json.status], '16 minutes later').toEqual([200, 1]);
        } finally {
          expect((await F.stop()).code).toBe(0);
        }
      });

      it('a tokens file others may read or write, not root-owned, a link, or missing: serve refuses to start (exit 1, one line)', async () => {
        const cases: Array<[string, (p: string) => void]> = [
          ['group-readable', (p) => chmodSync(p, 0o640)],
          ['world-readable', (p) => chmodSync(p, 0o604)],
          ['world-writable', (p) => chmodSync(p, 0o602)],
          ['owned by nobody', (p) => chownSync(p, 65534, 65534)],
          ['a symbolic link', (p) => {
            rmSync(p);
            symlinkSync(TOKENS, p);
          }],
          ['missing', (p) => rmSync(p)],
        ];
        for (const [what, spoil] of cases) {
          const bad = join(dir, `tokens-${what.replace(/\W+/g, '-')}`);
          copyFileSync(TOKENS, bad);
          chmodSync(bad, 0o600);
          spoil(bad);
          const port = await freePort();
          const r = await execa(...ftpsessions(['serve', '--listen', `127.0.0.1:${port}`, '--tokens', bad]), { reject: false, timeout: 15_000, env: ENV, extendEnv: false, input: '' });
          expect([r.exitCode, String(r.stdout)], what).toEqual([1, '']);
          const lines = String(r.stderr).trimEnd().split('\n');
          expect(lines.length, `${what}: ${r.stderr}`).toBe(1);
          expect(lines[0], what).toMatch(/^ftpsessions/);
          expect(lines[0], what).toContain(bad);
          expect(lines[0], what).not.toMatch(/\bat \S+:\d+/);
        }
      });

      it('SIGTERM: exit 0', async () => {
        const T = await startServe();
        expect(await T.stop()).toEqual({ code: 0, signal: null });
      });
    });
  });
});
