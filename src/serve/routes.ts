import { randomBytes } from 'node:crypto';
import { type ActionRequest, parseActionRequest } from '../cli/action-request.js';
import { parseFormArgs } from '../cli/form.js';
import type { Dialect, Invocation } from '../cli/invocation.js';
import { callFunction, postprocessFor } from '../dispatch/answer.js';
import { buildEnvelope } from '../envelope/index.js';
import type { Outcome } from '../envelope/types.js';
import { ApiError, CliError, CollectorError } from '../errors.js';
import { type NativeQuery, type Reading, readSessions } from '../functions/native.js';
import { DEFAULT_ACCOUNT_FILES } from '../model/accounts.js';
import type { Runtime } from '../runtime.js';
import type { HttpAnswer, HttpRequest, Responder } from './server.js';

export type { HttpAnswer, HttpRequest, Responder };

/** Who a token says the caller is (serve/tokens.ts). */
export interface TokenIdentity {
  readonly user: string;
  readonly name: string;
}

/** What the responder needs: the tokens, the failure limits, the runtime (root's), a log line writer. */
export interface ResponderDeps {
  readonly tokens: { verify(user: string, secret: string): Promise<TokenIdentity | undefined> };
  readonly limiter: { blocked(address: string, user?: string): boolean; fail(address: string, user?: string): void };
  readonly runtime: Runtime;
  /** one line, without its newline: `ftpsessions[PID]: ...` is added by the caller */
  readonly log: (line: string) => void;
  /** how long a JSON action session (`createSession`) lives without use; default 15 minutes */
  readonly actionIdleMs?: number;
  /** `GET /metrics` without authentication (serve --metrics-open: loopback listeners only) */
  readonly metricsOpen?: boolean;
}

/** The dialect an answer is written in: what the URL speaks. */
type Speech = 'execute' | 'api2' | 'uapi' | 'whm' | 'action' | 'metrics';

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="ftpsessions"' };
const ACTION_IDLE_MS = 15 * 60_000;
/** FairCom's answer to an authToken that names no session (faircom-listSessions.txt). */
const NO_SESSION = { code: 12031, message: "'authToken' does not match any existing session. Use a valid 'authToken' or use 'createSession' to create a valid 'authToken'." };

/**
 * The HTTP API: cPanel's `/execute/Module/function` (UAPI, the bare result),
 * WHM's `/json-api/cpanel` (API 2 or UAPI for an account) and
 * `/json-api/uapi_cpanel`, the JSON action API on `POST /api` (and
 * `/json`), `/healthz`. Every call runs the same pipeline as the commands,
 * in this process, as root for the account the token may act for; sources
 * are read fresh for each request.
 */
export function createResponder(deps: ResponderDeps): Responder {
  const actions = new ActionSessions(deps.actionIdleMs ?? ACTION_IDLE_MS, () => deps.runtime.now());
  // the last /metrics reading: the next scrape's rates are measured against it
  const lastScrape: { last?: Reading | undefined } = {};
  return async (request) => {
    const path = request.path;
    if (path === '/healthz') return { status: 200, headers: JSON_TYPE, body: '{}' };
    if (request.method !== 'GET' && request.method !== 'POST' && request.method !== 'HEAD') {
      return { status: 405, headers: { ...JSON_TYPE, Allow: 'GET, POST' }, body: '{"error":"method not allowed"}' };
    }
    const execute = /^\/execute\/([^/]+)\/([^/]+)\/?$/.exec(path);
    if (execute !== null) return cpanelCall(deps, request, 'execute', decodePart(execute[1] as string), decodePart(execute[2] as string));
    if (path === '/json-api/cpanel' || path === '/json-api/cpanel/') return jsonApiCpanel(deps, request);
    if (path === '/json-api/uapi_cpanel' || path === '/json-api/uapi_cpanel/') return jsonApiUapi(deps, request);
    if ((path === '/api' || path === '/json' || path === '/api/' || path === '/json/') && request.method === 'POST') return actionCall(deps, actions, request);
    if (path === '/metrics') return metricsCall(deps, lastScrape, request);
    return { status: 404, headers: JSON_TYPE, body: '{"error":"not found"}' };
  };
}

