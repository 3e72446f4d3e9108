/**
 * The FTP lab: real pure-ftpd, ProFTPD and vsftpd servers on loopback with
 * real client sessions in every state, and the ground truth of each session,
 * for lab.live.test.ts (and, on request, fixture captures).
 *
 *   const world = await openWorld({ log });          // accounts, files, network namespace, client agent host
 *   const lab = await startLab(world, 'proftpd');    // the daemon + its sessions, verified against the daemon's own view
 *   lab.sessions ...                                  // ground truth (pids from ss -tnp)
 *   await lab.stop(); await world.close();           // idempotent; by recorded pid + start time only
 *
 * Set-up (idempotent, reused between runs): system accounts ftpsess-alice,
 * ftpsess-bob (shell /bin/sh), ftpsess-virt (owns the virtual user's files),
 * `ftp` (anonymous; created with home /srv/ftpsessions-lab/anon if missing);
 * the virtual user carol@example.com (pure-ftpd: puredb; ProFTPD:
 * AuthUserFile; both with a SHA-512 crypt hash, so a login costs
 * milliseconds, not the seconds of pure-pw's default hash). Passwords are
 * fresh and random on every run. Files are sparse (no disk used).
 *
 * Network: everything runs in a network namespace of its own (`ip netns add
 * ftpsess-lab-<pid>`, only `lo`), when this machine can make one; else in the
 * host namespace. Either way the servers bind only 127.0.0.1 and ::1 (vsftpd
 * without titles also ::ffff:127.0.0.1, an IPv4-mapped loopback address).
 * The FTP clients are one agent process (ftp-agent.mjs) inside that
 * namespace; the CLI under test runs in the host namespace and must find the
 * sessions' sockets through /proc/PID/net.
 *
 * Every process the lab starts is recorded (pid + start time) under
 * /run/ftpsessions-live/, so that stop() -- and a later run, if this one was
 * killed -- signals exactly those and their descendants, never by name.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  Records,
  STATE_DIR,
  aliveSame,
  createNetns,
  descendants,
  fdLinks,
  netnsPids,
  procStat,
  reapStale,
  removeNetns,
  signal,
  sleep,
  title,
  type PidRecord,
} from './lab-proc.js';
import { DAEMON_INFO, startDaemon, daemonView, agreesWithDaemon, type DaemonId, type DaemonRun, type DaemonView } from './lab-daemons.js';

export { DAEMON_INFO, type DaemonId, type DaemonView } from './lab-daemons.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
const AGENT = path.join(here, 'ftp-agent.mjs');
export const LAB_SRV = '/srv/ftpsessions-lab';

export type Status = 'IDLE' | 'DL' | 'UL';
export type AccountKey = 'alice' | 'bob' | 'virt' | 'anon';

export interface Account {
  key: AccountKey;
  name: string;
  uid: number;
  gid: number;
  group: string;
  home: string;
  /** FTP password ('' for the anonymous account) */
  password: string;
}

export const VIRTUAL_LOGIN = 'carol@example.com';
export const ANON_PASSWORD = 'guest@example.com';
export const LONG_NAME = `long-${'L'.repeat(241)}.bin`; // 250 bytes
export const TRICKY = {
  'name-spaces': 'file with spaces.bin',
  'name-pipe': 'pipe|name.bin',
  'name-quotes': `quote"s and 'apostrophes'.bin`,
  'name-utf8': 'naïve résumé.txt',
  'name-long': LONG_NAME,
} as const;

export type ScenarioId =
  | 'idle'
  | 'prelogin'
  | 'prelogin-user'
  | 'download'
  | 'upload'
  | 'anonymous'
  | 'ipv6'
  | 'after-transfer'
  | keyof typeof TRICKY
  | 'virtual'
  | 'second-account'
  | 'mapped-v4';

export interface World {
  netns: string | undefined;
  accounts: Record<AccountKey, Account>;
  virtual: { login: string; password: string; home: string; hash: string };
  records: Records;
  log: (m: string) => void;
  /** argv run inside the lab's network namespace (as is without one) */
  nsArgv(argv: string[]): string[];
  /** a free port for a server (any port in a namespace of our own) */
  port(kind: 'control' | 'passive', forDaemon: DaemonId): number;
  close(): Promise<void>;
}

