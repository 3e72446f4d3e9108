#!/usr/bin/env node
// @ts-check
/**
 * FTP client agent for the lab (test/live/lab.ts). It runs as its own process
 * INSIDE the lab's network namespace (`ip netns exec NS node ftp-agent.mjs`),
 * where the servers listen, and holds every client session the lab opens:
 * each one is a real control connection (plus a data connection for
 * transfers) put into one state and kept there until the agent ends.
 *
 * Protocol: one JSON object per line.
 *   stdin  {"op":"open","name":N,"host":"127.0.0.1"|"::1","port":P,"source"?:IP,
 *           "mode":"connect"|"user"|"idle"|"download"|"upload"|"after",
 *           "user"?:U,"pass"?:W,"file"?:BASE64 (raw bytes of the argument),"rate"?:bytes/s}
 *   stdout {"name":N,"ok":true,"connectedAt":ms,"loggedInAt"?:ms,"local":{"address","port"},"transcript":[...]}
 *          {"name":N,"ok":false,"error":"...","transcript":[...]}
 *          {"event":"lost","name":N,"what":"..."}   (a session's connection closed later, not by a "close")
 *   stdin  {"op":"transfer","id":I,"name":N,"mode":"download"|"upload","file":BASE64,"rate"?:bytes/s}
 *          starts a throttled transfer on the logged-in, idle session N (EPSV, RETR/STOR)
 *   stdin  {"op":"close","id":I,"name":N,"how":"quit"|"destroy"}
 *          quit: end its data connection, QUIT, wait for the server to close the control
 *          connection; destroy: drop both connections at once (no QUIT)
 *   stdin  {"op":"progress","id":I,"name":N}
 *          bytes the client has received (download) or sent (upload) on its current transfer
 *   stdout {"reply":I,"ok":true,...} | {"reply":I,"ok":false,"error":"..."}  (answers to ops with an id)
 *   When stdin closes (the test process ended, however it ended), every socket
 *   is destroyed and the agent exits: the sessions end with it.
 *
 * Modes:
 *   connect   connect, read the banner, send nothing
 *   user      + USER <user>, read the 331; no PASS
 *   idle      log in, TYPE I, then nothing
 *   download  log in, TYPE I, EPSV, RETR <file>; read the data at <rate> bytes/s (default 16384)
 *   upload    log in, TYPE I, EPSV, STOR <file>; write zeros at <rate> bytes/s
 *   (both pace themselves on the time since the first byte, so a late timer does not lower the rate,
 *   and catch up at most CATCH_UP_MS of lag, so that they never run above the rate for long)
 *   after     log in, TYPE I, EPSV, RETR <file> to the end, wait for the 226: idle again
 *
 * File names go out as raw bytes, so UTF-8, quotes, '|' and long names reach
 * the server untouched. Only loopback addresses are accepted (a lab tool).
 */
import net from 'node:net';
import readline from 'node:readline';

/** how far behind its pace a transfer may fall and still catch up (ms): beyond, the rest is forgiven */
const CATCH_UP_MS = 250;

/** @type {Set<net.Socket>} */
const sockets = new Set();
/** @type {Set<NodeJS.Timeout>} */
const timers = new Set();

const out = (/** @type {unknown} */ o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function isLoopback(/** @type {string} */ ip) {
  return ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip);
}