// --- authentication -------------------------------------------------------------

type Auth = { ok: true; who: TokenIdentity } | { ok: false; answer: HttpAnswer };

/**
 * `Authorization: cpanel USER:TOKEN`, `whm USER:TOKEN` (any case) or
 * `Basic base64(USER:TOKEN)`. Past the failure limit (per address, per
 * user) the answer is 429 without looking at the token; every failure is
 * one log line with the address and the user named (never the token).
 */
async function authenticate(deps: ResponderDeps, request: HttpRequest, speech: Speech, call: CallShape): Promise<Auth> {
  const credentials = parseAuthorization(request.headers.authorization);
  const address = request.remote;
  if (deps.limiter.blocked(address, credentials?.user)) {
    return { ok: false, answer: failure(speech, call, 429, 'Too many failed authentications from this address or for this user: try again later.') };
  }
  const who = credentials === undefined ? undefined : await deps.tokens.verify(credentials.user, credentials.secret);
  if (who !== undefined && credentials !== undefined && who.user === credentials.user) return { ok: true, who };
  deps.limiter.fail(address, credentials?.user);
  deps.log(`authentication failure; rhost=${logSafe(address)} user=${logSafe(credentials?.user ?? '')}`);
  const why = credentials === undefined ? 'Authentication required: send “Authorization: cpanel USER:TOKEN”.' : 'Access denied: the user name or the API token is not valid.';
  return { ok: false, answer: failure(speech, call, 401, why, CHALLENGE) };
}

export function parseAuthorization(header: string | undefined): { user: string; secret: string } | undefined {
  if (header === undefined || header.length > 4096) return undefined;
  const m = /^\s*(cpanel|whm|basic)\s+(\S+)\s*$/i.exec(header);
  if (m === null) return undefined;
  let pair = m[2] as string;
  if ((m[1] as string).toLowerCase() === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(pair)) return undefined;
    pair = Buffer.from(pair, 'base64').toString('utf8');
  }
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1) return undefined;
  return { user: pair.slice(0, colon), secret: pair.slice(colon + 1) };
}

/** A name or address as a log line may carry it: what a client sent, so nothing that could forge a line or a field. */
function logSafe(text: string): string {
  const safe = text.slice(0, 64).replace(/[^A-Za-z0-9._@:-]/g, '?');
  return safe === '' ? '-' : safe;
}

// --- the cPanel dialects ------------------------------------------------------------

/** Which call a request makes: for failure envelopes in its own dialect. */
interface CallShape {
  readonly module: string;
  readonly func: string;
  /** the JSON action request, when the call is one */
  readonly request?: ActionRequest | undefined;
}

/** `/execute/Module/function`: UAPI for the token's own account (a root token names it with `cpanel.user`). */
async function cpanelCall(deps: ResponderDeps, request: HttpRequest, speech: Speech, module: string, func: string): Promise<HttpAnswer> {
  const call = { module, func };
  const auth = await authenticate(deps, request, speech, call);
  if (!auth.ok) return auth.answer;
  const args = formArgs(request);
  if (typeof args === 'string') return failure(speech, call, 415, args);
  const { values, mistake } = routing(args, ['cpanel.user']);
  if (mistake !== undefined) return failure(speech, call, 200, mistake);
  const [named] = values;
  const account = auth.who.user === 'root' ? named : auth.who.user;
  if (account === undefined) return failure(speech, call, 200, 'A WHM (root) token names the account: cpanel.user=NAME.');
  if (named !== undefined && named !== account) return failure(speech, call, 200, `This token acts for “${auth.who.user}” only.`);
  const missing = requiredOverHttp(module, func, args);
  if (missing !== undefined) return failure(speech, call, 200, missing);
  return run(deps, speech, invocationFor('uapi', account, module, func, args));
}