/** The ground truth of one client session. */
export interface SessionTruth {
  scenario: ScenarioId;
  /** the account the session belongs to (undefined: not logged in) */
  account: AccountKey | undefined;
  /** the FTP login name the daemons report (anonymous: 'ftp'); undefined before login */
  login: string | undefined;
  /** what the client typed as USER */
  typed: string | undefined;
  /** client address, numeric, as the CLI must show it */
  host: string;
  status: Status;
  /** the RETR/STOR argument exactly as sent; '' when idle */
  file: string;
  /** the file's absolute path on this machine during a transfer */
  path: string | undefined;
  /** when the client's connect() returned (ms) */
  connectedAt: number;
  /** when the 230 came (ms) */
  loggedInAt: number | undefined;
  /** the session process (pure-ftpd: not its PRIV child; vsftpd: the child, not the privileged parent) */
  pid: number;
  /** every server process holding the control connection (ss -tnp) */
  holders: number[];
  /** the session process's start time (ms), from /proc/PID/stat */
  processStart: number;
  clientPort: number;
  /** the server address the client connected to */
  server: string;
}

export interface Lab {
  daemon: DaemonId;
  run: DaemonRun;
  world: World;
  sessions: SessionTruth[];
  /** logged-in sessions of an account */
  of(key: AccountKey): SessionTruth[];
  byScenario(id: ScenarioId): SessionTruth;
  /** the daemon's own view right now (titles, pure-ftpwho, ftpwho) */
  view(): Promise<DaemonView>;
  /** every session still in its state, by the daemon's own view; throws otherwise */
  verify(): Promise<DaemonView>;
  /** may `account` read the /proc/PID/fd of its own session processes? */
  fdReadable: Partial<Record<AccountKey, boolean>>;
  /** pids of the masters and all their descendants right now */
  tree(): number[];
  listening(): boolean;
  stop(): Promise<void>;
  timings: { startMs: number; sessionsMs: number };
}

// ---------------------------------------------------------------------------
// world: accounts, files, namespace

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function passwd(name: string): string[] | undefined {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(':') : undefined;
}

