// The HTTP API's answers in-process (serve/routes.ts), as root on a fake
// server whose /proc and pure-ftpwho are the lab's pure-ftpd captures;
// tokens and failure limits of the test's own.
import { describe, expect, it } from 'vitest';
import { createResponder, type HttpRequest, parseAuthorization, type ResponderDeps } from '../../src/serve/routes.js';
import { createTestRuntime, fixture, ok, procFromPs, type TestRuntime } from '../helpers/runtime.js';

const PS = fixture('pure-ftpd/02-tricky.ps.txt');
const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');
const ALICE = [24393, 24498, 24514, 24563, 24579, 25679, 25695, 25711, 25727, 25744, 25760, 25776, 25792, 25832, 25848];
const TOKENS: Record<string, { user: string; name: string }> = { 'alice-secret': { user: 'alice', name: 'a' }, 'root-secret': { user: 'root', name: 'whm' }, 'virt-secret': { user: 'ftpvirt', name: 'v' } };

function server() {
  const rt = createTestRuntime({ argv: [], programs: { '/usr/sbin/pure-ftpwho': ok(WHO) }, files: procFromPs(PS), kill: (pid, _s, files) => {
    for (const p of Object.keys(files)) if (p.startsWith(`/proc/${pid}/`)) delete files[p];
  } });
  const logs: string[] = [];
  const failures: Array<[string, string | undefined]> = [];
  let blocked = false;
  let clock = Date.parse('2026-11-22T06:06:48Z');
  rt.now = () => clock;
  const deps: ResponderDeps = {
    tokens: { verify: async (user, secret) => (TOKENS[secret]?.user === user ? TOKENS[secret] : undefined) },
    limiter: { blocked: () => blocked, fail: (address, user) => void failures.push([address, user]) },
    runtime: rt,
    log: (line) => void logs.push(line),
    actionIdleMs: 60_000,
  };
  const respond = createResponder(deps);
  const ask = async (path: string, options: { auth?: string; method?: string; body?: string; type?: string } = {}) => {
    const [p, q = ''] = path.split(/\?(.*)/s);
    const request: HttpRequest = {
      method: options.method ?? 'GET',
      path: p as string,
      query: q,
      headers: { ...(options.auth ? { authorization: options.auth } : {}), ...(options.type ? { 'content-type': options.type } : {}) },
      body: options.body ?? '',
      remote: '127.0.0.9',
    };
    const answer = await respond(request);
    return { ...answer, json: JSON.parse(answer.body) };
  };
  return { rt: rt as TestRuntime, ask, logs, failures, block: () => (blocked = true), tick: (ms: number) => (clock += ms) };
}

const ALICE_AUTH = 'cpanel alice:alice-secret';
const pids = (rows: Array<{ pid: number | string }>) => rows.map((r) => Number(r.pid)).sort((a, b) => a - b);