/** WHM's `/json-api/cpanel`: API 2 (the default) or UAPI (`cpanel_jsonapi_apiversion=3`) for `cpanel_jsonapi_user`. */
async function jsonApiCpanel(deps: ResponderDeps, request: HttpRequest): Promise<HttpAnswer> {
  const args = formArgs(request);
  if (typeof args === 'string') return failure('api2', { module: '', func: '' }, 415, args);
  const { values, mistake } = routing(args, ['cpanel_jsonapi_user', 'cpanel_jsonapi_module', 'cpanel_jsonapi_func', 'cpanel_jsonapi_apiversion']);
  const [user, module = '', func = '', version = '2'] = values;
  const speech: Speech = version === '3' ? 'uapi' : 'api2';
  const call = { module, func };
  const auth = await authenticate(deps, request, speech, call);
  if (!auth.ok) return auth.answer;
  if (mistake !== undefined) return failure(speech, call, 200, mistake);
  if (version !== '2' && version !== '3') return failure(speech, call, 200, `cpanel_jsonapi_apiversion ${version} is not served here: 2 (API 2) or 3 (UAPI).`);
  const account = user ?? (auth.who.user === 'root' ? undefined : auth.who.user);
  const refused = accountRefused(auth.who, account) ?? requiredOverHttp(module, func, args);
  if (refused !== undefined) return failure(speech, call, 200, refused);
  return run(deps, speech, invocationFor(speech === 'uapi' ? 'uapi' : 'api2', account as string, module, func, args));
}

/** WHM's `/json-api/uapi_cpanel?cpanel.user=&cpanel.module=&cpanel.function=`: the UAPI result under `data.uapi`. */
async function jsonApiUapi(deps: ResponderDeps, request: HttpRequest): Promise<HttpAnswer> {
  const args = formArgs(request);
  if (typeof args === 'string') return failure('whm', { module: '', func: '' }, 415, args);
  const { values, mistake } = routing(args, ['cpanel.user', 'cpanel.module', 'cpanel.function']);
  const [user, module = '', func = ''] = values;
  const call = { module, func };
  const auth = await authenticate(deps, request, 'whm', call);
  if (!auth.ok) return auth.answer;
  if (mistake !== undefined) return failure('whm', call, 200, mistake);
  const account = user ?? (auth.who.user === 'root' ? undefined : auth.who.user);
  const refused = accountRefused(auth.who, account) ?? requiredOverHttp(module, func, args);
  if (refused !== undefined) return failure('whm', call, 200, refused);
  return run(deps, 'whm', invocationFor('uapi', account as string, module, func, args));
}

/**
 * Over HTTP, `kill_session` needs `login` said: on the command line its
 * absence means all (cPanel's default), but a client whose argument went
 * astray (a JSON body, a misspelt key) must never end every session.
 */
function requiredOverHttp(module: string, func: string, args: Record<string, string>): string | undefined {
  // (other arguments, `id=PID` say, the function refuses by name itself)
  if (module === 'Ftp' && func === 'kill_session' && Object.keys(args).length === 0) {
    return 'kill_session takes login=PID or login=all: over HTTP, login must be given.';
  }
  return undefined;
}

/** Whether a token may act for the account named (cPanel's messages for a missing or root account). */
function accountRefused(who: TokenIdentity, account: string | undefined): string | undefined {
  if (account === undefined || account === '') return 'User parameter is invalid or was not supplied';
  if (account === 'root') return 'The user “root” is not associated with a cPanel account and cannot call cPanel API 2';
  if (who.user !== 'root' && who.user !== account) return `This token acts for “${who.user}” only, not for “${account}”.`;
  return undefined;
}

/**
 * The query and, for a form POST, the body: cPanel's form decoding (`+` a
 * space, repeated keys key-0, key-1 ...). A body of any other kind (JSON,
 * text) is refused, never ignored: a client that thinks it sent `login=PID`
 * there must not get what an empty request means.
 */
function formArgs(request: HttpRequest): Record<string, string> | string {
  const words = request.query.split('&');
  if (request.method === 'POST' && request.body.trim() !== '') {
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
      return `The request body must be a form (Content-Type: application/x-www-form-urlencoded), not “${type.split(';')[0]?.trim() || 'unnamed'}”: send the arguments as key=value pairs.`;
    }
    words.push(...request.body.split('&'));
  }
  return parseFormArgs(words.filter((w) => w !== ''));
}