function groupName(gid: number): string {
  const r = spawnSync('getent', ['group', String(gid)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(':')[0]! : String(gid);
}

function ensureAccount(
  key: AccountKey,
  name: string,
  opts: { home: string; shell: string; system?: boolean; createHome: boolean },
  log: (m: string) => void,
): Account {
  let ent = passwd(name);
  if (!ent) {
    run('useradd', [
      ...(opts.system ? ['--system'] : []),
      opts.createHome ? '--create-home' : '--no-create-home',
      '--home-dir', opts.home,
      '--shell', opts.shell,
      '--comment', 'ftpsessions lab',
      name,
    ]);
    log(`created account ${name}`);
    ent = passwd(name)!;
  }
  // pure-ftpd (-l unix) refuses accounts whose shell is not in /etc/shells
  const shells = readFileSync('/etc/shells', 'utf8').split('\n').map((l) => l.trim());
  if (opts.shell === '/bin/sh' && !shells.includes(ent[6] ?? '')) {
    run('usermod', ['--shell', '/bin/sh', name]);
    ent = passwd(name)!;
  }
  const uid = Number(ent[2]);
  const gid = Number(ent[3]);
  return { key, name, uid, gid, group: groupName(gid), home: ent[5]!, password: '' };
}

function sparse(file: string, size: number, owner: Account, mode = 0o644): void {
  let cur = -1;
  try {
    cur = statSync(file).size;
  } catch {
    writeFileSync(file, '');
  }
  if (cur !== size) truncateSync(file, size);
  chownSync(file, owner.uid, owner.gid);
  chmodSync(file, mode);
}

function dir(p: string, owner: { uid: number; gid: number }, mode = 0o755): void {
  mkdirSync(p, { recursive: true });
  chownSync(p, owner.uid, owner.gid);
  chmodSync(p, mode);
}

const GiB = 1024 ** 3;
const ROOT_OWNER = { uid: 0, gid: 0 };

function ensureFiles(a: Record<AccountKey, Account>, virtualHome: string): void {
  const { alice, bob, virt, anon } = a;
  // alice: the transfers
  if (!existsSync(alice.home)) dir(alice.home, alice, 0o755);
  sparse(path.join(alice.home, 'big.bin'), 2 * GiB, alice);
  const small = path.join(alice.home, 'small.txt');
  writeFileSync(small, 'x'.repeat(4096));
  chownSync(small, alice.uid, alice.gid);
  for (const name of Object.values(TRICKY)) sparse(path.join(alice.home, name), GiB, alice);
  const incoming = path.join(alice.home, 'incoming');
  rmSync(incoming, { recursive: true, force: true }); // uploads of earlier runs
  dir(incoming, alice);
  if (!existsSync(bob.home)) dir(bob.home, bob, 0o755);
  // the virtual user's files, owned by ftpsess-virt
  dir(LAB_SRV, ROOT_OWNER);
  dir(virt.home, virt);
  dir(virtualHome, virt);
  sparse(path.join(virtualHome, 'big.bin'), 2 * GiB, virt);
  // anonymous: root-owned, world-readable
  if (!existsSync(anon.home)) dir(anon.home, ROOT_OWNER);
  dir(path.join(anon.home, 'pub'), ROOT_OWNER);
  sparse(path.join(anon.home, 'pub', 'anon big.iso'), 2 * GiB, { ...anon, uid: 0, gid: 0 } as Account);
}

/** SHA-512 crypt(3) hash (perl-base is essential on Debian: no extra package) */
function cryptSha512(password: string): string {
  const salt = randomBytes(12).toString('base64').replace(/[^A-Za-z0-9./]/g, '.').slice(0, 16);
  // `--`: a password may begin with `-` (perl would read it as its own switch)
  return run('perl', ['-e', 'print crypt($ARGV[0], "\\$6\\$" . $ARGV[1] . "\\$")', '--', password, salt]).trim();
}

export interface WorldOptions {
  log?: (m: string) => void;
  /** do not make a network namespace even where possible */
  hostNamespace?: boolean;
  /** how long to wait for another lab run on this machine to finish */
  lockWaitMs?: number;
}

const LOCK = `${STATE_DIR}/lab.lock`;

async function lock(waitMs: number, log: (m: string) => void): Promise<void> {
  const me = { pid: process.pid, starttime: procStat(process.pid)?.starttime ?? '' };
  const until = Date.now() + waitMs;
  let told = false;
  mkdirSync(STATE_DIR, { recursive: true });
  for (;;) {
    try {
      writeFileSync(LOCK, JSON.stringify(me), { flag: 'wx' });
      process.once('exit', unlock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: { pid: number; starttime: string } | undefined;
    try {
      owner = JSON.parse(readFileSync(LOCK, 'utf8'));
    } catch {
      owner = undefined;
    }
    if (!owner || !aliveSame(owner.pid, owner.starttime)) {
      rmSync(LOCK, { force: true }); // its owner is gone
      continue;
    }
    if (owner.pid === process.pid) return;
    if (Date.now() > until) throw new Error(`another FTP lab run (pid ${owner.pid}) still holds ${LOCK}`);
    if (!told) log(`waiting for another FTP lab run (pid ${owner.pid}) to finish`);
    told = true;
    await sleep(500);
  }
}

function unlock(): void {
  try {
    const owner = JSON.parse(readFileSync(LOCK, 'utf8')) as { pid: number };
    if (owner.pid === process.pid) rmSync(LOCK, { force: true });
  } catch {
    /* not ours or gone */
  }
}

export async function openWorld(opts: WorldOptions = {}): Promise<World> {
  const log = opts.log ?? (() => {});
  if (process.getuid?.() !== 0) throw new Error('the lab must run as root');
  // one lab at a time on a machine: a second one would change the accounts' passwords under the first
  await lock(opts.lockWaitMs ?? 240_000, log);
  await reapStale(log);
  const records = new Records('lab');
  records.save();

  const accounts: Record<AccountKey, Account> = {
    alice: ensureAccount('alice', 'ftpsess-alice', { home: '/home/ftpsess-alice', shell: '/bin/sh', createHome: true }, log),
    bob: ensureAccount('bob', 'ftpsess-bob', { home: '/home/ftpsess-bob', shell: '/bin/sh', createHome: true }, log),
    virt: ensureAccount('virt', 'ftpsess-virt', { home: `${LAB_SRV}/virt`, shell: '/usr/sbin/nologin', createHome: false }, log),
    anon: ensureAccount('anon', 'ftp', { home: `${LAB_SRV}/anon`, shell: '/usr/sbin/nologin', system: true, createHome: false }, log),
  };
  const virtualHome = path.join(accounts.virt.home, 'carol');
  ensureFiles(accounts, virtualHome);
  // fresh passwords on every run (one chpasswd for both)
  for (const k of ['alice', 'bob'] as const) accounts[k].password = randomBytes(9).toString('base64url');
  run('chpasswd', [], `${accounts.alice.name}:${accounts.alice.password}\n${accounts.bob.name}:${accounts.bob.password}\n`);
  accounts.anon.password = ANON_PASSWORD;
  const vpass = randomBytes(9).toString('base64url');
  const virtual = { login: VIRTUAL_LOGIN, password: vpass, home: virtualHome, hash: cryptSha512(vpass) };

  const netns = opts.hostNamespace ? undefined : createNetns(`ftpsess-lab-${process.pid}`, log);
  if (netns) {
    records.state.netns = netns;
    records.save();
    log(`network namespace ${netns}`);
  }

  // ports: in a namespace of our own every port is free; in the host namespace pick free ones
  const fixed: Record<DaemonId, number> = { 'pure-ftpd': 2121, proftpd: 2122, vsftpd: 2123, 'vsftpd-notitle': 2124 };
  const used = new Set<number>();
  const hostPort = (lo: number, hi: number, width: number): number => {
    const inUse = portsInUse();
    for (let i = 0; i < 200; i++) {
      const p = lo + Math.floor(Math.random() * (hi - lo - width));
      let ok = true;
      for (let q = p; q < p + width && ok; q++) if (used.has(q) || inUse.has(q)) ok = false;
      if (ok) {
        for (let q = p; q < p + width; q++) used.add(q);
        return p;
      }
    }
    throw new Error(`no free port range in ${lo}-${hi}`);
  };
  const port = (kind: 'control' | 'passive', d: DaemonId): number => {
    if (netns) return kind === 'control' ? fixed[d] : 30000 + (fixed[d] - 2121) * 100;
    return kind === 'control' ? hostPort(21000, 26999, 1) : hostPort(27000, 32000, 100);
  };

  let closed = false;
  const world: World = {
    netns,
    accounts,
    virtual,
    records,
    log,
    nsArgv: (argv) => (netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv),
    port,
    close: async () => {
      if (closed) return;
      closed = true;
      if (netns) {
        // processes that have just been killed may take a moment to leave the namespace
        const until = Date.now() + 5000;
        while (netnsPids(netns).length > 0 && Date.now() < until) await sleep(100);
        if (!removeNetns(netns, log)) {
          unlock(); // the record stays: the next run reaps the namespace
          return;
        }
      }
      const left = records.state.records.filter((r) => aliveSame(r.pid, r.starttime));
      if (left.length === 0) records.remove();
      unlock();
    },
  };
  return world;
}

/** the local ports of every TCP socket (listening or not) in the host namespace */
function portsInUse(): Set<number> {
  const ports = new Set<number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const l of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const local = l.trim().split(/\s+/)[1];
        if (local) ports.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
      }
    } catch {
      /* no IPv6 */
    }
  }
  return ports;
}

// ---------------------------------------------------------------------------
// the client agent

export interface OpenRequest {
  name: string;
  host: string;
  port: number;
  source?: string;
  mode: 'connect' | 'user' | 'idle' | 'download' | 'upload' | 'after';
  user?: string;
  pass?: string;
  file?: string;
  rate?: number;
}

export interface OpenResult {
  name: string;
  ok: boolean;
  error?: string;
  connectedAt: number;
  loggedInAt?: number;
  local: { address: string; port: number };
  transcript: string[];
}

/** an answer of the agent to a transfer, close or progress op */
export interface AgentReply {
  reply: number;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/**
 * The FTP client agent (ftp-agent.mjs), in the lab's namespace. The lab has
 * one of its own for its scenarios; tests that open, transfer through and
 * close sessions of their own take another one (`openAgent`), so that the
 * lab's `verify()` keeps watching only the lab's sessions.
 */
export class Agent {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (r: OpenResult) => void>();
  private readonly replies = new Map<number, (r: AgentReply) => void>();
  private nextId = 1;
  private stderr = '';
  readonly lost: string[] = [];
  readonly rec: PidRecord;

  constructor(world: World, tag: string) {
    const argv = world.nsArgv([process.execPath, AGENT]);
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
    this.child.on('error', () => {});
    if (this.child.pid === undefined) throw new Error('cannot start the FTP client agent');
    this.rec = world.records.add(this.child.pid, `client-agent-${tag}`);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      this.stderr += d;
    });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let msg: OpenResult & { event?: string; what?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      const reply = (msg as unknown as { reply?: number }).reply;
      if (reply !== undefined) this.replies.get(reply)?.(msg as unknown as AgentReply);
      else if (msg.event === 'lost') this.lost.push(`${msg.name}: ${msg.what}`);
      else if (msg.name !== undefined) this.waiting.get(msg.name)?.(msg);
    });
  }

  open(req: OpenRequest): Promise<OpenResult> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`client ${req.name}: no answer from the agent in 30 s; agent stderr: ${this.stderr}`)), 30_000);
      this.waiting.set(req.name, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.child.stdin!.write(`${JSON.stringify({ op: 'open', ...req })}\n`);
    });
  }

  /** send an op with an id and wait for its answer; throws on {"ok":false} */
  private async op(op: string, fields: Record<string, unknown>, timeoutMs = 30_000): Promise<AgentReply> {
    const id = this.nextId++;
    const r = await new Promise<AgentReply>((resolve, reject) => {
      const t = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error(`agent op ${op} ${JSON.stringify(fields)}: no answer in ${timeoutMs} ms; agent stderr: ${this.stderr}`));
      }, timeoutMs);
      this.replies.set(id, (m) => {
        clearTimeout(t);
        this.replies.delete(id);
        resolve(m);
      });
      this.child.stdin!.write(`${JSON.stringify({ op, id, ...fields })}\n`);
    });
    if (!r.ok) throw new Error(`agent op ${op} ${JSON.stringify(fields)}: ${r.error}`);
    return r;
  }

  /** start a throttled download or upload on the logged-in, idle session `name` */
  async transfer(name: string, mode: 'download' | 'upload', file: string, rate: number): Promise<{ startedAt: number }> {
    const r = await this.op('transfer', { name, mode, file: Buffer.from(file, 'utf8').toString('base64'), rate });
    return { startedAt: Number(r.startedAt) };
  }

  /** end session `name`: 'quit' (data connection dropped, QUIT, the server closes) or 'destroy' (both sockets dropped) */
  async end(name: string, how: 'quit' | 'destroy'): Promise<{ closedAt: number; replies?: number[] }> {
    const r = await this.op('close', { name, how });
    return { closedAt: Number(r.closedAt), ...(Array.isArray(r.replies) ? { replies: r.replies as number[] } : {}) };
  }

  /** bytes the client has received (download) or sent (upload) on the session's current transfer */
  async progress(name: string): Promise<{ bytes: number; at: number }> {
    const r = await this.op('progress', { name });
    return { bytes: Number(r.bytes), at: Number(r.at) };
  }

  /** closing its stdin ends the agent and with it every client connection */
  close(): void {
    this.child.stdin?.end();
  }

  /** close, and wait (up to `ms`) for the agent process to be gone */
  async closeAndWait(ms = 5000): Promise<boolean> {
    this.close();
    const until = Date.now() + ms;
    while (aliveSame(this.rec.pid, this.rec.starttime) && Date.now() < until) await sleep(50);
    if (aliveSame(this.rec.pid, this.rec.starttime)) signal(this.rec.pid, 'SIGKILL');
    return !aliveSame(this.rec.pid, this.rec.starttime);
  }
}