class Control {
  /** @param {net.Socket} sock @param {string[]} transcript */
  constructor(sock, transcript) {
    this.sock = sock;
    this.buf = '';
    /** @type {{resolve:(r:{code:number,text:string})=>void,reject:(e:Error)=>void}[]} */
    this.waiters = [];
    /** @type {Error|undefined} */
    this.error = undefined;
    this.transcript = transcript;
    sock.setEncoding('latin1');
    sock.on('data', (/** @type {string} */ d) => {
      this.buf += d;
      this.pump();
    });
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('control connection closed')));
  }

  /** @param {Error} e */
  fail(e) {
    this.error ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  pump() {
    while (this.waiters.length > 0) {
      const r = this.parse();
      if (!r) return;
      this.transcript.push(`< ${Buffer.from(r.text, 'latin1').toString('utf8')}`);
      this.waiters.shift()?.resolve(r);
    }
  }

  /** one complete (possibly multi-line) reply off the buffer */
  parse() {
    let pos = 0;
    let code = '';
    const lines = [];
    for (;;) {
      const nl = this.buf.indexOf('\n', pos);
      if (nl < 0) return undefined;
      const line = this.buf.slice(pos, nl).replace(/\r$/, '');
      pos = nl + 1;
      lines.push(line);
      if (code === '') {
        code = line.slice(0, 3);
        if (line[3] !== '-') break;
      } else if (line.startsWith(`${code} `)) break;
    }
    this.buf = this.buf.slice(pos);
    return { code: Number(code), text: lines.join('\n') };
  }

  /** @returns {Promise<{code:number,text:string}>} */
  reply(timeoutMs = 20_000) {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no FTP reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.pump();
    });
  }

  /** @param {string} verb @param {Buffer} [arg] */
  send(verb, arg) {
    const line = arg === undefined ? Buffer.from(`${verb}\r\n`) : Buffer.concat([Buffer.from(`${verb} `), arg, Buffer.from('\r\n')]);
    this.transcript.push(`> ${verb === 'PASS' ? 'PASS ********' : line.toString('utf8').replace(/\r\n$/, '')}`);
    this.sock.write(line);
  }

  /** @param {string} verb @param {Buffer} [arg] */
  async cmd(verb, arg) {
    this.send(verb, arg);
    return this.reply();
  }
}

/** @param {string} host @param {number} port @param {string|undefined} source @returns {Promise<net.Socket>} */
function connect(host, port, source) {
  return new Promise((resolve, reject) => {
    /** @type {net.NetConnectOpts} */
    const opts = { host, port, family: host.includes(':') ? 6 : 4 };
    if (source !== undefined) opts.localAddress = source;
    const sock = net.connect(opts);
    sockets.add(sock);
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
    sock.on('close', () => sockets.delete(sock));
  });
}

/**
 * @typedef {{ c: Control, host: string, source: string|undefined, data?: net.Socket, mode: string,
 *   bytes: number, closing: boolean, stopTransfer?: () => void }} Session
 */
/** @type {Map<string, Session>} the sessions by name */
const sessions = new Map();

/** @param {any} req */
async function open(req) {
  /** @type {string[]} */
  const transcript = [];
  const { name, host, port, source, mode } = req;
  try {
    if (sessions.has(name)) throw new Error(`a session named ${name} is open already`);
    if (!isLoopback(host) || (source !== undefined && !isLoopback(source))) throw new Error(`not a loopback address: ${host} ${source ?? ''}`);
    const sock = await connect(host, port, source);
    const connectedAt = Date.now();
    const local = { address: sock.localAddress, port: sock.localPort };
    const c = new Control(sock, transcript);
    /** @type {Session} */
    const session = { c, host, source, mode, bytes: 0, closing: false };
    const banner = await c.reply();
    if (banner.code !== 220) throw new Error(`banner: ${banner.text}`);
    /** @type {number|undefined} */
    let loggedInAt;
    const file = req.file === undefined ? undefined : Buffer.from(req.file, 'base64');
    if (mode === 'user') {
      const r = await c.cmd('USER', Buffer.from(req.user));
      if (r.code !== 331) throw new Error(`USER: ${r.text}`);
    } else if (mode !== 'connect') {
      let r = await c.cmd('USER', Buffer.from(req.user));
      if (r.code === 331) {
        c.send('PASS', Buffer.from(req.pass));
        r = await c.reply();
      }
      if (r.code !== 230) throw new Error(`login as ${req.user}: ${r.text}`);
      loggedInAt = Date.now();
      r = await c.cmd('TYPE', Buffer.from('I'));
      if (r.code !== 200) throw new Error(`TYPE I: ${r.text}`);
      if (mode === 'download' || mode === 'upload' || mode === 'after') {
        if (file === undefined) throw new Error(`${mode} needs a file`);
        await startTransfer(session, mode, file, req.rate ?? 16_384);
      }
    }
    sessions.set(name, session);
    sock.on('close', () => {
      sessions.delete(name);
      if (!session.closing) out({ event: 'lost', name, what: c.error?.message ?? 'closed' });
    });
    out({ name, ok: true, connectedAt, ...(loggedInAt === undefined ? {} : { loggedInAt }), local, transcript });
  } catch (e) {
    out({ name, ok: false, error: e instanceof Error ? e.message : String(e), transcript });
  }
}