/** A routing parameter, taken out of the function's arguments; given twice, it is a mistake said as one. */
function take(args: Record<string, string>, key: string): string | undefined {
  if (Object.hasOwn(args, `${key}-0`)) throw new RoutingError(`The parameter “${key}” is given more than once.`);
  const value = Object.hasOwn(args, key) ? args[key] : undefined;
  delete args[key];
  return value;
}

/** The routing parameters, taken out of the arguments in order; a mistake (one given twice) said, not thrown. */
function routing(args: Record<string, string>, keys: readonly string[]): { values: Array<string | undefined>; mistake?: string } {
  try {
    return { values: keys.map((key) => take(args, key)) };
  } catch (err) {
    if (!(err instanceof RoutingError)) throw err;
    return { values: [], mistake: err.message };
  }
}

/** A request the routes cannot take (a parameter twice, a body that is not a form): a failure in the URL's dialect. */
class RoutingError extends Error {}

function decodePart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What the server reads for a native call: the live system, the default files and collector, no filter, no path of the client's. */
function serverQuery(users: readonly string[], includeUnauthenticated: boolean): NativeQuery {
  return {
    users,
    includeUnauthenticated,
    collector: 'auto',
    inputs: new Map(),
    proftpdScoreboard: undefined,
    accountFiles: DEFAULT_ACCOUNT_FILES,
    overrides: [],
    filter: {},
    sort: [],
  };
}

function invocationFor(dialect: Dialect, account: string, module: string, func: string, args: Record<string, string>): Invocation {
  return {
    kind: 'call',
    dialect,
    program: dialect === 'api2' ? 'cpapi2' : 'uapi',
    user: account,
    output: 'json',
    collector: 'auto',
    inputs: new Map(),
    proftpdScoreboard: undefined,
    accountFiles: DEFAULT_ACCOUNT_FILES,
    overrides: [],
    color: false,
    debug: false,
    module,
    func,
    args,
    argsFromStdin: false,
    extended: false,
  };
}

/** Run the call through the pipeline and write its answer in the URL's dialect (HTTP 200: the status is in the body). */
async function run(deps: ResponderDeps, speech: Speech, invocation: Invocation): Promise<HttpAnswer> {
  const outcome = await callFunction(invocation, deps.runtime);
  const envelope = buildEnvelope(invocation, outcome, { postprocess: await postprocessFor(invocation, outcome) });
  const document = envelope.document as { result?: unknown };
  if (speech === 'execute') return json(200, document.result);
  if (speech === 'whm') return json(200, whm(document.result as { status?: number; errors?: string[] | null }));
  return json(200, document);
}

/** WHM API 1's frame for uapi_cpanel: `{"data":{"uapi":RESULT},"metadata":{...}}`; the call's own failure is in `uapi.status`/`errors`. */
function whm(result: { status?: number; errors?: string[] | null }): Record<string, unknown> {
  const ok = result.status === 1;
  return {
    data: { uapi: result },
    metadata: { command: 'uapi_cpanel', reason: ok ? 'OK' : (result.errors?.[0] ?? 'failed'), result: ok ? 1 : 0, version: 1 },
  };
}