/** another client agent in the lab's namespace (recorded, so a crashed run's is reaped); close it yourself */
export function openAgent(world: World, tag: string): Agent {
  return new Agent(world, tag);
}

// ---------------------------------------------------------------------------
// scenarios

interface ScenarioDef {
  id: ScenarioId;
  account: AccountKey | undefined;
  mode: OpenRequest['mode'];
  host: '127.0.0.1' | '::1';
  source?: string;
  file?: string;
  /** absolute path on disk, during a transfer */
  path?: (w: World) => string;
  only?: DaemonId[];
}

const alicePath = (f: string) => (w: World) => path.join(w.accounts.alice.home, f);

export const SCENARIOS: ScenarioDef[] = [
  { id: 'idle', account: 'alice', mode: 'idle', host: '127.0.0.1' },
  { id: 'prelogin', account: undefined, mode: 'connect', host: '127.0.0.1' },
  { id: 'prelogin-user', account: undefined, mode: 'user', host: '127.0.0.1', source: '127.0.0.3' },
  { id: 'download', account: 'alice', mode: 'download', host: '127.0.0.1', file: 'big.bin', path: alicePath('big.bin') },
  { id: 'upload', account: 'alice', mode: 'upload', host: '127.0.0.1', file: 'incoming/upload.bin', path: alicePath('incoming/upload.bin') },
  {
    id: 'anonymous',
    account: 'anon',
    mode: 'download',
    host: '127.0.0.1',
    file: 'pub/anon big.iso',
    path: (w) => path.join(w.accounts.anon.home, 'pub', 'anon big.iso'),
  },
  { id: 'ipv6', account: 'alice', mode: 'idle', host: '::1' },
  { id: 'after-transfer', account: 'alice', mode: 'after', host: '127.0.0.1', file: 'small.txt' },
  ...(Object.entries(TRICKY) as [keyof typeof TRICKY, string][]).map(
    ([id, name]): ScenarioDef => ({ id, account: 'alice', mode: 'download', host: '127.0.0.1', file: name, path: alicePath(name) }),
  ),
  {
    id: 'virtual',
    account: 'virt',
    mode: 'download',
    host: '127.0.0.1',
    file: 'big.bin',
    path: (w) => path.join(w.virtual.home, 'big.bin'),
    only: ['pure-ftpd', 'proftpd'],
  },
  { id: 'second-account', account: 'bob', mode: 'idle', host: '127.0.0.1', source: '127.0.0.2' },
];

