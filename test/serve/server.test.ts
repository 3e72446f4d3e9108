import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { type HttpRequest, type Responder, type RunningServer, type ServerLimits, startServer } from '../../src/serve/server.js';
import { diskRuntime, type TestRuntime } from '../helpers/runtime.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** one request on a connection of its own */
function request(url: string, options: { method?: string; body?: string | Buffer; headers?: Record<string, string>; ca?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, ca: options.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** the responder of these tests: echoes what the server made of the request */
const echo: Responder = async (req) => ({ status: 200, headers: { 'X-Test': 'yes' }, body: JSON.stringify(req) });

let running: RunningServer | undefined;
let runtime: TestRuntime;
let logged: string[];

async function start(respond: Responder, extra: { tls?: { certPath: string; keyPath: string }; limits?: Partial<ServerLimits> } = {}): Promise<string> {
  runtime = diskRuntime();
  logged = [];
  running = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], respond, runtime, log: (line) => logged.push(line), ...extra });
  return running.addresses()[0]!;
}

function signal(name: 'SIGHUP' | 'SIGTERM' | 'SIGINT'): void {
  for (const handler of [...runtime.signalHandlers]) handler(name);
}

afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('requests and answers', () => {
  it('hands the responder the path, the raw query, lower-cased headers, the body and the address; answers JSON with the fixed headers', async () => {
    const url = await start(echo);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const reply = await request(`${url}/execute/Ftp/list_sessions?a=1+2&b=%20`, { method: 'POST', body: 'x=é', headers: { 'X-Mixed-Case': 'V', 'Content-Type': 'text/plain' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['x-test']).toBe('yes');
    const seen = JSON.parse(reply.body) as HttpRequest;
    expect(seen).toMatchObject({ method: 'POST', path: '/execute/Ftp/list_sessions', query: 'a=1+2&b=%20', body: 'x=é', remote: '127.0.0.1' });
    expect(seen.headers['x-mixed-case']).toBe('V');
    expect(seen.headers['content-type']).toBe('text/plain');
  });

  it('a responder cannot change the content type or the caching headers', async () => {
    const url = await start(async () => ({ status: 401, headers: { 'Content-Type': 'text/html', 'WWW-Authenticate': 'Basic realm="ftpsessions"' }, body: '{"status":0}' }));
    const reply = await request(`${url}/x`);
    expect(reply).toMatchObject({ status: 401, body: '{"status":0}' });
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['www-authenticate']).toBe('Basic realm="ftpsessions"');
  });

  it('GET, POST and HEAD only: anything else is 405 with Allow and a JSON body, and never reaches the responder', async () => {
    let calls = 0;
    const url = await start(async (req) => {
      calls++;
      return echo(req);
    });
    for (const method of ['PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']) {
      const reply = await request(`${url}/`, { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, POST, HEAD');
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(reply.body)).toEqual({ error: `method ${method} is not allowed` });
    }
    expect(calls).toBe(0);
    const head = await request(`${url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(calls).toBe(1);
  });

  it('takes a body of 64 KiB, refuses one byte more with 413 (declared or chunked) without calling the responder', async () => {
    let calls = 0;
    const url = await start(async (req) => {
      calls++;
      return { status: 200, body: JSON.stringify({ length: req.body.length }) };
    });
    const ok = await request(`${url}/api`, { method: 'POST', body: Buffer.alloc(64 * 1024, 'a') });
    expect(JSON.parse(ok.body)).toEqual({ length: 65536 });
    const declared = await request(`${url}/api`, { method: 'POST', body: Buffer.alloc(64 * 1024 + 1, 'a') });
    expect(declared.status).toBe(413);
    expect(declared.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(declared.body)).toEqual({ error: 'the request body is larger than 65536 bytes' });
    // chunked: no length said, the count stops the read
    const chunked = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${url}/api`, { method: 'POST', agent: false, headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write(Buffer.alloc(4096, 'b'));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(calls).toBe(1);
  });

  it('a body that is not UTF-8 is 400', async () => {
    const url = await start(echo);
    const reply = await request(`${url}/api`, { method: 'POST', body: Buffer.from([0xff, 0xfe, 0x41]) });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ error: 'the request body is not UTF-8 text' });
  });

  it('an exception in the responder is 500 {"error":"internal error"}: no stack, no message in the answer; one line in the log', async () => {
    const url = await start(async () => {
      throw new Error('secret detail\nsecond line');
    });
    const reply = await request(`${url}/execute/Ftp/list_sessions?token=abc`);
    expect(reply.status).toBe(500);
    expect(reply.body).toBe('{"error":"internal error"}');
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(logged).toEqual(['internal error answering GET /execute/Ftp/list_sessions: secret detail second line']);
    // the server still answers
    expect((await request(`${url}/again`)).status).toBe(500);
  });

  it('a request Node cannot parse gets a JSON 400, not a bare one', async () => {
    const url = await start(echo);
    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('Content-Type: application/json; charset=utf-8');
    expect(raw.split('\r\n\r\n')[1]).toBe('{"error":"the request is not HTTP/1.1 this server understands"}');
  });

  it('an address in use is a one-line ApiError, and nothing stays listening', async () => {
    const url = await start(echo);
    const port = Number(new URL(url).port);
    const rt = diskRuntime();
    const error = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port }], respond: echo, runtime: rt, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe(`cannot listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE)`);
    expect(rt.signalHandlers).toHaveLength(0);
  });
});