describe('authentication', () => {
  it('cpanel, whm (any case) and Basic are accepted; anything else is not', () => {
    expect(parseAuthorization('cpanel alice:t')).toEqual({ user: 'alice', secret: 't' });
    expect(parseAuthorization('WHM root:t:x')).toEqual({ user: 'root', secret: 't:x' });
    expect(parseAuthorization(`Basic ${Buffer.from('bob:s3').toString('base64')}`)).toEqual({ user: 'bob', secret: 's3' });
    for (const bad of [undefined, '', 'Bearer x', 'cpanel alice', 'cpanel :t', 'cpanel alice:', 'Basic !!!', `cpanel a:${'x'.repeat(5000)}`]) expect(parseAuthorization(bad), String(bad)).toBeUndefined();
  });

  it('no header or a wrong token: 401, a challenge, a failure in the dialect of the URL, one log line without the token', async () => {
    const s = server();
    const none = await s.ask('/execute/Ftp/list_sessions');
    expect(none.status).toBe(401);
    expect(none.headers?.['WWW-Authenticate']).toBe('Basic realm="ftpsessions"');
    expect(none.json).toMatchObject({ status: 0, data: null });
    expect(none.json.errors.length).toBe(1);
    const wrong = await s.ask('/json-api/cpanel?cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=listftpsessions', { auth: 'cpanel alice:nope\nforged' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.cpanelresult.event.result).toBe(0);
    const whm = await s.ask('/json-api/uapi_cpanel?cpanel.module=Ftp&cpanel.function=list_sessions', { auth: 'whm root:nope' });
    expect([whm.status, whm.json.metadata.result, whm.json.data.uapi.status]).toEqual([401, 0, 0]);
    expect(s.logs).toEqual([
      'authentication failure; rhost=127.0.0.9 user=-',
      'authentication failure; rhost=127.0.0.9 user=-',
      'authentication failure; rhost=127.0.0.9 user=root',
    ]);
    expect(s.failures).toEqual([['127.0.0.9', undefined], ['127.0.0.9', undefined], ['127.0.0.9', 'root']]);
    expect(s.logs.join('\n')).not.toContain('nope');
  });

  it('past the failure limit: 429 without looking at the token', async () => {
    const s = server();
    s.block();
    const r = await s.ask('/execute/Ftp/list_sessions', { auth: ALICE_AUTH });
    expect(r.status).toBe(429);
    expect(r.json.status).toBe(0);
  });

  it('a name the log line carries cannot forge a line or a field', async () => {
    const s = server();
    await s.ask('/execute/Ftp/list_sessions', { auth: `Basic ${Buffer.from('evil\nftpsessions[1]: x user=root rhost=1.2.3.4:t').toString('base64')}` });
    expect(s.logs).toEqual(['authentication failure; rhost=127.0.0.9 user=evil?ftpsessions?1?']);
  });
});

describe('/execute/Module/function: the bare UAPI result', () => {
  it("an account's token: its own sessions, with host and file (root's view of them)", async () => {
    const s = server();
    const r = await s.ask('/execute/Ftp/list_sessions', { auth: ALICE_AUTH });
    expect(r.status).toBe(200);
    expect(r.headers?.['Content-Type']).toMatch(/^application\/json/);
    expect(Object.keys(r.json)).toEqual(['data', 'errors', 'messages', 'metadata', 'status', 'warnings']);
    expect(r.json.metadata).toEqual({ transformed: 1 });
    expect(pids(r.json.data)).toEqual(ALICE);
    const dl = r.json.data.find((x: { pid: number }) => x.pid === 24514);
    expect(dl).toMatchObject({ host: '127.0.0.1', file: 'big.bin', status: 'DL', user: 'alice' });
    expect(typeof dl.pid).toBe('number');
  });

  it('api.* post-processing, + as a space, a trailing ? or &; a form POST body', async () => {
    const s = server();
    const sorted = await s.ask('/execute/Ftp/list_sessions?api.sort_column=pid&api.sort_reverse=1&', { auth: ALICE_AUTH });
    expect(sorted.json.data.map((x: { pid: number }) => x.pid)).toEqual([...ALICE].reverse());
    const filtered = await s.ask('/execute/Ftp/list_sessions?api.filter_column=file&api.filter_type=eq&api.filter_term=file+with+spaces.bin', { auth: ALICE_AUTH });
    expect(filtered.json.data.map((x: { pid: number }) => x.pid)).toEqual([25679]);
    const posted = await s.ask('/execute/Ftp/list_sessions?', { auth: ALICE_AUTH, method: 'POST', type: 'application/x-www-form-urlencoded', body: 'api.columns_1=pid&api.columns_2=status' });
    expect(Object.keys(posted.json.data[0])).toEqual(['pid', 'status']);
  });

  it('a root token names the account with cpanel.user; an account token cannot name another', async () => {
    const s = server();
    const root = await s.ask('/execute/Ftp/list_sessions?cpanel.user=alice', { auth: 'whm root:root-secret' });
    expect(pids(root.json.data)).toEqual(ALICE);
    const unnamed = await s.ask('/execute/Ftp/list_sessions', { auth: 'whm root:root-secret' });
    expect([unnamed.json.status, unnamed.json.errors]).toEqual([0, ['A WHM (root) token names the account: cpanel.user=NAME.']]);
    const other = await s.ask('/execute/Ftp/list_sessions?cpanel.user=ftpvirt', { auth: ALICE_AUTH });
    expect(other.json.status).toBe(0);
    expect(other.json.data).toBeNull();
  });

  it("kill_session: login=PID of one's own, never another's; id= (a client bug) is refused, never read as all", async () => {
    const s = server();
    const theirs = await s.ask('/execute/Ftp/kill_session?login=24530', { auth: ALICE_AUTH });
    expect([theirs.json.status, theirs.json.errors]).toEqual([0, ['The session “24530” is not one of your FTP sessions.']]);
    const id = await s.ask('/execute/Ftp/kill_session?id=24514', { auth: ALICE_AUTH });
    expect(id.json.status).toBe(0);
    expect(id.json.errors[0]).toMatch(/^Unrecognized API parameter\(s\): id/);
    expect(s.rt.signals).toEqual([]);
    const mine = await s.ask('/execute/Ftp/kill_session?login=24514', { auth: ALICE_AUTH });
    expect([mine.json.status, mine.json.data]).toEqual([1, { login: '24514', ended: [24514] }]);
    expect(s.rt.signals).toEqual([[24514, 'SIGTERM']]);
  });

  it("get_ftp_daemon_info; an unknown module or function answers cPanel's messages", async () => {
    const s = server();
    const info = await s.ask('/execute/Ftp/get_ftp_daemon_info', { auth: ALICE_AUTH });
    expect(info.json.status).toBe(1);
    expect(info.json.data).toHaveProperty('name');
    const module = await s.ask('/execute/Nope/list_sessions', { auth: ALICE_AUTH });
    expect(module.json.errors).toEqual(['Failed to load module “Nope”: no such module.']);
    const func = await s.ask('/execute/Ftp/nope', { auth: ALICE_AUTH });
    expect(func.json.errors).toEqual(['The system could not find the function “nope” in the module “Ftp”.']);
  });
});

describe("WHM's json-api", () => {
  const list2 = '/json-api/cpanel?cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=listftpsessions';
  it('/json-api/cpanel: API 2 by default (string pids), UAPI with apiversion 3, parameters in any order', async () => {
    const s = server();
    const api2 = await s.ask(`${list2}&cpanel_jsonapi_user=alice`, { auth: 'whm root:root-secret' });
    expect(api2.json.cpanelresult).toMatchObject({ apiversion: 2, func: 'listftpsessions', module: 'Ftp', event: { result: 1 } });
    expect(typeof api2.json.cpanelresult.data[0].pid).toBe('string');
    expect(pids(api2.json.cpanelresult.data)).toEqual(ALICE);
    const slash = await s.ask(`/json-api/cpanel/?cpanel_jsonapi_apiversion=3&cpanel_jsonapi_func=list_sessions&cpanel_jsonapi_user=alice&cpanel_jsonapi_module=Ftp`, { auth: ALICE_AUTH });
    expect(slash.json).toMatchObject({ apiversion: 3, func: 'list_sessions', module: 'Ftp', result: { status: 1 } });
    expect(pids(slash.json.result.data)).toEqual(ALICE);
  });

  it("cpanel_jsonapi_user must be the token's account (unless root's): API 2's failure with error and event.reason", async () => {
    const s = server();
    const r = await s.ask(`${list2}&cpanel_jsonapi_user=ftpvirt`, { auth: ALICE_AUTH });
    const msg = 'This token acts for “alice” only, not for “ftpvirt”.';
    expect(r.json.cpanelresult).toMatchObject({ error: msg, event: { result: 0, reason: msg } });
    const root = await s.ask(`${list2}&cpanel_jsonapi_user=root`, { auth: 'whm root:root-secret' });
    expect(root.json.cpanelresult.error).toBe('The user “root” is not associated with a cPanel account and cannot call cPanel API 2');
    const missing = await s.ask(list2, { auth: 'whm root:root-secret' });
    expect(missing.json.cpanelresult.error).toBe('User parameter is invalid or was not supplied');
    const own = await s.ask(list2, { auth: ALICE_AUTH });
    expect(pids(own.json.cpanelresult.data)).toEqual(ALICE);
  });

  it('/json-api/uapi_cpanel: the UAPI result under data.uapi, with WHM API 1 metadata', async () => {
    const s = server();
    const r = await s.ask('/json-api/uapi_cpanel?cpanel.user=alice&cpanel.module=Ftp&cpanel.function=list_sessions', { auth: 'whm root:root-secret' });
    expect(r.json.metadata).toEqual({ command: 'uapi_cpanel', reason: 'OK', result: 1, version: 1 });
    expect(pids(r.json.data.uapi.data)).toEqual(ALICE);
    expect(r.json.data.uapi.status).toBe(1);
  });
});

describe('the JSON action API (POST /api, /json)', () => {
  it('createSession with the API token; listSessions and deleteSession with the authToken; a bad one is 12031 with HTTP 200', async () => {
    const s = server();
    const created = await s.ask('/api', { method: 'POST', body: JSON.stringify({ api: 'admin', action: 'createSession', params: { username: 'alice', password: 'alice-secret' }, requestId: 1 }) });
    expect([created.status, created.json.errorCode, created.json.requestId]).toEqual([200, 0, 1]);
    const authToken = created.json.result.authToken as string;
    expect(authToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const listed = await s.ask('/json', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken, requestId: 'x' }) });
    expect([listed.json.errorCode, listed.json.requestId]).toEqual([0, 'x']);
    expect(pids(listed.json.result.sessions)).toEqual(ALICE);
    expect(listed.json.result.sessions.find((x: { pid: number }) => x.pid === 24514)).toMatchObject({ username: 'alice', host: '127.0.0.1', file: 'big.bin', status: 'DL', login: '2026-11-22T06:06:30Z' });
    const deleted = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'deleteSession', authToken }) });
    expect(deleted.json.errorCode).toBe(0);
    const gone = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken }) });
    expect([gone.status, gone.json.errorCode, gone.json.errorMessage]).toEqual([200, 12031, "'authToken' does not match any existing session. Use a valid 'authToken' or use 'createSession' to create a valid 'authToken'."]);
  });

  it('an authToken expires after its idle time; a wrong password is refused (and logged)', async () => {
    const s = server();
    const bad = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'createSession', params: { username: 'alice', password: 'nope' } }) });
    expect([bad.status, bad.json.errorCode]).toEqual([200, 10005]);
    expect(s.logs).toEqual(['authentication failure; rhost=127.0.0.9 user=alice']);
    const created = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'createSession', params: { username: 'root', password: 'root-secret' } }) });
    const authToken = created.json.result.authToken;
    const all = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken }) });
    expect(all.json.result.sessions.length).toBeGreaterThan(ALICE.length);
    s.tick(60_001);
    const expired = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken }) });
    expect(expired.json.errorCode).toBe(12031);
  });

  it("one account's createSession flood never ends another account's session: each account holds 64 at most, its own oldest ended first", async () => {
    const s = server();
    const create = async (username: string, password: string) =>
      (await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'createSession', params: { username, password } }) })).json.result.authToken as string;
    const list = async (authToken: string) => (await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken }) })).json.errorCode;
    const alices = await create('alice', 'alice-secret');
    const roots: string[] = [];
    // past what the server holds in all (10,000): the attack a token holder could make when the oldest session of anyone was ended
    for (let i = 0; i < 10_001; i++) roots.push(await create('root', 'root-secret'));
    expect(await list(alices)).toBe(0);
    expect(await list(roots[0]!)).toBe(12031); // root's own oldest made room
    expect(await list(roots[10_000 - 64 + 1]!)).toBe(0); // the 64 most recent are root's
    expect(await list(roots[10_000 - 64]!)).toBe(12031);
  }, 60_000);

  it('not JSON, not a request: the action errors, HTTP 200', async () => {
    const s = server();
    const r = await s.ask('/api', { method: 'POST', body: '{nope' });
    expect([r.status, r.json.errorCode]).toEqual([200, 10001]);
  });
});