// ---------------------------------------------------------------------------
// ss -tnp: which server processes hold each control connection

interface SsRow {
  local: string;
  localPort: number;
  peer: string;
  peerPort: number;
  pids: number[];
}

function ss(world: World, port: number): SsRow[] {
  const argv = world.nsArgv(['ss', '-Htnp', 'state', 'established', `( sport = :${port} )`]);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`ss failed: ${r.stderr}`);
  const rows: SsRow[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*\d+\s+\d+\s+(\S+):(\d+)\s+(\S+):(\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const strip = (a: string) => a.replace(/^\[|\]$/g, '').replace(/%\S+$/, '');
    rows.push({
      local: strip(m[1]!),
      localPort: Number(m[2]),
      peer: strip(m[3]!),
      peerPort: Number(m[4]),
      // a process holding the socket on several fds is listed once per fd
      pids: [...new Set([...m[5]!.matchAll(/pid=(\d+)/g)].map((x) => Number(x[1])))],
    });
  }
  return rows;
}

let btimeMs: number | undefined;
const CLK_TCK = 100;
function startMs(pid: number): number {
  btimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000;
  return btimeMs + (Number(procStat(pid)?.starttime ?? 0) * 1000) / CLK_TCK;
}

/** the session process among the holders of a control connection */
function sessionPid(daemon: DaemonId, holders: number[]): number {
  if (holders.length === 1) return holders[0]!;
  const ppid = new Map(holders.map((p) => [p, procStat(p)?.ppid ?? 0]));
  // pure-ftpd: the session is the parent of its (PRIV) helper; vsftpd: the child of the privileged parent
  const pick =
    DAEMON_INFO[daemon].kind === 'pure-ftpd'
      ? holders.filter((p) => !holders.includes(ppid.get(p)!))
      : holders.filter((p) => holders.includes(ppid.get(p)!));
  if (pick.length !== 1) throw new Error(`cannot tell the session process among ${holders.join(', ')}`);
  return pick[0]!;
}

