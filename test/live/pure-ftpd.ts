/**
 * Live harness: a real pure-ftpd on 127.0.0.1 with real FTP sessions in
 * known states, for the end-to-end test (pure-ftpd.live.test.ts).
 *
 *   const h = await startPureFtpd();   // as root; needs install-pure-ftpd.sh
 *   h.sessions.aliceIdle.pid ...        // ground truth from `pure-ftpwho -s -H`
 *   await h.stop();                      // idempotent
 *
 * What it does:
 *  - creates two system accounts (ftpsess-alice, ftpsess-bob) if missing,
 *    sets a fresh random password on each (chpasswd), and puts a 2 GiB sparse
 *    `big.bin` and a small `hello.txt` in alice's home;
 *  - starts /usr/sbin/pure-ftpd bound ONLY to 127.0.0.1 on a free high port
 *    (`-l unix`, passive ports in a small high range, `-T/-t` throttles,
 *    `-I 60`, `-H`), in the foreground, and records its pid;
 *  - opens four sessions: alice logged in and idle, alice downloading big.bin
 *    with `curl --limit-rate 20k` (a child process), bob logged in and idle,
 *    and a connection that only read the banner (pre-login). The idle and
 *    pre-login sessions are real FTP conversations over sockets held by this
 *    process (no extra client program needed);
 *  - polls `pure-ftpwho -s -H` until exactly those four sessions are listed
 *    for our port, with a deadline, and exposes their pids and open times.
 *
 * Processes are only ever signalled by the pids this module started (server,
 * curl) or found as descendants of that server, each checked against its
 * recorded start time so a recycled pid is never hit; never by name. The
 * pids are also recorded under /run/ftpsessions-live/ so a later run can
 * reap what a crashed run (e.g. a SIGKILLed test worker) left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { chown, stat, truncate, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';

export const PURE_FTPD = '/usr/sbin/pure-ftpd';
export const PURE_FTPWHO = '/usr/sbin/pure-ftpwho';
const STATE_DIR = '/run/ftpsessions-live';
const HOST = '127.0.0.1';
const BIG_SIZE = 2 * 1024 ** 3;

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  password: string;
}

/** One line of `pure-ftpwho -s -H`. */
export interface WhoRow {
  pid: number;
  account: string; // '?' before login
  time: number; // seconds since the connection was accepted
  state: string; // 'IDLE' | 'DL' | 'UL' | 'ERR!' (trimmed)
  file: string;
  peer: string;
  local: string;
  port: number;
  raw: string;
}

export type SessionName = 'aliceIdle' | 'aliceDownload' | 'bobIdle' | 'prelogin';

export interface Session {
  name: SessionName;
  /** FTP login name, '?' for the pre-login connection */
  account: string;
  /** expected pure-ftpwho state */
  state: 'IDLE' | 'DL';
  /** expected pure-ftpwho file */
  file: string;
  /** when the TCP connection was opened (ms since epoch) */
  openedAt: number;
  /** session process pid, from pure-ftpwho (filled once the session is visible) */
  pid: number;
}

export interface Harness {
  port: number;
  serverPid: number;
  accounts: { alice: Account; bob: Account };
  sessions: Record<SessionName, Session>;
  /** current `pure-ftpwho -s -H` rows of this server (filtered by our port) */
  who(): Promise<WhoRow[]>;
  /** pids of the server and all its descendants right now */
  serverTree(): number[];
  /** is something listening on 127.0.0.1:port */
  listening(): boolean;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  log?: (msg: string) => void;
  /** deadline for all four sessions to show up in pure-ftpwho */
  readyTimeoutMs?: number;
  aliceName?: string;
  bobName?: string;
}

// ---------------------------------------------------------------------------
// small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  starttime: string;
}

function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and ')': parse after the LAST ')'
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] = state (field 3), f[1] = ppid (4), f[19] = starttime (22)
  return { pid, state: f[0] ?? '?', ppid: Number(f[1]), starttime: f[19] ?? '' };
}

/** alive, not a zombie, and still the process we recorded */
function aliveSame(pid: number, starttime: string): boolean {
  const st = procStat(pid);
  return st !== undefined && st.starttime === starttime && st.state !== 'Z' && st.state !== 'X';
}

