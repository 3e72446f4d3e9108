/**
 * Attacks on the BUILT commands, as a hostile local user and a hostile FTP
 * client would make them (src/model/TRUST.md), against a real ProFTPD on
 * loopback with real sessions (the lab of test/live). The attackers are the
 * lab's throwaway accounts, run through setpriv: ftpsess-bob attacks
 * ftpsess-alice's sessions; an unauthenticated client forges its USER.
 *
 * After every attack, root's listing of each account must be exactly the
 * account's real sessions (none moved, hidden, forged), every session still
 * alive, nothing foreign signalled, and each refusal the documented answer.
 * Needs root and the daemons (as the lab); skips with a message otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicCopy, type PublicCopy } from '../helpers/public-copy.js';
import { type Account, DAEMON_INFO, type Lab, openWorld, ROOT, startLab, type World } from '../live/lab.js';
import { aliveSame, procStat, sleep } from '../live/lab-proc.js';

const isRoot = process.getuid?.() === 0;
const why = !isRoot
  ? 'not running as root'
  : DAEMON_INFO.proftpd.binaries.some((b) => !existsSync(b))
    ? 'ProFTPD is not installed (run: sudo bash test/live/install-ftp-daemons.sh)'
    : ['/usr/bin/perl', '/usr/bin/setpriv', '/usr/bin/mkfifo'].find((p) => !existsSync(p));
if (why) console.warn(`[attack] SKIPPING the attacks on the built commands: ${why}`);

const AGENT = path.join(ROOT, 'test', 'live', 'ftp-agent.mjs');
const HOSTILE_USER = 'x@bob.example - 6.6.6.6: RETR /etc/shadow';
const HIDDEN_NAME = 'evil\u2028name\u2029with separators.bin';

let world: World;
let lab: Lab;
let cli: PublicCopy;
let alice: Account;
let bob: Account;
let dir: string;
const procs: Array<{ child: ChildProcess; pid: number; starttime: string }> = [];
let agent: ChildProcess | undefined;
let prelogin = 0;
let hidden = 0;

interface Run {
  code: number | undefined;
  stdout: string;
  stderr: string;
  ms: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** a built command, as root or as an account (setpriv), with a clean environment */
async function run(bin: 'uapi' | 'cpapi2' | 'ftpsessions', args: string[], as?: Account, env: Record<string, string> = {}): Promise<Run> {
  const base = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', TZ: 'UTC', ...env };
  const [cmd, argv] = as
    ? ['/usr/bin/setpriv', ['--reuid', String(as.uid), '--regid', String(as.gid), '--init-groups', '--', process.execPath, cli.bin(bin), ...args]]
    : [process.execPath, [cli.bin(bin), ...args]];
  const t0 = Date.now();
  const r = await execa(cmd, argv, { reject: false, timeout: 30_000, cwd: cli.dir, env: base, extendEnv: false });
  let json: unknown;
  try {
    json = JSON.parse(String(r.stdout));
  } catch {
    json = undefined;
  }
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), ms: Date.now() - t0, json };
}

/** the pids root lists for an account, with the collector */
async function listed(account: Account, collector: string, extra: string[] = []): Promise<number[]> {
  const r = await run('uapi', [`--user=${account.name}`, '--output=json', `--collector=${collector}`, ...extra, 'Ftp', 'list_sessions']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.ms).toBeLessThan(8_000); // a FIFO never makes it wait
  return r.json.result.data.map((row: { pid: number }) => row.pid).sort((a: number, b: number) => a - b);
}

/**
 * A process of `as` named `name` (a copy of perl under that name, so its
 * comm is the daemon's) with the title `title`, holding open `files`
 * (read-write, so a FIFO does not block). Returns once it runs.
 */