// ---------------------------------------------------------------------------

export interface LabOptions {
  readyTimeoutMs?: number;
  /** sessions must be at least this old before the lab is handed over (login-time checks) */
  minAgeMs?: number;
}

export async function startLab(world: World, daemon: DaemonId, opts: LabOptions = {}): Promise<Lab> {
  const log = (m: string) => world.log(`[${daemon}] ${m}`);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const t0 = Date.now();
  let agent: Agent | undefined;
  let run: DaemonRun | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // 1. the clients: every control connection closes with the agent
      agent?.close();
      // 2. the servers' descendants (sessions, helpers) are taken BEFORE the servers die
      const masters = run?.masters ?? [];
      const tree: PidRecord[] = masters.flatMap((m) =>
        aliveSame(m.pid, m.starttime) ? descendants(m.pid).map((p) => ({ pid: p.pid, starttime: p.starttime, name: 'session' })) : [],
      );
      for (const m of masters) if (aliveSame(m.pid, m.starttime)) signal(m.pid, 'SIGTERM');
      const all = [...(agent ? [agent.rec] : []), ...masters, ...tree];
      const waitGone = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until && all.some((r) => aliveSame(r.pid, r.starttime))) await sleep(50);
      };
      await waitGone(2000);
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
      if (left.length > 0) log(`still alive after stop: ${left.map((r) => `${r.name}:${r.pid}`).join(' ')}`);
      await run?.cleanup();
      log('stopped');
    })();
    return stopping;
  };

  try {
    run = await startDaemon(world, daemon, log);
    const startMsTaken = Date.now() - t0;
    agent = new Agent(world, daemon);

    // ---- sessions: all at once ---------------------------------------------
    const t1 = Date.now();
    const defs = SCENARIOS.filter((s) => !s.only || s.only.includes(daemon));
    if (DAEMON_INFO[daemon].mapped) {
      // an IPv4 client of a socket bound to the IPv4-mapped ::ffff:127.0.0.1 (/proc shows ::ffff:7f00:1)
      defs.push({ id: 'mapped-v4', account: 'bob', mode: 'idle', host: '127.0.0.1', source: '127.0.0.4' });
    }
    const results = await Promise.all(
      defs.map((d) => {
        const acc = d.account ? world.accounts[d.account] : undefined;
        const typed = d.account === 'anon' ? 'anonymous' : d.account === 'virt' ? world.virtual.login : (acc?.name ?? world.accounts.alice.name);
        const pass = d.account === 'virt' ? world.virtual.password : (acc?.password ?? '');
        const port = d.id === 'mapped-v4' ? run!.mappedPort! : run!.port;
        return agent!.open({
          name: d.id,
          host: d.host,
          port,
          ...(d.source ? { source: d.source } : {}),
          mode: d.mode,
          user: typed,
          pass,
          ...(d.file ? { file: Buffer.from(d.file, 'utf8').toString('base64') } : {}),
          rate: 16_384,
        });
      }),
    );
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new Error(
        `client sessions failed:\n${failed.map((r) => `  ${r.name}: ${r.error}\n    ${r.transcript.join('\n    ')}`).join('\n')}\n${await run.diagnostics()}`,
      );
    }

    // ---- ground truth: who holds each control connection -------------------
    const sessions: SessionTruth[] = [];
    {
      const until = Date.now() + readyTimeoutMs;
      for (;;) {
        const rows = [...ss(world, run.port), ...(run.mappedPort ? ss(world, run.mappedPort) : [])];
        sessions.length = 0;
        let missing: string[] = [];
        for (const [i, d] of defs.entries()) {
          const r = results[i]!;
          const row = rows.find((x) => x.peerPort === r.local.port && x.peer.replace(/^::ffff:/, '') === r.local.address);
          const holders = row?.pids ?? [];
          const expectHolders = DAEMON_INFO[daemon].kind === 'proftpd' ? 1 : 2;
          if (holders.length !== expectHolders) {
            missing.push(`${d.id} (holders ${holders.join(',') || 'none'})`);
            continue;
          }
          const pid = sessionPid(daemon, holders);
          const account = d.account;
          sessions.push({
            scenario: d.id,
            account,
            login: account === undefined ? undefined : account === 'anon' ? 'ftp' : account === 'virt' ? world.virtual.login : world.accounts[account].name,
            typed: d.mode === 'connect' ? undefined : d.account === 'anon' ? 'anonymous' : d.account === 'virt' ? world.virtual.login : (d.account ? world.accounts[d.account].name : world.accounts.alice.name),
            host: r.local.address.replace(/^::ffff:/, ''),
            status: d.mode === 'download' ? 'DL' : d.mode === 'upload' ? 'UL' : 'IDLE',
            file: d.mode === 'download' || d.mode === 'upload' ? d.file! : '',
            path: d.mode === 'download' || d.mode === 'upload' ? d.path!(world) : undefined,
            connectedAt: r.connectedAt,
            loggedInAt: r.loggedInAt,
            pid,
            holders: [...holders].sort((a, b) => a - b),
            processStart: startMs(pid),
            clientPort: r.local.port,
            server: row!.local,
          });
        }
        if (missing.length === 0) {
          // and the daemon's own view agrees with every session's state
          const view = await daemonView(world, run);
          missing = sessions.map((s) => agreesWithDaemon(run!, view, s)).filter((x): x is string => x !== undefined);
          if (missing.length === 0) break;
        }
        if (Date.now() > until) throw new Error(`sessions not ready after ${readyTimeoutMs} ms: ${missing.join('; ')}\n${await run.diagnostics()}`);
        await sleep(150);
      }
    }
    const sessionsMs = Date.now() - t1;

    // can each account read its own session processes' fds (non-root /proc collector)?
    const fdReadable: Partial<Record<AccountKey, boolean>> = {};
    for (const key of ['alice', 'bob', 'virt', 'anon'] as const) {
      const s = sessions.find((x) => x.account === key);
      if (!s) continue;
      const a = world.accounts[key];
      const r = spawnSync('setpriv', ['--reuid', String(a.uid), '--regid', String(a.gid), '--init-groups', '--', 'ls', `/proc/${s.pid}/fd`], { encoding: 'utf8' });
      fdReadable[key] = r.status === 0;
    }

    // the sessions must be a few seconds old, so that a login time of "now" cannot pass
    const newest = Math.max(...sessions.map((s) => s.connectedAt));
    const minAge = opts.minAgeMs ?? 3000;
    if (Date.now() - newest < minAge) await sleep(minAge - (Date.now() - newest));

    log(
      `ready in ${Date.now() - t0} ms (daemon ${startMsTaken} ms, sessions ${sessionsMs} ms): ${sessions.map((s) => `${s.scenario}=${s.pid}`).join(' ')}`,
    );
    const theRun = run;
    const lab: Lab = {
      daemon,
      run: theRun,
      world,
      sessions,
      of: (key) => sessions.filter((s) => s.account === key),
      byScenario: (id) => {
        const s = sessions.find((x) => x.scenario === id);
        if (!s) throw new Error(`no session ${id} on ${daemon}`);
        return s;
      },
      view: () => daemonView(world, theRun),
      verify: async () => {
        const view = await daemonView(world, theRun);
        const bad = sessions.map((s) => agreesWithDaemon(theRun, view, s)).filter((x) => x !== undefined);
        const gone = sessions.filter((s) => !aliveSame(s.pid, procStat(s.pid)?.starttime ?? '-'));
        if (bad.length > 0 || gone.length > 0 || agent!.lost.length > 0) {
          throw new Error(
            `the lab's sessions changed: ${[...bad, ...gone.map((s) => `${s.scenario} pid ${s.pid} gone`), ...agent!.lost].join('; ')}`,
          );
        }
        return view;
      },
      fdReadable,
      tree: () => theRun.masters.flatMap((m) => (aliveSame(m.pid, m.starttime) ? [m.pid, ...descendants(m.pid).map((p) => p.pid)] : [])),
      listening: () => theRun.listening(),
      stop,
      timings: { startMs: startMsTaken, sessionsMs },
    };
    return lab;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** the open regular files of a process, absolute paths (for checks and diagnostics) */
