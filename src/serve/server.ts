import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describeIoError } from '../collectors/program.js';
import { ApiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { type Address, formatAddress } from './address.js';

/** A request as the routes see it. */
export interface HttpRequest {
  readonly method: string;
  /** the request target before any `?`, as sent (not percent-decoded) */
  readonly path: string;
  /** what follows the first `?` (raw: not decoded), '' when none */
  readonly query: string;
  /** header names lower-cased; a repeated header's values joined with ', ' */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** the body as UTF-8 text ('' when none) */
  readonly body: string;
  /** the client's address (an IPv4-mapped IPv6 address as the IPv4 one) */
  readonly remote: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON text (every answer is `application/json`) */
  readonly body: string;
}

export type Responder = (request: HttpRequest) => Promise<HttpAnswer>;

/** The defences against slow or greedy clients. */
export interface ServerLimits {
  /** the whole header must arrive within this (else 408 and the connection closed) */
  readonly headersTimeoutMs: number;
  /** the whole request, body included, must arrive within this */
  readonly requestTimeoutMs: number;
  /** an idle kept-alive connection is closed after this */
  readonly keepAliveTimeoutMs: number;
  /** the largest request body taken (else 413) */
  readonly maxBodyBytes: number;
  /** the most connections open at once per listening address (past it new ones are closed at once) */
  readonly maxConnections: number;
  /** on stop, how long requests under way may take before their connections are cut */
  readonly drainMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxBodyBytes: 64 * 1024,
  maxConnections: 1024,
  drainMs: 10_000,
};

export interface ServerOptions {
  readonly listen: readonly Address[];
  /** serve HTTPS with this PEM certificate (chain) and key; re-read on SIGHUP */
  readonly tls?: { readonly certPath: string; readonly keyPath: string } | undefined;
  readonly respond: Responder;
  readonly runtime: Runtime;
  /** one line, without the program prefix or a newline */
  readonly log: (line: string) => void;
  readonly limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  /** where it listens, as URLs (`http://127.0.0.1:2097`), the real port when 0 was asked */
  addresses(): string[];
  /** stop accepting, let requests under way finish (at most drainMs), then resolve */
  close(): Promise<void>;
  /** resolves once stopped, by close() or by SIGTERM/SIGINT */
  readonly stopped: Promise<void>;
}

const ALLOWED_METHODS = new Set(['GET', 'POST', 'HEAD']);
const FIXED_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every answer is JSON but /metrics, whose two exposition formats are the only other types an answer may carry. */
const METRICS_TYPES = /^(?:text\/plain; version=0\.0\.4|application\/openmetrics-text; version=1\.0\.0)(?:; charset=utf-8)?$/;
function metricsType(type: string | undefined): Record<string, string> {
  return type !== undefined && METRICS_TYPES.test(type) ? { 'Content-Type': type } : {};
}

/**
 * Listen on every address (HTTP, or HTTPS with TLS 1.2 at least), hand each
 * request to `respond`, answer JSON. SIGHUP re-reads the certificate and
 * key (the listeners stay; a bad pair is logged and the old one kept);
 * SIGTERM and SIGINT stop the server gracefully. Rejects with an ApiError
 * (one line) when the certificate cannot be read or an address cannot be
 * taken; nothing is left listening then.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { runtime, log, respond } = options;
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const tlsFiles = options.tls;
  const credentials = tlsFiles === undefined ? undefined : await readCredentials(runtime, tlsFiles);
  const http = await import('node:http');
  const https = tlsFiles === undefined ? undefined : await import('node:https');
  const tls = await import('node:tls');
  if (credentials !== undefined) {
    try {
      tls.createSecureContext(secureOptions(credentials));
    } catch (err) {
      throw new ApiError('E_TLS', `--tls-cert/--tls-key: ${describeTlsError(err)}`);
    }
  }

  let closing = false;
  let inFlight = 0;
  const servers: Server[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (closing) for (const server of servers) server.closeIdleConnections();
    });
    void serveOne(req, res).catch((err: unknown) => {
      log(`internal error: ${oneLine(err)}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };

  const serveOne = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (closing) res.setHeader('Connection', 'close');
    const method = req.method ?? '';
    if (!ALLOWED_METHODS.has(method)) {
      return refuse(req, res, 405, { error: `method ${method} is not allowed` }, { Allow: 'GET, POST, HEAD' });
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limits.maxBodyBytes) {
      return refuse(req, res, 413, { error: `the request body is larger than ${limits.maxBodyBytes} bytes` });
    }
    const body = await readBody(req, limits.maxBodyBytes);
    if (body === 'too large') {
      return refuse(req, res, 413, { error: `the request body is larger than ${limits.maxBodyBytes} bytes` });
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return send(res, 400, { error: 'the request body is not UTF-8 text' });
    }
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const request: HttpRequest = {
      method,
      path: q === -1 ? target : target.slice(0, q),
      query: q === -1 ? '' : target.slice(q + 1),
      headers: headersOf(req),
      body: text,
      remote: remoteOf(req.socket),
    };
    let answer: HttpAnswer;
    try {
      answer = await respond(request);
    } catch (err) {
      log(`internal error answering ${method} ${request.path}: ${oneLine(err)}`);
      return send(res, 500, { error: 'internal error' });
    }
    const headers = { ...answer.headers, ...FIXED_HEADERS, ...metricsType(answer.headers?.['Content-Type']) };
    res.writeHead(answer.status, { ...headers, 'Content-Length': String(Buffer.byteLength(answer.body)) });
    res.end(answer.body);
  };

  for (const address of options.listen) {
    const serverOptions = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // the time-outs above are checked this often (Node's default is 30 s)
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
      maxHeaderSize: 16 * 1024,
    };
    const server: Server =
      https !== undefined && credentials !== undefined
        ? https.createServer({ ...serverOptions, ...secureOptions(credentials) }, handle)
        : http.createServer(serverOptions, handle);
    server.maxConnections = limits.maxConnections;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => clientError(err, socket));
    // a TLS handshake that fails (a plain HTTP client, an old protocol) is the client's problem: close quietly
    server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
    try {
      await listen(server, address);
    } catch (err) {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      throw new ApiError('E_LISTEN', `cannot listen on ${formatAddress(address)}: ${describeListenError(err)}`);
    }
    servers.push(server);
  }

  const urls = (): string[] =>
    servers.map((server) => {
      const bound = server.address();
      const port = bound !== null && typeof bound === 'object' ? bound.port : 0;
      const host = bound !== null && typeof bound === 'object' ? bound.address : '?';
      return `${credentials === undefined ? 'http' : 'https'}://${formatAddress({ host, port })}`;
    });

  let current = credentials;
  const reload = async (): Promise<void> => {
    if (tlsFiles === undefined || current === undefined) return;
    try {
      const fresh = await readCredentials(runtime, tlsFiles);
      const options = secureOptions(fresh);
      tls.createSecureContext(options); // throws on a bad pair before any listener takes it
      for (const server of servers) (server as import('node:https').Server).setSecureContext(options);
      current = fresh;
      log(`reloaded the TLS certificate ${tlsFiles.certPath} and key ${tlsFiles.keyPath}`);
    } catch (err) {
      log(`TLS reload failed, the previous certificate stays: ${err instanceof ApiError ? err.message : describeTlsError(err)}`);
    }
  };

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      unlisten();
      const all = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      for (const server of servers) server.closeIdleConnections();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), limits.drainMs);
      });
      if ((await Promise.race([all, late])) === 'late') {
        log(`stopping: ${inFlight} request(s) still under way after ${limits.drainMs / 1000} s: their connections are cut`);
        for (const server of servers) server.closeAllConnections();
        await all;
      }
      clearTimeout(timer);
      resolveStopped();
    })();
    return closed;
  };

  const unlisten = runtime.onSignal((signal) => {
    if (signal === 'SIGHUP') {
      void reload();
    } else if (signal === 'SIGTERM' || signal === 'SIGINT') {
      if (!closing) log(`${signal}: stopping (${inFlight} request(s) under way)`);
      void close();
    }
    // SIGPIPE: nothing (a client gone away is the socket's business)
  });

  return { addresses: urls, close, stopped };
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...extra, ...FIXED_HEADERS, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * Answer without reading the request's body, and close the connection:
 * what the client still sends is read and dropped for a moment (so that it
 * reads the answer rather than a reset), then the connection is cut.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  send(res, status, body, { ...extra, Connection: 'close' });
  req.resume();
  res.on('finish', () => {
    setTimeout(() => req.socket.destroy(), 1000).unref();
  });
}

/** the body, or 'too large' as soon as more than `max` bytes arrived (what follows is not read) */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        resolve('too large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function remoteOf(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped !== null ? mapped[1]! : address;
}

/**
 * What Node does by default (a bare 400, 408 or 431) but with a JSON body,
 * and never in the middle of an answer already being written.
 */
function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // the response under way on this connection, as Node's own default handler finds it
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'the request took too long to arrive']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'the request header is too large']
    : [400, 'Bad Request', 'the request is not HTTP/1.1 this server understands'];
  const body = JSON.stringify({ error: message });
  const head = [
    `HTTP/1.1 ${status} ${reason}`,
    ...Object.entries(FIXED_HEADERS).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function listen(server: Server, address: Address): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    // an IPv6 address is IPv6 only: [::]:P and 0.0.0.0:P may both be given
    server.listen({ host: address.host, port: address.port, ipv6Only: address.host.includes(':'), exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

interface Credentials {
  readonly cert: string;
  readonly key: string;
}

async function readCredentials(runtime: Runtime, files: { certPath: string; keyPath: string }): Promise<Credentials> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await runtime.readFile(path);
    } catch (err) {
      throw new ApiError('E_TLS', `${what} ${path}: ${describeIoError(err)}`);
    }
  };
  return { cert: await read(files.certPath, '--tls-cert'), key: await read(files.keyPath, '--tls-key') };
}

function secureOptions({ cert, key }: Credentials): import('node:tls').SecureContextOptions {
  return { cert, key, minVersion: 'TLSv1.2' };
}

function describeTlsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const message = oneLine(err);
  if (/key values mismatch/i.test(message)) return 'the key does not belong to the certificate';
  if (/no start line|PEM|bad base64|ASN1|DECODER/i.test(message)) return `not a PEM certificate and key (${e.code ?? message})`;
  return message;
}

function describeListenError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return 'the address is in use (EADDRINUSE)';
  if (e.code === 'EADDRNOTAVAIL') return 'no interface has this address (EADDRNOTAVAIL)';
  if (e.code === 'EACCES') return 'permission denied (EACCES: a port below 1024 needs root)';
  return oneLine(err);
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
