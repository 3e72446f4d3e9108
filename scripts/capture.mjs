#!/usr/bin/env node
// Capture what ftpsessions reads on this machine, for a bug report or a test
// fixture; replay it anywhere with --input. Run as root to capture everything.
//
//   node scripts/capture.mjs OUTDIR [--proftpd-scoreboard PATH]
//
// OUTDIR/ps.txt        LC_ALL=C.UTF-8 ps -ww -eo pid=,ppid=,uid=,user:64=,lstart=,args=  (FTP daemons' rows only)
// OUTDIR/pure-ftpwho.txt   pure-ftpwho -s -H                      (when installed and root)
// OUTDIR/ftpwho.json   ftpwho -f SCOREBOARD -o json               (when installed)
// OUTDIR/proc/         /proc of the FTP daemons' processes: stat, and per pid cmdline, comm, stat,
//                      status, fd/* and ns/net (the links, as links), fdinfo/*, net/tcp, net/tcp6;
//                      proc/ss-tinHe.txt: ss -t -i -n -e -H state established (the connections' idle times)
//
// Only the FTP daemons' processes are captured: nothing else of the machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = 'usage: node scripts/capture.mjs OUTDIR [--proftpd-scoreboard PATH]';
const [out, ...rest] = process.argv.slice(2);
if (out === '-h' || out === '--help') {
  console.log(`${USAGE}\nCaptures the FTP daemons' processes (ps, /proc) and their own lists (pure-ftpwho, ftpwho) into OUTDIR,\nfor replay with --input (see the README, "Replay"). Run as root to capture everything.`);
  process.exit(0);
}
if (!out || out.startsWith('-') || (rest.length > 0 && !(rest[0] === '--proftpd-scoreboard' && rest.length === 2))) {
  console.error(USAGE);
  process.exit(2);
}
const sbAt = rest.indexOf('--proftpd-scoreboard');
const scoreboard = sbAt === -1 ? undefined : rest[sbAt + 1];
const DAEMONS = new Set(['pure-ftpd', 'proftpd', 'vsftpd']);
mkdirSync(out, { recursive: true });

const run = (file, args, env = {}) => {
  try {
    return execFileSync(file, args, { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ...env }, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return undefined;
  }
};
const read = (path) => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

// The daemons' pids, by comm (titles change; comm does not).
const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && DAEMONS.has(String(read(`/proc/${p}/comm`) ?? '').trim()));

const tz = process.env.TZ === undefined ? {} : { TZ: process.env.TZ };
const ps = run(existsSync('/usr/bin/ps') ? '/usr/bin/ps' : '/bin/ps', ['-ww', '-eo', 'pid=,ppid=,uid=,user:64=,lstart=,args='], tz);
if (ps !== undefined) {
  const mine = new Set(pids);
  writeFileSync(join(out, 'ps.txt'), ps.split('\n').filter((l) => mine.has(l.trim().split(/\s+/)[0])).map((l) => `${l}\n`).join(''));
}
const who = existsSync('/usr/sbin/pure-ftpwho') && process.getuid() === 0 ? run('/usr/sbin/pure-ftpwho', ['-s', '-H']) : undefined;
if (who !== undefined) writeFileSync(join(out, 'pure-ftpwho.txt'), who);
const ftpwho = existsSync('/usr/bin/ftpwho') ? run('/usr/bin/ftpwho', [...(scoreboard ? ['-f', scoreboard] : []), '-o', 'json']) : undefined;
if (ftpwho !== undefined) writeFileSync(join(out, 'ftpwho.json'), ftpwho);

const proc = join(out, 'proc');
mkdirSync(proc, { recursive: true });
// /proc files report a size of 0: read them, never copy them
writeFileSync(join(proc, 'stat'), readFileSync('/proc/stat'));
for (const pid of pids) {
  const dir = join(proc, pid);
  mkdirSync(join(dir, 'net'), { recursive: true });
  for (const f of ['cmdline', 'comm', 'stat', 'status', 'net/tcp', 'net/tcp6']) {
    const data = read(`/proc/${pid}/${f}`);
    if (data !== undefined) writeFileSync(join(dir, f), data);
  }
  try {
    mkdirSync(join(dir, 'ns'), { recursive: true });
    symlinkSync(readlinkSync(`/proc/${pid}/ns/net`), join(dir, 'ns', 'net'));
  } catch {
    // not ours to read: the replay reads net/ through this pid alone
  }
  for (const sub of ['fd', 'fdinfo']) {
    let entries = [];
    try {
      entries = readdirSync(`/proc/${pid}/${sub}`);
    } catch {
      continue; // not ours to read
    }
    mkdirSync(join(dir, sub), { recursive: true });
    for (const n of entries) {
      try {
        if (sub === 'fd') symlinkSync(readlinkSync(`/proc/${pid}/fd/${n}`), join(dir, 'fd', n));
        else writeFileSync(join(dir, 'fdinfo', n), readFileSync(`/proc/${pid}/fdinfo/${n}`));
      } catch {
        // closed meanwhile
      }
    }
  }
}
// the TCP details of the established connections (lastrcv: each control connection's idle time), as the proc source reads them live
const ssPath = ['/usr/bin/ss', '/usr/sbin/ss', '/bin/ss', '/sbin/ss'].find((p) => existsSync(p));
const ss = ssPath === undefined ? undefined : run(ssPath, ['-t', '-i', '-n', '-e', '-H', 'state', 'established']);
if (ss !== undefined) writeFileSync(join(proc, 'ss-tinHe.txt'), ss);
console.error(`captured ${pids.length} FTP daemon processes into ${out}`);