/** EPSV, the data connection, then the transfer itself @param {Session} session @param {string} mode @param {Buffer} file @param {number} rate */
async function startTransfer(session, mode, file, rate) {
  const { c, host, source } = session;
  const r = await c.cmd('EPSV');
  const m = /\(\|\|\|(\d+)\|\)/.exec(r.text);
  if (r.code !== 229 || !m) throw new Error(`EPSV: ${r.text}`);
  const data = await connect(host, Number(m[1]), source);
  data.on('error', () => {});
  session.data = data;
  session.bytes = 0;
  session.mode = mode;
  await transfer(session, c, data, mode, file, rate);
}

/**
 * @param {Session} session @param {Control} c @param {net.Socket} data @param {string} mode @param {Buffer} file @param {number} rate
 * @returns {Promise<void>} resolves once the transfer is under way (download, upload) or finished (after)
 */
async function transfer(session, c, data, mode, file, rate) {
  if (mode === 'upload') {
    const r = await c.cmd('STOR', file);
    if (r.code !== 150 && r.code !== 125) throw new Error(`STOR: ${r.text}`);
    // write what is owed since the start, a tenth of a second's worth at a time: late timers do not lower the rate
    const chunk = Buffer.alloc(Math.max(1, Math.floor(rate / 10)));
    const t0 = Date.now();
    let t0Up = t0;
    const pump = () => {
      if (data.destroyed) return;
      let owed = (rate * (Date.now() - t0Up)) / 1000 - session.bytes;
      const cap = (rate * CATCH_UP_MS) / 1000 + chunk.length;
      if (owed > cap) {
        // behind: the debt is forgiven beyond a moment's worth, so the rate is never exceeded for long
        t0Up += ((owed - cap) * 1000) / rate;
        owed = cap;
      }
      if (owed <= 0 || data.writableLength >= chunk.length * 4) return;
      const piece = owed >= chunk.length ? chunk : chunk.subarray(0, Math.ceil(owed));
      session.bytes += piece.length;
      data.write(piece);
    };
    session.bytes += chunk.length;
    await new Promise((resolve) => data.write(chunk, resolve));
    const t = setInterval(pump, 50);
    timers.add(t);
    session.stopTransfer = () => {
      clearInterval(t);
      timers.delete(t);
    };
    return;
  }
  if (mode === 'after') {
    const done = new Promise((resolve) => data.on('close', resolve));
    data.on('data', (/** @type {Buffer} */ b) => {
      session.bytes += b.length;
    });
    const r = await c.cmd('RETR', file);
    if (r.code !== 150 && r.code !== 125) throw new Error(`RETR: ${r.text}`);
    await done;
    const r2 = await c.reply();
    if (r2.code !== 226) throw new Error(`after RETR: ${r2.text}`);
    session.data = undefined;
    return;
  }
  // download: read slowly; the socket buffers fill and the server waits for us
  let t0 = 0;
  /** @type {() => void} */
  let first = () => {};
  const firstData = new Promise((/** @type {(v?: unknown) => void} */ resolve) => {
    first = resolve;
  });
  /** @type {NodeJS.Timeout|undefined} */
  let paused;
  data.on('data', (/** @type {Buffer} */ b) => {
    if (session.bytes === 0) {
      t0 = Date.now();
      first();
    }
    session.bytes += b.length;
    let ahead = (session.bytes / rate) * 1000 - (Date.now() - t0);
    if (ahead < -CATCH_UP_MS) {
      // behind (a late timer, a busy machine): never catch up faster than the rate allows
      t0 -= -CATCH_UP_MS - ahead;
      ahead = -CATCH_UP_MS;
    }
    if (ahead > 20) {
      data.pause();
      const t = setTimeout(() => {
        timers.delete(t);
        paused = undefined;
        data.resume();
      }, ahead);
      paused = t;
      timers.add(t);
    }
  });
  session.stopTransfer = () => {
    if (paused !== undefined) clearTimeout(paused);
  };
  const r = await c.cmd('RETR', file);
  if (r.code !== 150 && r.code !== 125) throw new Error(`RETR: ${r.text}`);
  await Promise.race([
    firstData,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no data within 20 s')), 20_000).unref()),
  ]);
}