function allProcs(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (st) out.push(st);
  }
  return out;
}

function descendants(root: number): ProcStat[] {
  const procs = allProcs();
  const byParent = new Map<number, ProcStat[]>();
  for (const p of procs) {
    const l = byParent.get(p.ppid) ?? [];
    l.push(p);
    byParent.set(p.ppid, l);
  }
  const out: ProcStat[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** LISTEN sockets on 127.0.0.1:port (reads /proc/net/tcp, no ss needed) */
function isListening(port: number): boolean {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    return readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .some((l) => {
        const f = l.trim().split(/\s+/);
        return f[1] === want && f[3] === '0A';
      });
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: HOST, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function pickPort(lo: number, hi: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = randomInt(lo, hi + 1);
    if (await portFree(p)) return p;
  }
  throw new Error(`no free port in ${lo}-${hi}`);
}

/** split a `pure-ftpwho -s` line on unescaped '|' and unescape `\x` */
export function parseWhoLine(line: string): WhoRow | undefined {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
    } else if (c === '|') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  if (fields.length < 8 || !/^\d+$/.test(fields[0]!)) return undefined;
  return {
    pid: Number(fields[0]),
    account: fields[1]!,
    time: Number(fields[2]),
    state: fields[3]!.trim(),
    file: fields[4]!,
    peer: fields[5]!,
    local: fields[6]!,
    port: Number(fields[7]),
    raw: line,
  };
}

export async function pureFtpwho(port?: number): Promise<WhoRow[]> {
  const r = await execa(PURE_FTPWHO, ['-s', '-H'], { reject: false, timeout: 10_000, env: { LC_ALL: 'C' }, extendEnv: false });
  if (r.exitCode !== 0) throw new Error(`pure-ftpwho -s -H failed (${r.exitCode}): ${r.stdout} ${r.stderr}`);
  const rows = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map(parseWhoLine)
    .filter((x): x is WhoRow => x !== undefined);
  return port === undefined ? rows : rows.filter((w) => w.port === port && w.local === HOST);
}

// ---------------------------------------------------------------------------
// accounts

async function ensureAccount(name: string, log: (m: string) => void): Promise<Account> {
  const exists = (await execa('id', ['-u', name], { reject: false })).exitCode === 0;
  // pure-ftpd (-l unix) refuses accounts whose shell is not listed in /etc/shells
  // ("530 Login authentication failed" for /usr/sbin/nologin): use /bin/sh.
  if (!exists) {
    await execa('useradd', ['--create-home', '--shell', '/bin/sh', '--comment', 'ftpsessions live test', name]);
    log(`created account ${name}`);
  }
  let ent = (await execa('getent', ['passwd', name])).stdout.trim().split(':');
  const shells = readFileSync('/etc/shells', 'utf8').split('\n').map((l) => l.trim());
  if (!shells.includes(ent[6] ?? '')) {
    await execa('usermod', ['--shell', '/bin/sh', name]);
    log(`set the shell of ${name} to /bin/sh (pure-ftpd wants a shell from /etc/shells)`);
    ent = (await execa('getent', ['passwd', name])).stdout.trim().split(':');
  }
  const uid = Number(ent[2]);
  const gid = Number(ent[3]);
  const home = ent[5] ?? '';
  if (!home || !existsSync(home)) {
    mkdirSync(home || `/home/${name}`, { recursive: true, mode: 0o755 });
    await chown(home, uid, gid);
  }
  // a fresh random password per run (nobody needs to know it afterwards)
  const password = randomBytes(12).toString('hex');
  await execa('chpasswd', [], { input: `${name}:${password}\n` });
  return { name, uid, gid, home, password };
}

async function ensureFiles(alice: Account): Promise<void> {
  const big = path.join(alice.home, 'big.bin');
  const st = await stat(big).catch(() => undefined);
  if (!st || st.size !== BIG_SIZE) {
    await writeFile(big, '');
    await truncate(big, BIG_SIZE); // sparse: no disk used
  }
  await chown(big, alice.uid, alice.gid);
  const small = path.join(alice.home, 'hello.txt');
  await writeFile(small, 'hello from the ftpsessions live test\n');
  await chown(small, alice.uid, alice.gid);
}

// ---------------------------------------------------------------------------
// a minimal FTP control connection (real FTP conversation over TCP)

interface Reply {
  code: number;
  text: string;
}

class FtpControl {
  private buf = '';
  private waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private error: Error | undefined;
  openedAt = 0;

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.pump();
    });
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('control connection closed')));
  }

  static connect(port: number): Promise<FtpControl> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: HOST, port, localAddress: HOST });
      const c = new FtpControl(sock);
      sock.once('connect', () => {
        c.openedAt = Date.now();
        resolve(c);
      });
      sock.once('error', reject);
    });
  }

  private fail(e: Error) {
    this.error ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private pump() {
    while (this.waiters.length) {
      const r = this.parse();
      if (!r) return;
      this.waiters.shift()!.resolve(r);
    }
  }

  /** take one complete (possibly multi-line) reply off the buffer */
  private parse(): Reply | undefined {
    let pos = 0;
    let code = '';
    const lines: string[] = [];
    for (;;) {
      const nl = this.buf.indexOf('\n', pos);
      if (nl < 0) return undefined;
      const line = this.buf.slice(pos, nl).replace(/\r$/, '');
      pos = nl + 1;
      lines.push(line);
      if (!code) {
        code = line.slice(0, 3);
        if (line[3] !== '-') break;
      } else if (line.startsWith(`${code} `)) break;
    }
    this.buf = this.buf.slice(pos);
    return { code: Number(code), text: lines.join('\n') };
  }

  reply(timeoutMs = 15_000): Promise<Reply> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<Reply>((resolve, reject) => {
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

  async cmd(line: string): Promise<Reply> {
    this.sock.write(`${line}\r\n`, 'latin1');
    return this.reply();
  }

  async login(user: string, password: string): Promise<void> {
    let r = await this.cmd(`USER ${user}`);
    if (r.code === 331) r = await this.cmd(`PASS ${password}`);
    if (r.code !== 230) throw new Error(`FTP login as ${user} failed: ${r.text}`);
  }

  close(): void {
    this.sock.destroy();
  }
}

// ---------------------------------------------------------------------------
// pid records (so a later run can reap what a crashed run left behind)

interface PidRecord {
  pid: number;
  starttime: string;
  name: string;
}

function ownerRecord(): PidRecord {
  return { pid: process.pid, starttime: procStat(process.pid)?.starttime ?? '', name: 'owner' };
}

function writeRecords(file: string, recs: PidRecord[]): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify(recs) + '\n');
}