export function openFiles(pid: number): string[] | undefined {
  return fdLinks(pid)?.filter((l) => l.startsWith('/') && !l.startsWith('/dev/') && !l.startsWith('/proc/'));
}


// ---------------------------------------------------------------------------
// sessions a test opens itself (through its own agent, see openAgent)

/** the ground truth of a session a test opened: as SessionTruth, named by the test */
export interface ClientSession extends Omit<SessionTruth, 'scenario'> {
  name: string;
}

export interface ClientExpectation {
  account: AccountKey | undefined;
  status?: Status;
  file?: string;
  path?: string;
  /** how long to wait for the daemon's processes to hold the connection (default 10 s) */
  timeoutMs?: number;
}

/**
 * The ground truth of a client session `opened` (by any agent) on `lab`'s
 * daemon: which server processes hold its control connection (ss -tnp), which
 * of them is the session process, and its start time.
 */
export async function locateClient(lab: Lab, opened: OpenResult, want: ClientExpectation): Promise<ClientSession> {
  if (!opened.ok) throw new Error(`client ${opened.name} did not open: ${opened.error}\n  ${opened.transcript.join('\n  ')}`);
  const { world, run, daemon } = lab;
  const expectHolders = DAEMON_INFO[daemon].kind === 'proftpd' ? 1 : 2;
  const until = Date.now() + (want.timeoutMs ?? 10_000);
  for (;;) {
    const rows = [...ss(world, run.port), ...(run.mappedPort ? ss(world, run.mappedPort) : [])];
    const row = rows.find((x) => x.peerPort === opened.local.port && x.peer.replace(/^::ffff:/, '') === opened.local.address);
    const holders = row?.pids ?? [];
    if (row && holders.length === expectHolders) {
      const pid = sessionPid(daemon, holders);
      const key = want.account;
      const login = key === undefined ? undefined : key === 'anon' ? 'ftp' : key === 'virt' ? world.virtual.login : world.accounts[key].name;
      return {
        name: opened.name,
        account: key,
        login,
        typed: key === 'anon' ? 'anonymous' : login,
        host: opened.local.address.replace(/^::ffff:/, ''),
        status: want.status ?? 'IDLE',
        file: want.file ?? '',
        path: want.path,
        connectedAt: opened.connectedAt,
        loggedInAt: opened.loggedInAt,
        pid,
        holders: [...holders].sort((a, b) => a - b),
        processStart: startMs(pid),
        clientPort: opened.local.port,
        server: row.local,
      };
    }
    if (Date.now() > until) throw new Error(`client ${opened.name} (port ${opened.local.port}): held by ${holders.join(',') || 'no process'}`);
    await sleep(100);
  }
}