/** @param {string} name @returns {Session} */
function sessionNamed(name) {
  const s = sessions.get(name);
  if (!s) throw new Error(`no open session named ${name}`);
  return s;
}

/** @param {any} req @returns {Promise<Record<string, unknown>>} */
async function startOp(req) {
  const s = sessionNamed(req.name);
  if (s.data && !s.data.destroyed) throw new Error(`session ${req.name} is transferring already`);
  if (req.mode !== 'download' && req.mode !== 'upload') throw new Error(`transfer mode ${req.mode}`);
  if (typeof req.file !== 'string') throw new Error('transfer needs a file');
  await startTransfer(s, req.mode, Buffer.from(req.file, 'base64'), req.rate ?? 16_384);
  return { startedAt: Date.now() };
}

/** @param {any} req @returns {Promise<Record<string, unknown>>} */
async function closeOp(req) {
  const s = sessionNamed(req.name);
  s.closing = true;
  s.stopTransfer?.();
  const sock = s.c.sock;
  const gone = new Promise((resolve) => (sock.destroyed ? resolve(undefined) : sock.once('close', resolve)));
  if (req.how === 'destroy') {
    s.data?.destroy();
    sock.destroy();
    await gone;
    return { closedAt: Date.now() };
  }
  if (req.how !== 'quit') throw new Error(`close how ${req.how}`);
  // the transfer's end (226/426) comes first, then QUIT's 221; the server closes the connection
  const hadData = s.data !== undefined && !s.data.destroyed;
  s.data?.destroy();
  const replies = [];
  try {
    if (hadData) replies.push((await s.c.reply(10_000)).code);
    s.c.send('QUIT');
    for (;;) {
      const r = await s.c.reply(10_000);
      replies.push(r.code);
      if (r.code === 221) break;
    }
  } catch {
    /* the server closed the connection */
  }
  await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000).unref())]);
  if (!sock.destroyed) sock.destroy();
  return { closedAt: Date.now(), replies };
}

/** @param {any} req @returns {Promise<Record<string, unknown>>} */
async function progressOp(req) {
  const s = sessionNamed(req.name);
  return { bytes: s.bytes, mode: s.mode, at: Date.now() };
}

/** @type {Record<string, (req: any) => Promise<Record<string, unknown>>>} */
const OPS = { transfer: startOp, close: closeOp, progress: progressOp };

/** @param {any} req */
async function answer(req) {
  try {
    const r = await OPS[req.op]?.(req);
    out({ reply: req.id, ok: true, ...r });
  } catch (e) {
    out({ reply: req.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
}

function shutdown() {
  for (const t of timers) clearTimeout(t);
  for (const s of sockets) s.destroy();
  process.exit(0);
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    out({ ok: false, error: `not JSON: ${line}` });
    return;
  }
  if (req.op === 'open') void open(req);
  else if (req.op === 'ping') out({ event: 'pong' });
  else if (Object.hasOwn(OPS, req.op) && req.id !== undefined) void answer(req);
  else out({ ok: false, error: `unknown op ${req.op}`, ...(req.id === undefined ? {} : { reply: req.id }) });
});
rl.on('close', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdout.on('error', shutdown);