describe('load', () => {
  it('200 concurrent requests, 5 rounds: each answered with its own answer, the heap flat between rounds', async () => {
    const url = await start(async (req) => {
      await new Promise((r) => setTimeout(r, 5));
      return { status: 200, body: JSON.stringify({ query: req.query }) };
    });
    const heaps: number[] = [];
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => request(`${url}/execute/Ftp/list_sessions?n=${round}-${i}`)));
      replies.forEach((reply, i) => expect(reply).toMatchObject({ status: 200, body: JSON.stringify({ query: `n=${round}-${i}` }) }));
      gc();
      heaps.push(process.memoryUsage().heapUsed);
    }
    // what one round leaves behind, after the first (which warms up): under 2 MB
    expect(Math.max(...heaps.slice(1)) - heaps[1]!).toBeLessThan(2 * 2 ** 20);
  });
});

describe('slow clients', () => {
  it('a client sending its header a byte at a time is cut off at the header time-out (408) while others are answered', async () => {
    const url = await start(echo, { limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
    const { port } = new URL(url);
    const started = Date.now();
    const slow = new Promise<{ text: string; ms: number }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      const header = 'GET /slow HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'p'.repeat(200) + '\r\n\r\n';
      let i = 0;
      const timer = setInterval(() => {
        if (i < header.length && !socket.destroyed) socket.write(header[i++]!);
      }, 50);
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ text, ms: Date.now() - started });
      });
    });
    // meanwhile, others are answered at once
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      expect((await request(`${url}/fast`)).status).toBe(200);
      expect(Date.now() - t).toBeLessThan(800);
    }
    const { text, ms } = await slow;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('{"error":"the request took too long to arrive"}');
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(4000); // the header alone would take 11 s at this pace
  });

  it('a client that sends its header but dribbles its body is cut off at the request time-out', async () => {
    const url = await start(echo, { limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500 } });
    const { port } = new URL(url);
    const started = Date.now();
    const { text, ms } = await new Promise<{ text: string; ms: number }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n'));
      const timer = setInterval(() => !socket.destroyed && socket.write('a'), 100);
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ text, ms: Date.now() - started });
      });
    });
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(4000);
  });
});

