/**
 * The three daemons of the lab: configuration, start (bound to loopback
 * only), and each daemon's own view of its sessions (pure-ftpwho, ftpwho,
 * process titles), which is the ground truth the lab checks its sessions
 * against before any test runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { aliveSame, fdLinks, listeningIn, procStat, sleep, title, type PidRecord } from './lab-proc.js';
import type { SessionTruth, World } from './lab.js';

export type DaemonId = 'pure-ftpd' | 'proftpd' | 'vsftpd' | 'vsftpd-notitle';

export const PURE_FTPD = '/usr/sbin/pure-ftpd';
export const PURE_FTPWHO = '/usr/sbin/pure-ftpwho';
export const PURE_PW = '/usr/bin/pure-pw';
export const PROFTPD = '/usr/sbin/proftpd';
export const FTPWHO = '/usr/bin/ftpwho';
export const VSFTPD = '/usr/sbin/vsftpd';

export interface DaemonInfo {
  kind: 'pure-ftpd' | 'proftpd' | 'vsftpd';
  /** does the process title carry user, host and command? */
  titles: boolean;
  /** a virtual user (mapped to ftpsess-virt) */
  virtual: boolean;
  /** an extra listener on the IPv4-mapped address ::ffff:127.0.0.1 */
  mapped: boolean;
  binaries: string[];
}

export const DAEMON_INFO: Record<DaemonId, DaemonInfo> = {
  'pure-ftpd': { kind: 'pure-ftpd', titles: false, virtual: true, mapped: false, binaries: [PURE_FTPD, PURE_FTPWHO, PURE_PW] },
  proftpd: { kind: 'proftpd', titles: true, virtual: true, mapped: false, binaries: [PROFTPD, FTPWHO] },
  vsftpd: { kind: 'vsftpd', titles: true, virtual: false, mapped: false, binaries: [VSFTPD] },
  'vsftpd-notitle': { kind: 'vsftpd', titles: false, virtual: false, mapped: true, binaries: [VSFTPD] },
};

export interface DaemonRun {
  id: DaemonId;
  port: number;
  /** the port of the ::ffff:127.0.0.1 listener, if any */
  mappedPort?: number;
  masters: PidRecord[];
  /** ProFTPD's ScoreboardFile */
  scoreboard?: string;
  dir: string;
  /** how each master was started, for the fixtures' README */
  commandLines: string[];
  /** the configuration files, name -> text (secrets left out) */
  configs: Record<string, string>;
  version: string;
  listening(): boolean;
  diagnostics(): Promise<string>;
  cleanup(): Promise<void>;
}

/** what the daemon itself reports right now */
export interface DaemonView {
  titles: Map<number, string>;
  pureFtpwho?: WhoRow[];
  ftpwho?: FtpwhoConn[];
}

/** one line of `pure-ftpwho -s -H` */
export interface WhoRow {
  pid: number;
  account: string;
  time: number;
  state: string;
  file: string;
  peer: string;
  local: string;
  port: number;
}

/** one connection of `ftpwho -o json` */
export interface FtpwhoConn {
  pid: number;
  connected_since_ms?: number;
  remote_address?: string;
  user?: string;
  authenticating?: boolean;
  idling?: boolean;
  command?: string;
  command_args?: string;
  downloading?: boolean;
  uploading?: boolean;
}

const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

function exec(world: World, argv: string[], env: Record<string, string> = { PATH: ENV.PATH, LC_ALL: 'C' }) {
  const a = world.nsArgv(argv);
  return spawnSync(a[0]!, a.slice(1), { encoding: 'utf8', env, timeout: 10_000 });
}

// ---------------------------------------------------------------------------
// starting a master

interface Master {
  rec: PidRecord;
  stderr: () => string;
  exited: () => number | null;
}

/**
 * Start a server in the foreground, inside the lab's namespace, with a small
 * service-like environment (a process title can only use the argv+environ
 * space the process started with). `ip netns exec` and the daemon exec each
 * other: the spawned pid IS the daemon's.
 */