describe('everything else', () => {
  it('/healthz: 200 without authentication; unknown paths 404; other methods 405; all JSON', async () => {
    const s = server();
    const health = await s.ask('/healthz');
    expect([health.status, health.json]).toEqual([200, {}]);
    expect((await s.ask('/etc/passwd')).status).toBe(404);
    expect((await s.ask('/execute/Ftp/list_sessions/../../x', { auth: ALICE_AUTH })).status).toBe(404);
    expect((await s.ask('/execute/Ftp/list_sessions', { method: 'PUT', auth: ALICE_AUTH })).status).toBe(405);
  });
});

describe('kill_session over HTTP never means all by accident', () => {
  it('no login: refused; a JSON or text body: refused (415), never ignored; a routing parameter twice: refused', async () => {
    const s = server();
    const bare = await s.ask('/execute/Ftp/kill_session', { auth: ALICE_AUTH });
    expect([bare.json.status, bare.json.errors]).toEqual([0, ['kill_session takes login=PID or login=all: over HTTP, login must be given.']]);
    const json = await s.ask('/execute/Ftp/kill_session', { auth: ALICE_AUTH, method: 'POST', type: 'application/json', body: '{"login":"24514"}' });
    expect([json.status, json.json.status]).toEqual([415, 0]);
    expect(json.json.errors[0]).toMatch(/^The request body must be a form \(Content-Type: application\/x-www-form-urlencoded\), not “application\/json”/);
    const text = await s.ask('/execute/Ftp/kill_session', { auth: ALICE_AUTH, method: 'POST', type: 'text/plain', body: 'login=24514' });
    expect(text.status).toBe(415);
    const api2 = await s.ask('/json-api/cpanel?cpanel_jsonapi_user=alice&cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=kill_session&cpanel_jsonapi_apiversion=3', { auth: ALICE_AUTH });
    expect(api2.json.result.errors).toEqual(['kill_session takes login=PID or login=all: over HTTP, login must be given.']);
    const twice = await s.ask('/json-api/uapi_cpanel?cpanel.user=alice&cpanel.user=ftpvirt&cpanel.module=Ftp&cpanel.function=list_sessions', { auth: 'whm root:root-secret' });
    expect([twice.json.metadata.result, twice.json.data.uapi.errors]).toEqual([0, ['The parameter “cpanel.user” is given more than once.']]);
    expect(s.rt.signals).toEqual([]);
    const all = await s.ask('/execute/Ftp/kill_session?login=all', { auth: 'cpanel ftpvirt:virt-secret' });
    expect(all.json.status).toBe(1);
    expect(s.rt.signals.length).toBeGreaterThan(0);
  });
});