describe('TLS', () => {
  let dir: string;
  const make = (name: string, cn: string): { cert: string; key: string } => {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.crt`);
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert, key };
  };
  const read = (path: string): string => execFileSync('/bin/cat', [path], { encoding: 'utf8' });
  let first: { cert: string; key: string };
  let second: { cert: string; key: string };
  const live = { certPath: '', keyPath: '' };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftps-serve-tls-'));
    first = make('first', 'first.test');
    second = make('second', 'second.test');
    live.certPath = join(dir, 'live.crt');
    live.keyPath = join(dir, 'live.key');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const install = (pair: { cert: string; key: string }): void => {
    writeFileSync(live.certPath, read(pair.cert));
    writeFileSync(live.keyPath, read(pair.key), { mode: 0o600 });
  };

  /** the certificate the server presents, and the protocol agreed */
  const peer = (url: string, extra: tls.ConnectionOptions = {}): Promise<{ cn: string; protocol: string | null }> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const socket = tls.connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false, ...extra }, () => {
        const cn = new X509Certificate(socket.getPeerX509Certificate()!.raw).subject;
        resolve({ cn, protocol: socket.getProtocol() });
        socket.end();
      });
      socket.on('error', reject);
    });

  it('serves HTTPS with the given pair, TLS 1.2 at least; a TLS 1.1 client is refused', async () => {
    install(first);
    const url = await start(echo, { tls: live });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const reply = await request(`${url}/healthz`, { ca: read(first.cert) });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(await peer(url)).toEqual({ cn: 'CN=first.test', protocol: 'TLSv1.3' });
    expect((await peer(url, { maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    await expect(peer(url, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
    // a plain HTTP client on the TLS port gets nothing, and the server goes on
    await expect(request(url.replace('https:', 'http:'))).rejects.toThrow();
    expect((await request(`${url}/x`, { ca: read(first.cert) })).status).toBe(200);
  });

  it('SIGHUP re-reads the pair: the new certificate is served on the same listener; a bad pair is logged and the old one kept', async () => {
    install(first);
    const url = await start(echo, { tls: live });
    expect((await peer(url)).cn).toBe('CN=first.test');
    install(second);
    expect((await peer(url)).cn).toBe('CN=first.test'); // not before the signal
    signal('SIGHUP');
    await expect.poll(async () => (await peer(url)).cn, { timeout: 3000 }).toBe('CN=second.test');
    expect(running!.addresses()).toEqual([url]);
    expect(logged).toContain(`reloaded the TLS certificate ${live.certPath} and key ${live.keyPath}`);
    // a key that does not belong to the certificate: refused, the second pair stays
    writeFileSync(live.keyPath, read(first.key));
    signal('SIGHUP');
    await expect.poll(() => logged.at(-1), { timeout: 3000 }).toBe('TLS reload failed, the previous certificate stays: the key does not belong to the certificate');
    expect((await peer(url)).cn).toBe('CN=second.test');
    rmSync(live.certPath);
    signal('SIGHUP');
    await expect.poll(() => logged.at(-1), { timeout: 3000 }).toBe(`TLS reload failed, the previous certificate stays: --tls-cert ${live.certPath}: no such file`);
    expect((await request(`${url}/x`, { ca: read(second.cert) })).status).toBe(200);
  });

  it('a bad pair at start is a one-line ApiError and nothing listens', async () => {
    writeFileSync(live.certPath, read(first.cert));
    writeFileSync(live.keyPath, read(second.key));
    const rt = diskRuntime();
    const error = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], tls: live, respond: echo, runtime: rt, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('--tls-cert/--tls-key: the key does not belong to the certificate');
    writeFileSync(live.certPath, 'not a certificate\n');
    const garbage = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], tls: live, respond: echo, runtime: rt, log: () => undefined }).catch((e: unknown) => e);
    expect((garbage as ApiError).message).toMatch(/^--tls-cert\/--tls-key: not a PEM certificate and key/);
    expect(rt.signalHandlers).toHaveLength(0);
  });
});

describe('stopping', () => {
  it('SIGTERM: no new connections, the request under way finishes and is answered, then stopped resolves', async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const url = await start(async (req) => {
      if (req.path === '/slow') {
        entered();
        await new Promise<void>((resolve) => (release = resolve));
      }
      return { status: 200, body: JSON.stringify({ path: req.path }) };
    });
    const inFlight = request(`${url}/slow`);
    await inside;
    let stopped = false;
    void running!.stopped.then(() => (stopped = true));
    signal('SIGTERM');
    await expect.poll(() => logged).toContain('SIGTERM: stopping (1 request(s) under way)');
    await expect(request(`${url}/new`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(stopped).toBe(false);
    release();
    const reply = await inFlight;
    expect(reply).toMatchObject({ status: 200, body: '{"path":"/slow"}' });
    expect(reply.headers.connection).toBe('close');
    await running!.stopped;
    expect(runtime.signalHandlers).toHaveLength(0);
  });

  it('a request that does not finish within the drain time has its connection cut, and the server stops anyway', async () => {
    const url = await start(() => new Promise(() => undefined), { limits: { drainMs: 300 } });
    const hung = request(`${url}/forever`).catch((e: unknown) => e);
    await expect.poll(() => running!.addresses().length).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    await running!.close();
    expect(Date.now() - t).toBeLessThan(2000);
    expect(await hung).toMatchObject({ code: 'ECONNRESET' });
    expect(logged).toContain('stopping: 1 request(s) still under way after 0.3 s: their connections are cut');
  });

  it('idle kept-alive connections do not hold the stop up', async () => {
    const url = await start(echo);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get(`${url}/a`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    const t = Date.now();
    signal('SIGINT');
    await running!.stopped;
    expect(Date.now() - t).toBeLessThan(2500); // the kept-alive connection would hold it 5 s
    agent.destroy();
  });
});