function startMaster(world: World, name: string, argv: string[], fd0Log?: string): Master {
  const a = world.nsArgv(argv);
  // vsftpd writes its start-up errors ("500 OOPS: ...") to file descriptor 0
  const fd0 = fd0Log === undefined ? 'ignore' : openSync(fd0Log, 'a');
  const child = spawn(a[0]!, a.slice(1), { stdio: [fd0, 'ignore', 'pipe'], env: ENV, detached: false });
  if (typeof fd0 === 'number') closeSync(fd0);
  child.on('error', () => {});
  if (child.pid === undefined) throw new Error(`cannot start ${name}`);
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
  });
  const rec = world.records.add(child.pid, `server-${name}`);
  return { rec, stderr: () => err + (fd0Log ? safeRead(fd0Log) : ''), exited: () => child.exitCode };
}

function safeRead(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

async function waitListening(m: Master, check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!check()) {
    if (m.exited() !== null || !aliveSame(m.rec.pid, m.rec.starttime) || Date.now() > until) {
      throw new Error(`${what} did not start listening (exit ${m.exited()}): ${m.stderr()}`);
    }
    await sleep(50);
  }
}

function runDir(id: DaemonId): string {
  const d = `/run/ftpsessions-live/${id}-${process.pid}`;
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true, mode: 0o755 });
  chmodSync(d, 0o755); // the scoreboard must be readable by the accounts (ftpwho works for anyone)
  return d;
}

function firstLine(argv: string[], fd0 = false): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: fd0 ? ['pipe', 'pipe', 'pipe'] : undefined });
  return `${r.stdout}${r.stderr}`.split('\n')[0]!.trim();
}

export async function startDaemon(world: World, id: DaemonId, log: (m: string) => void): Promise<DaemonRun> {
  switch (DAEMON_INFO[id].kind) {
    case 'pure-ftpd':
      return startPureFtpd(world, id, log);
    case 'proftpd':
      return startProftpd(world, id, log);
    case 'vsftpd':
      return startVsftpd(world, id, log);
  }
}

// ---------------------------------------------------------------------------
// pure-ftpd