/** a process's I/O counters (/proc/PID/io: bytes through read/write/sendfile calls, sockets included); undefined when gone */
export function ioCounters(pid: number): { rchar: number; wchar: number; readBytes: number; writeBytes: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return undefined;
  }
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rchar: get('rchar'), wchar: get('wchar'), readBytes: get('read_bytes'), writeBytes: get('write_bytes') };
}

/**
 * Small TCP socket buffers in the lab's own network namespace (the tcp_rmem
 * and tcp_wmem sysctls are per namespace): a throttled download then has at
 * most ~0.2 MB in flight instead of the megabytes loopback's autotuning
 * allows, so the server's own transfer counter follows the client's pace
 * within seconds. Sockets opened afterwards get them. Returns the values
 * set, or undefined without a namespace of our own (the host's sysctls are
 * never touched).
 */
export function smallSocketBuffers(world: World, rmem = '4096 32768 65536', wmem = '4096 16384 65536'): { rmem: string; wmem: string } | undefined {
  if (!world.netns) return undefined;
  for (const [k, v] of [['net.ipv4.tcp_rmem', rmem], ['net.ipv4.tcp_wmem', wmem]] as const) {
    run('ip', ['netns', 'exec', world.netns, 'sysctl', '-q', '-w', `${k}=${v}`]);
  }
  const read = (k: string) => run('ip', ['netns', 'exec', world.netns!, 'sysctl', '-n', k]).trim().split(/\s+/).join(' ');
  return { rmem: read('net.ipv4.tcp_rmem'), wmem: read('net.ipv4.tcp_wmem') };
}