async function impostor(as: Account, name: string, title: string, files: string[] = []): Promise<number> {
  const exe = path.join(dir, as.name, name);
  mkdirSync(path.dirname(exe), { recursive: true });
  chownSync(path.dirname(exe), as.uid, as.gid);
  if (!existsSync(exe)) {
    copyFileSync('/usr/bin/perl', exe);
    chownSync(exe, as.uid, as.gid); // the attacker's own copy of a program
    chmodSync(exe, 0o755);
  }
  const script = [
    'use Fcntl;',
    `my @held = map { sysopen(my $f, $_, O_RDWR | O_NONBLOCK) or die "open $_: $!"; $f } @ARGV;`,
    '$0 = $ENV{TITLE};',
    // perl renames the process after its title: name it like the daemon again (prctl PR_SET_NAME)
    `my $name = "${name}"; syscall(157, 15, $name);`,
    '$| = 1; print "ready\\n"; sleep 600;',
  ].join(' ');
  const child = spawn('/usr/bin/setpriv', ['--reuid', String(as.uid), '--regid', String(as.gid), '--init-groups', '--', exe, '-e', script, ...files], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { TITLE: title, PATH: '/usr/bin:/bin' },
  });
  let err = '';
  child.stderr?.on('data', (d) => (err += String(d)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`impostor ${name} exited ${code}: ${err}`)));
  });
  const pid = child.pid as number;
  procs.push({ child, pid, starttime: procStat(pid)?.starttime ?? '' });
  world.records.add(pid, `impostor-${name}`);
  return pid;
}

/** an FTP client of our own in the lab's namespace (ftp-agent.mjs), for hostile sessions */
async function client(req: Record<string, unknown>): Promise<number> {
  if (agent === undefined) {
    const argv = world.nsArgv([process.execPath, AGENT]);
    agent = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
    world.records.add(agent.pid as number, 'attack-client-agent');
  }
  const name = String(req.name);
  const answer = new Promise<{ ok: boolean; error?: string; local: { port: number } }>((resolve) => {
    const rl = readline.createInterface({ input: agent?.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.name === name) {
        rl.close();
        resolve(msg);
      }
    });
  });
  agent.stdin?.write(`${JSON.stringify({ op: 'open', host: '127.0.0.1', port: lab.run.port, ...req })}\n`);
  const r = await answer;
  if (!r.ok) throw new Error(`client ${name}: ${r.error}`);
  // the server process holding that connection: the ProFTPD child whose socket's peer port is ours
  for (let i = 0; i < 50; i++) {
    const ss = spawnSync('/usr/bin/ss', ['-Htnp', 'state', 'established', `( dport = :${r.local.port} )`], { encoding: 'utf8' });
    const viaNs = world.nsArgv(['/usr/bin/ss', '-Htnp', 'state', 'established', `( dport = :${r.local.port} )`]);
    const out = world.netns ? spawnSync(viaNs[0] as string, viaNs.slice(1), { encoding: 'utf8' }).stdout : ss.stdout;
    const pid = /pid=(\d+)/.exec(out)?.[1];
    if (pid !== undefined) return Number(pid);
    await sleep(100);
  }
  throw new Error(`client ${name}: no server process found`);
}

const real = (key: 'alice' | 'bob') => lab.of(key).map((s) => s.pid);
const sorted = (pids: number[]) => [...pids].sort((a, b) => a - b);