async function startPureFtpd(world: World, id: DaemonId, log: (m: string) => void): Promise<DaemonRun> {
  const dir = runDir(id);
  const port = world.port('control', id);
  const pasv = world.port('passive', id);
  const { virt } = world.accounts;
  // the virtual user: a pureftpd.passwd line (18 fields) with a crypt(3) hash, then the puredb
  const passwdFile = path.join(dir, 'pureftpd.passwd');
  const pdb = path.join(dir, 'pureftpd.pdb');
  writeFileSync(passwdFile, `${world.virtual.login}:${world.virtual.hash}:${virt.uid}:${virt.gid}::${world.virtual.home}${':'.repeat(12)}\n`, { mode: 0o600 });
  const mk = spawnSync(PURE_PW, ['mkdb', pdb, '-f', passwdFile], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`pure-pw mkdb failed: ${mk.stderr}`);
  mkdirSync('/var/run/pure-ftpd', { recursive: true }); // the scoreboard pure-ftpwho reads

  const common = [
    '-l', `puredb:${pdb}`, // carol@example.com -> ftpsess-virt
    '-l', 'unix', // system accounts (/etc/shadow)
    '-A', // chroot everyone
    '-H', // no reverse lookups
    '-f', 'none', // no syslog
    '-I', '120', // idle timeout, minutes
    '-c', '100',
    '-C', '60',
    '-p', `${pasv}:${pasv + 99}`, // passive ports (on the control connection's address: loopback)
  ];
  // "-T 64:64" is split in place by getopt (":" -> NUL) before pure-ftpd measures the argv
  // space for its title: the IPv4 listener's sessions keep junk after the title in
  // /proc/PID/cmdline (see ftp-servers.md 2.2); the IPv6 one has clean titles.
  const v4 = [PURE_FTPD, '-S', `127.0.0.1,${port}`, ...common, '-T', '64:64', '-t', '32:32'];
  const v6 = [PURE_FTPD, '-S', `::1,${port}`, ...common, '-T', '64', '-t', '32'];
  const m4 = startMaster(world, `${id}-v4`, v4);
  const m6 = startMaster(world, `${id}-v6`, v6);
  await waitListening(m4, () => listeningIn(m4.rec.pid, '127.0.0.1', port), 'pure-ftpd 127.0.0.1');
  await waitListening(m6, () => listeningIn(m6.rec.pid, '::1', port), 'pure-ftpd ::1');
  log(`pure-ftpd pids ${m4.rec.pid} (127.0.0.1:${port}) ${m6.rec.pid} ([::1]:${port}), passive ${pasv}-${pasv + 99}`);
  const masters = [m4, m6];
  return {
    id,
    port,
    masters: masters.map((m) => m.rec),
    dir,
    commandLines: [v4.join(' '), v6.join(' ')],
    configs: { 'pureftpd.passwd': `${world.virtual.login}:<SHA-512 crypt hash>:${virt.uid}:${virt.gid}::${world.virtual.home}${':'.repeat(12)}\n` },
    version: firstLine([PURE_FTPD, '--help']),
    listening: () => masters.some((m) => aliveSame(m.rec.pid, m.rec.starttime) && (listeningIn(m.rec.pid, '127.0.0.1', port) || listeningIn(m.rec.pid, '::1', port))),
    diagnostics: async () => `pure-ftpd stderr: ${m4.stderr()}${m6.stderr()}\npure-ftpwho -s -H:\n${exec(world, [PURE_FTPWHO, '-s', '-H']).stdout}`,
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// ProFTPD

async function startProftpd(world: World, id: DaemonId, log: (m: string) => void): Promise<DaemonRun> {
  const dir = runDir(id);
  const port = world.port('control', id);
  const pasv = world.port('passive', id);
  const { virt, anon } = world.accounts;
  const authFile = path.join(dir, 'ftpd.passwd');
  const line = (hash: string) => `${world.virtual.login}:${hash}:${virt.uid}:${virt.gid}::${world.virtual.home}:/usr/sbin/nologin\n`;
  writeFileSync(authFile, line(world.virtual.hash), { mode: 0o600 });
  const scoreboard = path.join(dir, 'proftpd.scoreboard');
  const conf = path.join(dir, 'proftpd.conf');
  const text = `# ftpsessions lab (test/live/lab-daemons.ts)
ServerType              standalone
ServerName              "ftpsessions lab"
ServerIdent             on "ftpsessions lab ready"
DefaultServer           on
UseIPv6                 on
# loopback only: both addresses, bound one by one
DefaultAddress          127.0.0.1 ::1
SocketBindTight         on
Port                    ${port}
PassivePorts            ${pasv} ${pasv + 99}
User                    nobody
Group                   nogroup
Umask                   022
MaxInstances            100
ScoreboardFile          ${scoreboard}
PidFile                 ${dir}/proftpd.pid
DelayTable              ${dir}/proftpd.delay
SystemLog               ${dir}/system.log
TransferLog             ${dir}/xferlog
WtmpLog                 off
# numeric hosts in titles and ftpwho
UseReverseDNS           off
AuthPAM                 off
AuthOrder               mod_auth_file.c mod_auth_unix.c
AuthUserFile            ${authFile}
RequireValidShell       off
DefaultRoot             ~
AllowOverwrite          on
TimeoutIdle             7200
TimeoutNoTransfer       7200
TimeoutLogin            3600
TimeoutStalled          7200
# throttle transfers (KB/s) so they last
TransferRate            RETR 64
TransferRate            STOR 64

<Anonymous ${anon.home}>
  User                  ${anon.name}
  Group                 ${anon.group}
  UserAlias             anonymous ${anon.name}
  RequireValidShell     off
  MaxClients            10
  <Directory *>
    <Limit WRITE>
      DenyAll
    </Limit>
  </Directory>
</Anonymous>
`;
  writeFileSync(conf, text);
  const t = spawnSync(PROFTPD, ['-t', '-c', conf], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`proftpd -t failed: ${t.stdout}${t.stderr}`);
  const argv = [PROFTPD, '-n', '-c', conf];
  const m = startMaster(world, id, argv);
  await waitListening(m, () => listeningIn(m.rec.pid, '127.0.0.1', port) && listeningIn(m.rec.pid, '::1', port), 'proftpd');
  log(`proftpd pid ${m.rec.pid} on 127.0.0.1:${port} and [::1]:${port}, passive ${pasv}-${pasv + 99}, scoreboard ${scoreboard}`);
  return {
    id,
    port,
    masters: [m.rec],
    scoreboard,
    dir,
    commandLines: [argv.join(' ')],
    configs: { 'proftpd.conf': text, 'ftpd.passwd': line('<SHA-512 crypt hash>') },
    version: firstLine([PROFTPD, '-v']),
    listening: () => aliveSame(m.rec.pid, m.rec.starttime) && (listeningIn(m.rec.pid, '127.0.0.1', port) || listeningIn(m.rec.pid, '::1', port)),
    diagnostics: async () =>
      `proftpd stderr: ${m.stderr()}\nsystem.log:\n${safeRead(path.join(dir, 'system.log')).slice(-3000)}\nftpwho:\n${exec(world, [FTPWHO, '-f', scoreboard, '-v']).stdout}`,
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// vsftpd

export const VSFTPD_PAM_SERVICE = 'ftpsessions-lab';

async function startVsftpd(world: World, id: DaemonId, log: (m: string) => void): Promise<DaemonRun> {
  const dir = runDir(id);
  const port = world.port('control', id);
  const pasv = world.port('passive', id);
  const titles = DAEMON_INFO[id].titles;
  const mapped = DAEMON_INFO[id].mapped;
  const mappedPort = mapped ? world.port('control', id) + (world.netns ? 100 : 0) : undefined;
  const { anon } = world.accounts;
  // its own PAM service: plain pam_unix (Debian's /etc/pam.d/vsftpd also wants pam_shells and /etc/ftpusers)
  writeFileSync(
    `/etc/pam.d/${VSFTPD_PAM_SERVICE}`,
    '# ftpsessions lab (test/live/lab-daemons.ts): vsftpd, plain unix accounts\nauth     required pam_unix.so\naccount  required pam_unix.so\nsession  required pam_permit.so\n',
  );
  const empty = path.join(dir, 'empty'); // secure_chroot_dir: must exist, root-owned, not writable
  mkdirSync(empty, { mode: 0o755 });
  const conf = (fam: 'v4' | 'v6' | 'mapped') => {
    const listen =
      fam === 'v4'
        ? 'listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1'
        : fam === 'v6'
          ? 'listen=NO\nlisten_ipv6=YES\nlisten_address6=::1'
          : 'listen=NO\nlisten_ipv6=YES\nlisten_address6=::ffff:127.0.0.1';
    return `# ftpsessions lab (test/live/lab-daemons.ts), ${fam}
${listen}
listen_port=${fam === 'mapped' ? mappedPort : port}
background=NO
setproctitle_enable=${titles ? 'YES' : 'NO'}
anonymous_enable=YES
anon_root=${anon.home}
no_anon_password=NO
ftp_username=${anon.name}
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
pam_service_name=${VSFTPD_PAM_SERVICE}
secure_chroot_dir=${empty}
pasv_enable=YES
pasv_min_port=${pasv}
pasv_max_port=${pasv + 99}
max_clients=100
max_per_ip=60
idle_session_timeout=7200
data_connection_timeout=7200
local_max_rate=65536
anon_max_rate=32768
xferlog_enable=YES
vsftpd_log_file=${dir}/vsftpd-${fam}.log
xferlog_file=${dir}/xferlog-${fam}
seccomp_sandbox=NO
ftpd_banner=ftpsessions lab vsftpd ready
`;
  };
  const fams = mapped ? (['v4', 'v6', 'mapped'] as const) : (['v4', 'v6'] as const);
  const configs: Record<string, string> = {};
  const masters: Master[] = [];
  const commandLines: string[] = [];
  for (const fam of fams) {
    const file = path.join(dir, `vsftpd-${fam}.conf`);
    configs[`vsftpd-${fam}.conf`] = conf(fam);
    writeFileSync(file, conf(fam));
    const argv = [VSFTPD, file];
    commandLines.push(argv.join(' '));
    masters.push(startMaster(world, `${id}-${fam}`, argv, path.join(dir, `oops-${fam}.log`)));
  }
  configs[`/etc/pam.d/${VSFTPD_PAM_SERVICE}`] = safeRead(`/etc/pam.d/${VSFTPD_PAM_SERVICE}`);
  await waitListening(masters[0]!, () => listeningIn(masters[0]!.rec.pid, '127.0.0.1', port), 'vsftpd 127.0.0.1');
  await waitListening(masters[1]!, () => listeningIn(masters[1]!.rec.pid, '::1', port), 'vsftpd ::1');
  if (mapped) await waitListening(masters[2]!, () => listeningIn(masters[2]!.rec.pid, '::ffff:127.0.0.1', mappedPort!), 'vsftpd ::ffff:127.0.0.1');
  log(
    `vsftpd (setproctitle_enable=${titles ? 'YES' : 'NO'}) pids ${masters.map((m) => m.rec.pid).join(' ')} on 127.0.0.1:${port} [::1]:${port}${mapped ? ` [::ffff:127.0.0.1]:${mappedPort}` : ''}, passive ${pasv}-${pasv + 99}`,
  );
  return {
    id,
    port,
    ...(mappedPort === undefined ? {} : { mappedPort }),
    masters: masters.map((m) => m.rec),
    dir,
    commandLines,
    configs,
    version: firstLine([VSFTPD, '-v']) || 'vsftpd: version 3.0.3',
    listening: () => masters.some((m) => aliveSame(m.rec.pid, m.rec.starttime)),
    diagnostics: async () => `vsftpd: ${masters.map((m) => m.stderr()).join(' ')}\n${fams.map((f) => safeRead(path.join(dir, `vsftpd-${f}.log`)).slice(-2000)).join('\n')}`,
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(`/etc/pam.d/${VSFTPD_PAM_SERVICE}`, { force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// the daemon's own view

/** split a `pure-ftpwho -s` line on unescaped '|' and unescape `\x` */
export function parseWhoLine(line: string): WhoRow | undefined {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === '|') {
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
  };
}

export async function daemonView(world: World, run: DaemonRun): Promise<DaemonView> {
  const titles = new Map<number, string>();
  const kind = DAEMON_INFO[run.id].kind;
  for (const m of run.masters) {
    for (const p of descendantsOf(m.pid)) {
      const t = title(p);
      if (t !== undefined) titles.set(p, t);
    }
  }
  const view: DaemonView = { titles };
  if (kind === 'pure-ftpd') {
    const r = exec(world, [PURE_FTPWHO, '-s', '-H']);
    if (r.status !== 0) throw new Error(`pure-ftpwho -s -H failed: ${r.stdout}${r.stderr}`);
    view.pureFtpwho = r.stdout
      .split('\n')
      .map(parseWhoLine)
      .filter((w): w is WhoRow => w !== undefined && w.port === run.port);
  } else if (kind === 'proftpd') {
    const r = exec(world, [FTPWHO, '-f', run.scoreboard!, '-o', 'json']);
    if (r.status !== 0) throw new Error(`ftpwho failed: ${r.stdout}${r.stderr}`);
    view.ftpwho = (JSON.parse(r.stdout) as { connections?: FtpwhoConn[] }).connections ?? [];
  }
  return view;
}

function descendantsOf(pid: number): number[] {
  // cheap: children via /proc/PID/task/*/children
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      /* gone */
    }
    out.push(...kids);
    todo.push(...kids);
  }
  return out;
}

/** vsftpd's title shows every byte that is not printable ASCII as '?' */
export function vsftpdMangle(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
}

const VERB: Record<string, string> = { DL: 'RETR', UL: 'STOR' };

/** the argument shown after "RETR "/"STOR " in a title (possibly cut short), or undefined */
export function titleArg(run: DaemonRun, s: SessionTruth, t: string | undefined): string | undefined {
  if (t === undefined || s.status === 'IDLE') return undefined;
  const kind = DAEMON_INFO[run.id].kind;
  if (kind === 'proftpd') {
    const anon = s.account === 'anon' ? `: anonymous/${'guest@example.com'}` : '';
    const pre = `proftpd: ${s.login} - ${s.host}${anon}: ${VERB[s.status]} `;
    return t.startsWith(pre) ? t.slice(pre.length) : undefined;
  }
  if (kind === 'vsftpd' && DAEMON_INFO[run.id].titles) {
    const pre = `vsftpd: ${s.host}/${s.login}: ${VERB[s.status]} `;
    return t.startsWith(pre) ? t.slice(pre.length) : undefined;
  }
  return undefined;
}

/** undefined when the daemon's own view shows session s in its expected state; else why not */
export function agreesWithDaemon(run: DaemonRun, view: DaemonView, s: SessionTruth): string | undefined {
  const info = DAEMON_INFO[run.id];
  const t = view.titles.get(s.pid);
  const why = (m: string) => `${s.scenario} (pid ${s.pid}): ${m}`;
  if (t === undefined) return why('no such session process');
  const prelogin = s.account === undefined;
  switch (info.kind) {
    case 'pure-ftpd': {
      const w = view.pureFtpwho!.find((r) => r.pid === s.pid);
      if (!w) return why('not in pure-ftpwho');
      if (w.account !== (prelogin ? '?' : s.login)) return why(`pure-ftpwho account ${w.account}`);
      if (w.state !== s.status) return why(`pure-ftpwho state ${w.state}`);
      if (w.file !== s.file) return why(`pure-ftpwho file ${JSON.stringify(w.file)}`);
      if (w.peer !== s.host) return why(`pure-ftpwho peer ${w.peer}`);
      const st = { IDLE: 'IDLE', DL: 'DOWNLOAD', UL: 'UPLOAD' }[s.status];
      if (!t.startsWith(`pure-ftpd (${st})`)) return why(`title ${t}`);
      return undefined;
    }
    case 'proftpd': {
      const c = view.ftpwho!.find((x) => x.pid === s.pid);
      if (!c) return why('not in ftpwho');
      if (prelogin) {
        if (c.user !== undefined || !c.authenticating) return why(`ftpwho: ${JSON.stringify(c)}`);
        if (!/^proftpd: (connected: |\S+:\d+: USER )/.test(t)) return why(`title ${t}`);
        return undefined;
      }
      if (c.user !== s.login) return why(`ftpwho user ${c.user}`);
      if (c.remote_address !== s.host) return why(`ftpwho remote_address ${c.remote_address}`);
      if (s.status === 'IDLE') {
        if (!c.idling) return why(`ftpwho: not idling: ${JSON.stringify(c)}`);
        if (!t.endsWith(': IDLE')) return why(`title ${t}`);
      } else {
        if (c.command !== VERB[s.status]) return why(`ftpwho command ${c.command}`);
        if (!c.command_args || !s.file.startsWith(c.command_args)) return why(`ftpwho command_args ${c.command_args}`);
        const arg = titleArg(run, s, t);
        if (arg === undefined || !s.file.startsWith(arg) || arg.length < Math.min(20, s.file.length)) return why(`title ${t}`);
      }
      return undefined;
    }
    case 'vsftpd': {
      if (info.titles) {
        if (prelogin) return t === `vsftpd: ${s.host}: not logged in` ? undefined : why(`title ${t}`);
        if (s.status === 'IDLE') return t === `vsftpd: ${s.host}/${s.login}: IDLE` ? undefined : why(`title ${t}`);
        const arg = titleArg(run, s, t);
        const want = vsftpdMangle(s.file);
        if (arg === undefined || !want.startsWith(arg) || arg.length < Math.min(20, want.length)) return why(`title ${t}`);
        return undefined;
      }
      // no titles: the process's uid and its open file are all there is
      if (!t.startsWith(VSFTPD)) return why(`title ${t}`);
      if (prelogin) return undefined;
      const uid = uidOf(s.pid);
      if (uid === undefined || uid === 0) return why(`uid ${uid}`);
      if (s.status !== 'IDLE') {
        const links = fdLinks(s.pid) ?? [];
        if (!links.includes(s.path!)) return why(`${s.path} not open (fds: ${links.join(', ')})`);
      }
      return undefined;
    }
  }
}

export function uidOf(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export { procStat };