/** kill processes recorded by earlier runs whose owner (the test process) is gone */
function reapStale(log: (m: string) => void): void {
  let files: string[];
  try {
    files = readdirSync(STATE_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return;
  }
  for (const f of files) {
    const file = path.join(STATE_DIR, f);
    let recs: PidRecord[];
    try {
      recs = JSON.parse(readFileSync(file, 'utf8')) as PidRecord[];
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    const owner = recs.find((r) => r.name === 'owner');
    if (owner && aliveSame(owner.pid, owner.starttime)) continue; // a live run: not ours to touch
    for (const r of recs) {
      if (r.name === 'owner' || !aliveSame(r.pid, r.starttime)) continue;
      // a server's sessions (and their PRIV helpers) first, while they are still its descendants
      const kids = r.name === 'server' ? descendants(r.pid) : [];
      log(`reaping leftover ${r.name} pid ${r.pid} (+${kids.length} descendants) from an earlier run`);
      signal(r.pid, 'SIGKILL');
      for (const k of kids) if (aliveSame(k.pid, k.starttime)) signal(k.pid, 'SIGKILL');
    }
    rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------

export async function startPureFtpd(opts: HarnessOptions = {}): Promise<Harness> {
  const log = opts.log ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  if (process.getuid?.() !== 0) throw new Error('the pure-ftpd harness must run as root');
  for (const b of [PURE_FTPD, PURE_FTPWHO]) {
    if (!existsSync(b)) throw new Error(`${b} is missing: run test/live/install-pure-ftpd.sh`);
  }
  reapStale(log);

  const alice = await ensureAccount(opts.aliceName ?? 'ftpsess-alice', log);
  const bob = await ensureAccount(opts.bobName ?? 'ftpsess-bob', log);
  await ensureFiles(alice);
  mkdirSync('/var/run/pure-ftpd', { recursive: true }); // the scoreboard

  const port = await pickPort(21000, 26999);
  const pasvLo = 27000 + randomInt(0, 60) * 50;
  const pasvHi = pasvLo + 49;
  const recFile = path.join(STATE_DIR, `pure-ftpd-${port}.json`);
  const records: PidRecord[] = [ownerRecord()];

  // state shared with stop()
  const controls: FtpControl[] = [];
  let server: ChildProcess | undefined;
  let serverRec: PidRecord | undefined;
  let serverStderr = '';
  let stopping: Promise<void> | undefined;

  const record = (child: ChildProcess, name: string): PidRecord => {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${name}`);
    const rec = { pid, starttime: procStat(pid)?.starttime ?? '', name };
    records.push(rec);
    writeRecords(recFile, records);
    return rec;
  };

  const exitHook = () => {
    // last resort if the test process exits without calling stop()
    for (const r of records) if (r.name !== 'owner' && aliveSame(r.pid, r.starttime)) signal(r.pid, 'SIGKILL');
  };
  process.once('exit', exitHook);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', exitHook);
      // 1. clients: our sockets, then curl
      for (const c of controls) c.close();
      for (const r of records) {
        if (r.name.startsWith('client') && aliveSame(r.pid, r.starttime)) signal(r.pid, 'SIGTERM');
      }
      // 2. the server's descendants (session processes and their PRIV helpers), taken
      //    BEFORE the server dies (afterwards they are re-parented and harder to find)
      const tree: PidRecord[] = serverRec ? descendants(serverRec.pid).map((p) => ({ pid: p.pid, starttime: p.starttime, name: 'session' })) : [];
      if (serverRec && aliveSame(serverRec.pid, serverRec.starttime)) signal(serverRec.pid, 'SIGTERM');
      // 3. sessions whose client is gone end by themselves; give them a moment
      const all = [...records.filter((r) => r.name !== 'owner'), ...tree];
      const waitGone = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until && all.some((r) => aliveSame(r.pid, r.starttime))) await sleep(50);
      };
      await waitGone(1500);
      for (const r of all) if (aliveSame(r.pid, r.starttime)) signal(r.pid, 'SIGTERM');
      await waitGone(1500);
      for (const r of all) {
        if (aliveSame(r.pid, r.starttime)) {
          log(`SIGKILL ${r.name} pid ${r.pid}`);
          signal(r.pid, 'SIGKILL');
        }
      }
      await waitGone(2000);
      const left = all.filter((r) => aliveSame(r.pid, r.starttime));
      if (left.length === 0) rmSync(recFile, { force: true });
      else log(`still alive after stop: ${left.map((r) => `${r.name}:${r.pid}`).join(' ')}`);
      log('stopped');
    })();
    return stopping;
  };

  try {
    // ---- server -------------------------------------------------------------
    const args = [
      '-S', `${HOST},${port}`, // bind 127.0.0.1 only
      '-l', 'unix', // system accounts (/etc/shadow)
      '-E', // no anonymous logins
      '-A', // chroot everyone
      '-H', // do not resolve host names
      '-f', 'none', // no syslog
      '-I', '60', // idle timeout: 60 min
      '-c', '50',
      '-C', '20',
      '-T', '64', // user bandwidth KB/s
      '-t', '32', // anonymous bandwidth KB/s
      '-p', `${pasvLo}:${pasvHi}`, // passive ports (bound on the control connection's address: loopback)
    ];
    server = spawn(PURE_FTPD, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
    });
    server.stderr?.setEncoding('utf8');
    server.stderr?.on('data', (d: string) => {
      serverStderr += d;
    });
    server.on('error', () => {});
    serverRec = record(server, 'server');
    log(`pure-ftpd pid ${serverRec.pid} on ${HOST}:${port} (passive ${pasvLo}-${pasvHi})`);
    {
      const until = Date.now() + 10_000;
      while (!isListening(port)) {
        if (server.exitCode !== null || Date.now() > until) {
          throw new Error(`pure-ftpd did not start listening on ${HOST}:${port} (exit ${server.exitCode}): ${serverStderr}`);
        }
        await sleep(50);
      }
    }

    // ---- sessions -------------------------------------------------------------
    const sessions: Record<SessionName, Session> = {
      aliceIdle: { name: 'aliceIdle', account: alice.name, state: 'IDLE', file: '', openedAt: 0, pid: 0 },
      aliceDownload: { name: 'aliceDownload', account: alice.name, state: 'DL', file: 'big.bin', openedAt: 0, pid: 0 },
      bobIdle: { name: 'bobIdle', account: bob.name, state: 'IDLE', file: '', openedAt: 0, pid: 0 },
      prelogin: { name: 'prelogin', account: '?', state: 'IDLE', file: '', openedAt: 0, pid: 0 },
    };

    const openLoggedIn = async (s: Session, acc: Account) => {
      const c = await FtpControl.connect(port);
      controls.push(c);
      s.openedAt = c.openedAt;
      const banner = await c.reply();
      if (banner.code !== 220) throw new Error(`unexpected banner: ${banner.text}`);
      await c.login(acc.name, acc.password);
      await c.cmd('TYPE I');
    };

    // (1) alice, logged in, idle
    await openLoggedIn(sessions.aliceIdle, alice);
    // (2) alice, throttled download of big.bin with curl (password via stdin config, not argv)
    sessions.aliceDownload.openedAt = Date.now();
    const curl = spawn(
      'curl',
      ['-q', '-sS', '--noproxy', '*', '--limit-rate', '20k', '--max-time', '900', '-K', '-', '-o', '/dev/null', `ftp://${HOST}:${port}/big.bin`],
      { stdio: ['pipe', 'ignore', 'pipe'], env: { PATH: '/usr/bin:/bin', LANG: 'C' } },
    );
    curl.on('error', () => {});
    curl.stdin?.end(`user = "${alice.name}:${alice.password}"\n`);
    let curlStderr = '';
    curl.stderr?.setEncoding('utf8');
    curl.stderr?.on('data', (d: string) => {
      curlStderr += d;
    });
    record(curl, 'client-curl');
    // (3) bob, logged in, idle
    await openLoggedIn(sessions.bobIdle, bob);
    // (4) connected, banner read, never logs in
    {
      const c = await FtpControl.connect(port);
      controls.push(c);
      sessions.prelogin.openedAt = c.openedAt;
      await c.reply();
    }

    // ---- wait until pure-ftpwho shows exactly these four -------------------
    const until = Date.now() + readyTimeoutMs;
    let rows: WhoRow[] = [];
    for (;;) {
      rows = await pureFtpwho(port);
      const pick = (acc: string, state: string, file: string) => rows.filter((r) => r.account === acc && r.state === state && r.file === file);
      const m = (Object.values(sessions) as Session[]).map((s) => pick(s.account, s.state, s.file));
      if (rows.length === 4 && m.every((x) => x.length === 1)) {
        (Object.values(sessions) as Session[]).forEach((s, i) => {
          s.pid = m[i]![0]!.pid;
        });
        break;
      }
      if (curl.exitCode !== null) throw new Error(`curl exited early (${curl.exitCode}): ${curlStderr}`);
      if (Date.now() > until) {
        throw new Error(`sessions not ready after ${readyTimeoutMs} ms; pure-ftpwho -s -H:\n${rows.map((r) => r.raw).join('\n')}`);
      }
      await sleep(100);
    }
    log(
      `sessions ready: ${(Object.values(sessions) as Session[]).map((s) => `${s.name}=${s.pid}`).join(' ')}`,
    );

    return {
      port,
      serverPid: serverRec.pid,
      accounts: { alice, bob },
      sessions,
      who: () => pureFtpwho(port),
      serverTree: () => (serverRec ? [serverRec.pid, ...descendants(serverRec.pid).map((p) => p.pid)] : []),
      listening: () => isListening(port),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