describe.skipIf(why !== undefined)('attacks on the built commands (a real ProFTPD, throwaway accounts)', () => {
  beforeAll(async () => {
    world = await openWorld({ log: (m) => console.log(`[attack] ${m}`) });
    alice = world.accounts.alice;
    bob = world.accounts.bob;
    lab = await startLab(world, 'proftpd', { minAgeMs: 1_100 });
    // FTPSESSIONS_LAB_CLI=DIR attacks the build in DIR instead (an older build, to see these attacks succeed)
    cli = await publicCopy(process.env.FTPSESSIONS_LAB_CLI ?? undefined);
    dir = mkdtempSync('/tmp/ftpsessions-attack-');
    chmodSync(dir, 0o755);
    // a file alice downloads whose name holds U+2028 and U+2029 (the client controls the name)
    const file = path.join(alice.home, HIDDEN_NAME);
    writeFileSync(file, Buffer.alloc(4 * 1024 * 1024));
    chownSync(file, alice.uid, alice.gid);
    hidden = await client({ name: 'hidden', mode: 'download', user: alice.name, pass: alice.password, file: Buffer.from(HIDDEN_NAME).toString('base64'), rate: 4096 });
    // an unauthenticated client whose USER reads like a logged-in download of bob's
    prelogin = await client({ name: 'prelogin', mode: 'user', user: HOSTILE_USER });
  }, 180_000);

  afterAll(async () => {
    agent?.stdin?.end();
    for (const p of procs) if (aliveSame(p.pid, p.starttime)) process.kill(p.pid, 'SIGKILL');
    await lab?.stop();
    await cli?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await world?.close();
  }, 120_000);

  it('before any attack: root sees exactly each account\'s real sessions, the hostile file name included', async () => {
    for (const collector of ['auto', 'proc', 'ps', 'ftpwho']) {
      const extra = collector === 'ftpwho' ? [`--proftpd-scoreboard=${lab.run.scoreboard}`] : [];
      expect(await listed(alice, collector, extra), collector).toEqual(sorted([...real('alice'), hidden]));
      expect(await listed(bob, collector, extra), collector).toEqual(sorted(real('bob')));
    }
    const r = await run('uapi', [`--user=${alice.name}`, '--output=json', 'Ftp', 'list_sessions']);
    const row = r.json.result.data.find((x: { pid: number }) => x.pid === hidden);
    expect(row).toMatchObject({ status: 'DL', file: HIDDEN_NAME, user: alice.name });
    // and alice herself sees it too
    const own = await run('uapi', ['--output=json', 'Ftp', 'list_sessions'], alice);
    expect(own.json.result.data.map((x: { pid: number }) => x.pid)).toContain(hidden);
  });

  it('a hostile pre-login USER is nobody\'s session, for every collector and account', async () => {
    expect(procStat(prelogin)).toBeDefined();
    const bobExample = path.join(dir, 'userdomains');
    writeFileSync(bobExample, `bob.example: ${bob.name}\n`, { mode: 0o644 });
    for (const collector of ['auto', 'proc', 'ps']) {
      for (const account of [alice, bob, world.accounts.virt, world.accounts.anon]) {
        expect(await listed(account, collector, [`--userdomains=${bobExample}`]), `${collector} ${account.name}`).not.toContain(prelogin);
      }
    }
    const kill = await run('uapi', [`--user=${bob.name}`, '--output=json', `--userdomains=${bobExample}`, 'Ftp', 'kill_session', `login=${prelogin}`]);
    expect([kill.code, kill.json.result.errors]).toEqual([1, [`The session “${prelogin}” is not one of your FTP sessions.`]]);
    expect(procStat(prelogin)).toBeDefined();
  });

  it('a fake ProFTPD master holding a forged scoreboard and a FIFO, and impostor sessions, change nothing', async () => {
    // bob forges a scoreboard from the real one, alice's sessions relabelled as his
    const forged = path.join(dir, bob.name, 'evil.scoreboard');
    mkdirSync(path.dirname(forged), { recursive: true });
    const board = readFileSync(lab.run.scoreboard as string);
    const from = Buffer.from(alice.name);
    const to = Buffer.concat([Buffer.from(bob.name), Buffer.alloc(from.length - bob.name.length)]);
    for (let i = board.indexOf(from); i !== -1; i = board.indexOf(from, i + 1)) to.copy(board, i);
    writeFileSync(forged, board);
    const fifo = path.join(dir, bob.name, 'fifo.scoreboard');
    spawnSync('/usr/bin/mkfifo', [fifo]);
    for (const f of [forged, fifo]) chownSync(f, bob.uid, bob.gid);
    const fakes = [
      await impostor(bob, 'proftpd', 'proftpd: (accepting connections)', [forged, fifo]),
      await impostor(bob, 'proftpd', `proftpd: ${alice.name} - 10.9.9.9: RETR /etc/shadow`),
      await impostor(bob, 'pure-ftpd', 'pure-ftpd (DOWNLOAD)'),
      await impostor(bob, 'vsftpd', `vsftpd: 10.9.9.9/${alice.name}: RETR /etc/shadow`),
      await impostor(alice, 'pure-ftpd', 'pure-ftpd (IDLE)'),
    ];
    for (const collector of ['auto', 'proc', 'ps']) {
      expect(await listed(alice, collector), collector).toEqual(sorted([...real('alice'), hidden]));
      expect(await listed(bob, collector), collector).toEqual(sorted(real('bob')));
    }
    // the logins are still the real ones (the forged scoreboard was never read)
    const r = await run('uapi', [`--user=${alice.name}`, '--output=json', 'Ftp', 'list_sessions']);
    for (const row of r.json.result.data) expect(row.user, JSON.stringify(row)).toBe(alice.name);
    // root's kill_session for bob: none of alice's, none of the impostors
    const victim = real('alice')[0] as number;
    for (const pid of [victim, ...fakes]) {
      const k = await run('uapi', [`--user=${bob.name}`, '--output=json', 'Ftp', 'kill_session', `login=${pid}`]);
      expect([k.code, k.json.result.errors]).toEqual([1, [`The session “${pid}” is not one of your FTP sessions.`]]);
    }
    // root's kill_session for alice does not take her look-alike for a session
    const own = await run('uapi', [`--user=${alice.name}`, '--output=json', 'Ftp', 'kill_session', `login=${fakes[4]}`]);
    expect(own.code).toBe(1);
    // bob himself cannot end alice's session
    const asBob = await run('uapi', ['--output=json', 'Ftp', 'kill_session', `login=${victim}`], bob);
    expect([asBob.code, asBob.json.result.errors]).toEqual([1, [`The session “${victim}” is not one of your FTP sessions.`]]);
    // the native front as root: every account at once, still only the real sessions, each with its account
    const all = await run('ftpsessions', ['list', '--output=json', '--include-unauthenticated']);
    expect(all.code, all.stderr).toBe(0);
    const byPid = new Map<number, { account: string | null; state: string }>(all.json.map((r: { pid: number; account: string | null; state: string }) => [r.pid, r]));
    for (const pid of fakes) expect(byPid.has(pid), `impostor ${pid} listed`).toBe(false);
    for (const pid of [...real('alice'), hidden]) expect(byPid.get(pid)?.account, `pid ${pid}`).toBe(alice.name);
    for (const pid of real('bob')) expect(byPid.get(pid)?.account, `pid ${pid}`).toBe(bob.name);
    expect(byPid.get(prelogin)).toMatchObject({ account: null, state: 'AUTH' });
    const counted = await run('ftpsessions', ['count', '--output=json']);
    expect(counted.json.accounts[alice.name]).toBe(real('alice').length + 1);
    // native kill: an impostor is never a match; bob (himself) matches only his own
    for (const pid of fakes) {
      const k = await run('ftpsessions', ['kill', '--pid', String(pid), '--yes', '--output=json']);
      expect([k.code, k.json?.matched]).toEqual([1, []]);
    }
    // (an account sees its own uid's processes, its own look-alikes included: they harm no one else; TRUST.md)
    const dry = await run('ftpsessions', ['kill', '--all', '--dry-run', '--output=json'], bob);
    expect(sorted(dry.json.matched)).toEqual(sorted([...real('bob'), ...fakes.slice(1, 4)]));
    // bob naming alice's login matches only his own processes that call themselves alice, never hers
    const aliceByLogin = await run('ftpsessions', ['kill', '--login', alice.name, '--dry-run', '--output=json'], bob);
    expect(sorted(aliceByLogin.json.matched)).toEqual(sorted([fakes[1] as number, fakes[3] as number]));
    for (const p of [...lab.sessions.filter((s) => s.account !== undefined).map((s) => s.pid), ...fakes]) expect(procStat(p), `pid ${p}`).toBeDefined();
    await lab.verify();
  });

  it('root-owned login files that claim another system user\'s login move nothing', async () => {
    const passwdDir = path.join(dir, 'proftpd');
    mkdirSync(passwdDir, { recursive: true });
    writeFileSync(path.join(passwdDir, bob.name), `${alice.name}:x:${alice.uid}:${alice.gid}:${bob.name}:${alice.home}:/bin/ftpsh\n${alice.name}_logs:x:${alice.uid}:${alice.gid}:${bob.name}:${alice.home}:/bin/ftpsh\n`);
    const domains = path.join(dir, 'userdomains2');
    writeFileSync(domains, `bob.example: ${bob.name}\n`);
    const pure = path.join(dir, 'pureftpd.passwd');
    writeFileSync(pure, `${alice.name}:x:${bob.uid}:${bob.gid}::/home/x/./::::::::::::\n`);
    const files = [`--ftp-passwd-dir=${passwdDir}`, `--userdomains=${domains}`, `--pureftpd-passwd=${pure}`];
    expect(await listed(bob, 'auto', files)).toEqual(sorted(real('bob')));
    expect(await listed(alice, 'auto', files)).toEqual(sorted([...real('alice'), hidden]));
    const victim = real('alice')[0] as number;
    const k = await run('uapi', [`--user=${bob.name}`, '--output=json', ...files, 'Ftp', 'kill_session', `login=${victim}`]);
    expect([k.code, k.json.result.errors]).toEqual([1, [`The session “${victim}” is not one of your FTP sessions.`]]);
    expect(procStat(victim)).toBeDefined();
  });

  it('an account may not point the tool at other files, by option or environment', async () => {
    for (const [args, env] of [
      [[`--proftpd-scoreboard=${lab.run.scoreboard}`], {}],
      [[`--userdomains=${path.join(dir, 'userdomains')}`], {}],
      [[], { FTPSESSIONS_PROFTPD_SCOREBOARD: '/tmp/x' }],
      [[], { FTPSESSIONS_FTP_PASSWD_DIR: '/tmp' }],
    ] as Array<[string[], Record<string, string>]>) {
      const r = await run('uapi', ['--output=json', ...args, 'Ftp', 'list_sessions'], bob, env);
      expect(r.code, r.stdout).toBe(1);
      expect(r.json.result.errors[0]).toMatch(/only root may point ftpsessions at other files/);
    }
  });

  it('FIFOs, devices and directories given as files are refused at once', async () => {
    const fifo = path.join(dir, 'input.fifo');
    spawnSync('/usr/bin/mkfifo', [fifo]);
    for (const args of [
      ['--input', `ps=${fifo}`],
      ['--input', 'ps=/dev/zero'],
      ['--input', `ps=${dir}`],
      [`--proftpd-scoreboard=${fifo}`, '--collector=ftpwho'],
      [`--userdomains=${fifo}`],
    ]) {
      const r = await run('uapi', [`--user=${alice.name}`, '--output=json', ...args, 'Ftp', 'list_sessions']);
      expect(r.ms, args.join(' ')).toBeLessThan(5_000);
      expect(r.stderr, args.join(' ')).not.toMatch(/at .*\.js:\d+/); // no stack
      expect([r.code, r.json?.result?.status], args.join(' ')).toEqual([1, 0]);
      expect(r.json.result.errors[0], args.join(' ')).toMatch(/is a (FIFO|character device|directory)/);
    }
  });

  it('hostile arguments never reach the terminal raw', async () => {
    const r = await run('uapi', ['--user=\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u202e', '--output=table', 'Ftp', 'list_sessions']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('52;c;ZXZpbA==');
    expect(r.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
  });

  it('root ends the session with the hostile file name (it does not hide from kill_session), and only it', async () => {
    const others = lab.of('alice').map((s) => s.pid);
    const k = await run('uapi', [`--user=${alice.name}`, '--output=json', 'Ftp', 'kill_session', `login=${hidden}`]);
    expect([k.code, k.json.result.data]).toEqual([0, { login: String(hidden), ended: [hidden] }]);
    for (const p of others) expect(procStat(p), `pid ${p}`).toBeDefined();
  });
});