describe('GET /metrics', () => {
  it("a root token: the exposition (text/plain 0.0.4, OpenMetrics when asked); an account's token 403; none 401", async () => {
    const s = server();
    // the body is not JSON (ask() parses JSON): the responder itself
    const respond = createResponder({ tokens: { verify: async (user, secret) => (TOKENS[secret]?.user === user ? TOKENS[secret] : undefined) }, limiter: { blocked: () => false, fail: () => {} }, runtime: s.rt, log: () => {} });
    const base = { method: 'GET', path: '/metrics', query: '', body: '', remote: '127.0.0.1' };
    const text = await respond({ ...base, headers: { authorization: 'whm root:root-secret' } });
    expect(text.status).toBe(200);
    expect(text.headers?.['Content-Type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.body).toMatch(/^ftpsessions_sessions\{daemon="pure-ftpd",state="DL"\} \d+$/m);
    expect(text.body).not.toMatch(/pid=|host=|login=|file=/);
    const open = await respond({ ...base, headers: { authorization: 'whm root:root-secret', accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(open.headers?.['Content-Type']).toMatch(/^application\/openmetrics-text/);
    expect(open.body.trimEnd().endsWith('# EOF')).toBe(true);
    expect((await respond({ ...base, headers: { authorization: ALICE_AUTH } })).status).toBe(403);
    expect((await respond({ ...base, headers: {} })).status).toBe(401);
    const unauthenticated = createResponder({ tokens: { verify: async () => undefined }, limiter: { blocked: () => false, fail: () => {} }, runtime: s.rt, log: () => {}, metricsOpen: true });
    expect((await unauthenticated({ ...base, headers: {} })).status).toBe(200);
  });
});

describe("a client's text never re-assigns whose sessions it sees or ends", () => {
  it("an account's token naming another account (or root) through every route: refused, nothing of the other's shown, nothing signalled", async () => {
    const s = server();
    const asks = [
      '/json-api/uapi_cpanel?cpanel.user=ftpvirt&cpanel.module=Ftp&cpanel.function=list_sessions',
      '/json-api/cpanel?cpanel_jsonapi_user=ftpvirt&cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=kill_session&cpanel_jsonapi_apiversion=3&login=24530',
      '/execute/Ftp/list_sessions?cpanel.user=root',
      '/execute/Ftp/kill_session?login=24530&cpanel.user=ftpvirt',
    ];
    for (const path of asks) {
      const r = await s.ask(path, { auth: ALICE_AUTH });
      expect(r.body, path).not.toContain('24530');
      expect(r.body, path).toMatch(/acts for “alice” only/);
    }
    // the user name in the header must be the token's: alice's secret under root's name (or another account's) is no token at all
    for (const auth of [`Basic ${Buffer.from('root:alice-secret').toString('base64')}`, 'whm ftpvirt:alice-secret']) {
      const r = await s.ask('/execute/Ftp/list_sessions?cpanel.user=ftpvirt', { auth });
      expect(r.status, auth).toBe(401);
    }
    // an action session of alice's lists only hers, whatever its usernameFilter names
    const created = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'createSession', params: { username: 'alice', password: 'alice-secret' } }) });
    const listed = await s.ask('/api', { method: 'POST', body: JSON.stringify({ action: 'listSessions', authToken: created.json.result.authToken, params: { usernameFilter: ['bob@example.com', 'ftpvirt'] } }) });
    expect(listed.json.result.sessions).toEqual([]);
    expect(s.rt.signals).toEqual([]);
  });
});