/** A failure before the call runs (authentication, the account), in the URL's dialect. */
function failure(speech: Speech, call: CallShape, status: number, message: string, headers: Record<string, string> = {}): HttpAnswer {
  // the account refused, a token not valid: the action API's "the account" code (10005)
  const outcome: Outcome = { ok: false, message, warnings: [], code: 'E_FORBIDDEN' };
  let body: unknown;
  if (speech === 'metrics') return { status, headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify({ error: message }) };
  if (speech === 'action') {
    // the JSON action API answers 200 whatever went wrong: its errorCode says what
    body = buildEnvelope({ dialect: 'action', module: 'admin', func: call.func, args: {} }, outcome, { request: call.request }).document;
    return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
  } else {
    const dialect = speech === 'api2' ? 'api2' : 'uapi';
    const document = buildEnvelope({ dialect, module: call.module, func: call.func, args: {} }, outcome).document as { result?: unknown };
    body = speech === 'execute' ? document.result : speech === 'whm' ? whm(document.result as { status?: number; errors?: string[] | null }) : document;
  }
  return { status, headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

function json(status: number, body: unknown): HttpAnswer {
  return { status, headers: JSON_TYPE, body: JSON.stringify(body) };
}

// --- Prometheus ------------------------------------------------------------------------------

/**
 * `GET /metrics`: `ftpsessions metrics` for a scraper (rates between two
 * scrapes, not after a wait: a scrape answers at once), server-wide, so a
 * root (WHM) token only, unless serve runs with --metrics-open (then no
 * authentication, on loopback listeners only). OpenMetrics when the
 * scraper asks for it (`Accept: application/openmetrics-text`).
 */
async function metricsCall(deps: ResponderDeps, metrics: { last?: Reading | undefined }, request: HttpRequest): Promise<HttpAnswer> {
  if (deps.metricsOpen !== true) {
    const auth = await authenticate(deps, request, 'metrics', { module: '', func: 'metrics' });
    if (!auth.ok) return auth.answer;
    // authenticate answers only for the user the credentials name
    if (auth.who.user !== 'root') return { status: 403, headers: JSON_TYPE, body: '{"error":"/metrics is server-wide: a root (WHM) token"}' };
  }
  const started = deps.runtime.now();
  const query = serverQuery([], deps.runtime.uid === 0);
  // a source that fails entirely still gives an exposition: source_up 0, never zeros that would claim an empty server;
  // rates are measured between this scrape and the one before (a scrape must not wait to measure them)
  const reading = await readSessions({ ...query, idle: false }, deps.runtime, metrics.last).catch((err: unknown) => {
    if (err instanceof CollectorError) return undefined;
    throw err;
  });
  if (reading !== undefined) metrics.last = reading;
  const { renderMetrics, sourcesTried, sourcesUpOf } = await import('./metrics.js');
  const openmetrics = /application\/openmetrics-text/.test(request.headers.accept ?? '');
  const sourcesUp = reading !== undefined ? sourcesUpOf(reading) : sourcesTried(query);
  const { text, contentType } = await renderMetrics(reading, {
    openmetrics,
    perAccount: false,
    maxAccounts: 100,
    collectSeconds: (deps.runtime.now() - started) / 1000,
    sourcesUp,
    authCounted: query.includeUnauthenticated,
  });
  return { status: 200, headers: { 'Content-Type': contentType }, body: text };
}

// --- the JSON action API ---------------------------------------------------------------

/** action sessions one account may hold: a new one past this ends its own least recently used */
const SESSIONS_PER_ACCOUNT = 64;
/** action sessions in all: past this (157 accounts at their limit) a new one is refused, never another's ended */
const SESSIONS_MAX = 10_000;

/**
 * `createSession` (params `username` and `password`: the account and its API
 * token) gives an `authToken` bound to that account; it lives until
 * `deleteSession` or `actionIdleMs` without use. An account holds 64 at
 * most (a new one ends its own least recently used); 10,000 in all, past
 * which `createSession` is refused: no account's sessions end another's.
 */
class ActionSessions {
  /** least recently used first */
  private readonly live = new Map<string, { who: TokenIdentity; used: number }>();
  constructor(
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {}
  /** a new session's authToken, or undefined when the server holds as many as it may */
  create(who: TokenIdentity): string | undefined {
    const now = this.now();
    for (const [token, entry] of this.live) {
      if (now - entry.used <= this.idleMs) break;
      this.live.delete(token);
    }
    let own = 0;
    let oldest: string | undefined;
    for (const [token, entry] of this.live) {
      if (entry.who.user !== who.user) continue;
      own++;
      oldest ??= token;
    }
    if (own >= SESSIONS_PER_ACCOUNT) this.live.delete(oldest as string);
    else if (this.live.size >= SESSIONS_MAX) return undefined;
    const token = randomBytes(24).toString('base64url');
    this.live.set(token, { who, used: now });
    return token;
  }
  use(token: unknown): TokenIdentity | undefined {
    if (typeof token !== 'string') return undefined;
    const entry = this.live.get(token);
    if (entry === undefined) return undefined;
    if (this.now() - entry.used > this.idleMs) {
      this.live.delete(token);
      return undefined;
    }
    // refreshed: the map keeps the most recently used last
    this.live.delete(token);
    entry.used = this.now();
    this.live.set(token, entry);
    return entry.who;
  }
  delete(token: unknown): boolean {
    return typeof token === 'string' && this.live.delete(token);
  }
}

async function actionCall(deps: ResponderDeps, sessions: ActionSessions, request: HttpRequest): Promise<HttpAnswer> {
  let parsed: ActionRequest;
  try {
    parsed = parseActionRequest(request.body);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const { requestId } = err as ApiError & { requestId?: { value: unknown } };
    return actionAnswer({ ok: false, message: err.message, warnings: [], code: err.code, ...(requestId ? { requestId } : {}) }, undefined);
  }
  const raw = parsed.raw as { params?: Record<string, unknown>; authToken?: unknown };
  const call = { module: 'admin', func: parsed.action, request: parsed };
  if (parsed.action === 'createSession') {
    const username = raw.params?.username;
    const password = raw.params?.password;
    if (typeof username !== 'string' || typeof password !== 'string') return actionAnswer(fail('E_BAD_PARAMS', "createSession takes 'params.username' and 'params.password' (an API token)."), parsed);
    const auth = await authenticate(deps, { ...request, headers: { ...request.headers, authorization: `cpanel ${username}:${password}` } }, 'action', call);
    if (!auth.ok) return auth.answer;
    const authToken = sessions.create(auth.who);
    if (authToken === undefined) return actionAnswer(fail('E_BUSY', 'The server holds as many sessions as it may: try again when some have ended or expired.'), parsed);
    return actionAnswer({ ok: true, data: { kind: 'object', value: { authToken } }, warnings: [] }, parsed);
  }
  const who = sessions.use(raw.authToken);
  if (who === undefined) return actionAnswer(fail('E_NO_SESSION', NO_SESSION.message), parsed);
  if (parsed.action === 'deleteSession') {
    sessions.delete(raw.authToken);
    return actionAnswer({ ok: true, data: { kind: 'object', value: {} }, warnings: [] }, parsed);
  }
  if (parsed.action !== 'listSessions') return actionAnswer(fail('E_UNKNOWN_ACTION', `The action “${parsed.action}” is not known here: listSessions, createSession, deleteSession.`), parsed);
  // root's session sees every account's sessions; an account's, its own
  const query = serverQuery(who.user === 'root' ? [] : [who.user], false);
  let outcome: Outcome;
  try {
    const reading = await readSessions(query, deps.runtime);
    const sessions = reading.rows.map((r) => ({
      cmdline: r.cmdline,
      file: r.file ?? '',
      host: r.host ?? '',
      login: '',
      loginAt: r.connected_at === null ? null : Date.parse(r.connected_at),
      pid: r.pid,
      status: r.state === 'AUTH' ? 'IDLE' : r.state,
      user: r.login ?? r.account ?? '',
    }));
    outcome = { ok: true, data: { kind: 'sessions', sessions }, warnings: [...reading.warnings] };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    outcome = { ok: false, message: err.message, warnings: [], code: err.code };
  }
  return actionAnswer(outcome, parsed);
}

function fail(code: string, message: string): Outcome {
  return { ok: false, message, warnings: [], code };
}

/** The action response; HTTP 200 whatever the errorCode, as the JSON action API answers. */
function actionAnswer(outcome: Outcome, request: ActionRequest | undefined): HttpAnswer {
  const document = buildEnvelope({ dialect: 'action', module: 'admin', func: request?.action ?? '', args: {} }, outcome, { request }).document as Record<string, unknown>;
  if (!outcome.ok && outcome.code === 'E_NO_SESSION') document.errorCode = NO_SESSION.code;
  return json(200, document);
}
