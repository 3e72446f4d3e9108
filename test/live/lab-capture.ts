/**
 * Fixture capture from a running lab: `node scripts/capture.mjs DIR
 * [--proftpd-scoreboard PATH]` (the project's own capture tool) plus the
 * lab's ground truth as DIR/expected.json and a DIR/README.md.
 *
 * Run by hand (as root), it rewrites test/fixtures/lab/<daemon>/:
 *
 *   FTPSESSIONS_LAB_CAPTURE=1 npx vitest run test/live/lab.live.test.ts
 *
 * (FTPSESSIONS_LAB_CAPTURE=/some/dir writes there instead.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DAEMON_INFO, titleArg, type DaemonView } from './lab-daemons.js';
import { ROOT, type AccountKey, type Lab } from './lab.js';
import { relToHome } from './lab-expect.js';

export function captureTarget(): string | undefined {
  const v = process.env.FTPSESSIONS_LAB_CAPTURE;
  if (v === undefined || v === '' || v === '0') return undefined;
  return v === '1' ? path.join(ROOT, 'test', 'fixtures', 'lab') : path.resolve(v);
}

function duSize(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += duSize(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

export async function captureFixtures(lab: Lab, root: string, log: (m: string) => void): Promise<string> {
  const dir = path.join(root, lab.daemon);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const view: DaemonView = await lab.verify();
  const args = [path.join(ROOT, 'scripts', 'capture.mjs'), dir, ...(lab.run.scoreboard ? ['--proftpd-scoreboard', lab.run.scoreboard] : [])];
  const at = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: process.env.TZ ?? 'UTC' } });
  if (r.status !== 0) throw new Error(`capture.mjs failed (${r.status}): ${r.stderr}`);
  await lab.verify(); // nothing changed while capturing
  const info = DAEMON_INFO[lab.daemon];
  const w = lab.world;

  const accounts: Record<string, unknown> = {};
  for (const key of ['alice', 'bob', 'virt', 'anon'] as AccountKey[]) {
    const a = w.accounts[key];
    const sessions = lab.of(key).sort((x, y) => x.pid - y.pid);
    if (sessions.length === 0 && key === 'virt' && !info.virtual) continue;
    accounts[a.name] = {
      uid: a.uid,
      gid: a.gid,
      home: a.home,
      sessions: sessions.map((s) => ({
        pid: s.pid,
        user: s.login,
        host: s.host,
        status: s.status,
        file: s.file,
        login: info.kind === 'vsftpd' ? s.loggedInAt : s.connectedAt,
        scenario: s.scenario,
        systemUser: a.name,
        connectedAt: s.connectedAt,
        loggedInAt: s.loggedInAt,
        processStart: Math.round(s.processStart),
        helpers: s.holders.filter((p) => p !== s.pid),
        server: s.server,
        ...(s.path ? { openFile: s.path, openFileRelative: relToHome(s.path, a.home) } : {}),
        title: view.titles.get(s.pid),
        ...(titleArg(lab.run, s, view.titles.get(s.pid)) !== undefined ? { titleFile: titleArg(lab.run, s, view.titles.get(s.pid)) } : {}),
      })),
    };
  }
  const expected = {
    daemon: lab.daemon,
    version: lab.run.version,
    capturedAt: at,
    capturedAtIso: new Date(at).toISOString(),
    tz: process.env.TZ ?? 'UTC',
    command: `node scripts/capture.mjs test/fixtures/lab/${lab.daemon}${lab.run.scoreboard ? ` --proftpd-scoreboard ${lab.run.scoreboard}` : ''}`,
    loginToleranceMs: 2000,
    accounts,
    notLoggedIn: lab.sessions
      .filter((s) => s.account === undefined)
      .map((s) => ({ pid: s.pid, helpers: s.holders.filter((p) => p !== s.pid), host: s.host, scenario: s.scenario, connectedAt: s.connectedAt, title: view.titles.get(s.pid) })),
    listeners: lab.run.masters.map((m) => m.pid),
  };
  writeFileSync(path.join(dir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);

  const daemonNote: Record<string, string> = {
    'pure-ftpd':
      'Two listeners: 127.0.0.1 started with `-T 64:64 -t 32:32` (its sessions keep `64 -t 32 32` after the NUL-padded title in /proc/PID/cmdline) and ::1 with `-T 64 -t 32` (clean titles). Titles carry only the state. `pure-ftpwho.txt` has the login names (`carol@example.com` is the virtual user, running as ftpsess-virt), hosts and files.',
    proftpd:
      '`UseReverseDNS off` (numeric hosts in titles and in ftpwho). Titles: `proftpd: <login> - <ip>: IDLE|RETR <arg>|STOR <arg>`, anonymous `proftpd: ftp - <ip>: anonymous/guest@example.com: ...`, pre-login `proftpd: connected: ...` / `proftpd: <ip>:<port>: USER ...`. The 250-byte name is cut in the title and at 79 bytes in `ftpwho.json`.',
    vsftpd:
      '`setproctitle_enable=YES`: titles `vsftpd: <ip>/<login>: IDLE|RETR <arg>|STOR <arg>`, the UTF-8 name shown as `na??ve r??sum??.txt`, the 250-byte name cut. Two processes per session: the privileged parent (`vsftpd: <ip>: connected`, listed as `helpers`) and the session child (the pid to report; it starts at login).',
    'vsftpd-notitle':
      "`setproctitle_enable=NO` (vsftpd's default): every vsftpd process's title is `/usr/sbin/vsftpd <conf>`; only the uid, the start time, the control socket and the open files (proc/PID/fd, fdinfo) tell the sessions apart. A third listener is bound to the IPv4-mapped `::ffff:127.0.0.1`: the `mapped-v4` session's socket is in proc/PID/net/tcp6 as `::ffff:127.0.0.4`, to be shown as `127.0.0.4`.",
  };
  const readme = `# Lab capture: ${lab.daemon}

Captured ${new Date(at).toISOString()} (TZ=${process.env.TZ ?? 'UTC'}) by \`test/live/lab.live.test.ts\`
with \`FTPSESSIONS_LAB_CAPTURE=1\` (as root), from a real ${lab.run.version} on loopback
started by the lab (\`test/live/lab.ts\`, \`lab-daemons.ts\`), with real client
sessions in every state held by \`test/live/ftp-agent.mjs\`. The sources were
captured with the project's own tool:

    ${expected.command}

(\`ps.txt\`, \`proc/\` with fd links, fdinfo and per-pid \`net/tcp{,6}\`, \`pure-ftpwho.txt\`${info.kind === 'pure-ftpd' ? '' : ' (empty: no pure-ftpd ran)'}${info.kind === 'proftpd' ? ', `ftpwho.json`' : ''}).
Only the FTP daemons' processes are in it. \`ps.txt\` was taken with \`LC_ALL=C\`, so ps shows every
non-ASCII byte of a title as \`?\` (ProFTPD's \`naïve résumé.txt\`); \`proc/*/cmdline\` has the real bytes. The servers and clients ran in a
network namespace of their own, so \`proc/*/net/tcp*\` hold only the lab's sockets.

${daemonNote[lab.daemon]}

Started as:

${lab.run.commandLines.map((c) => `    ${c}`).join('\n')}

## expected.json: the ground truth

Per account (system user name -> uid, home, sessions), each session:
\`pid\` (the session process: not pure-ftpd's \`(PRIV)\` child, not vsftpd's
privileged parent; those are \`helpers\`), \`user\` (the FTP login name;
anonymous = \`ftp\`), \`host\` (numeric client address), \`status\`
(IDLE/DL/UL), \`file\` (the RETR/STOR argument exactly as the client sent it;
"" when idle), \`login\` (epoch ms the CLI's \`login\` must match within
\`loginToleranceMs\`: the connection time, for vsftpd the login time, i.e. the
session child's start). Also \`scenario\`, \`systemUser\` (the account the
process runs as), \`connectedAt\`/\`loggedInAt\` (client clock),
\`processStart\` (/proc start time: btime is whole seconds, so +-1 s), \`server\` (the address it connected to),
\`openFile\`/\`openFileRelative\` (the file open during a transfer, and
relative to the account's home), \`title\` (the process title, NUL -> space,
trimmed) and \`titleFile\` (the argument as the title shows it, where it does).
\`notLoggedIn\` lists the pre-login sessions (never to be reported) and
\`listeners\` the master processes.

Which fields a source can fill (ps: titles only; pure-ftpwho: root only;
proc: fds readable by root only here, the sessions are not dumpable) is
what \`test/live/lab-expect.ts\` encodes.

Scenarios: ${[...new Set(lab.sessions.map((s) => s.scenario))].join(', ')}.
Accounts: ${Object.entries(accounts)
    .map(([n, a]) => `${n} (uid ${(a as { uid: number }).uid})`)
    .join(', ')}${info.virtual ? `; the virtual user ${w.virtual.login} runs as ftpsess-virt` : ''}.
`;
  writeFileSync(path.join(dir, 'README.md'), readme);
  log(`captured ${lab.daemon} into ${dir} (${Math.round(duSize(dir) / 1024)} KiB)`);
  return dir;
}
