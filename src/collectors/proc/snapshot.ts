import type { Runtime } from '../../runtime.js';

/** What the proc source reads of a /proc tree (live `/proc`, or a capture of one). */
export interface ProcSnapshot {
  /** boot time, epoch seconds (`btime` of /proc/stat) */
  readonly btime: number | undefined;
  /** how many processes the tree lists */
  readonly scanned: number;
  readonly processes: readonly ProcProcess[];
  /** the net/tcp and net/tcp6 tables read (keyed by the process read through) */
  readonly tcp: ReadonlyMap<string, string>;
  /** `ss -tineH state established` of the caller's network namespace (tcpinfo.ts), when it was read */
  readonly tcpInfo?: string;
}

export interface ProcProcess {
  readonly pid: number;
  readonly comm: string;
  /** argv area, NUL bytes and all */
  readonly cmdline: string;
  readonly stat: string;
  readonly status: string;
  /** open descriptors; undefined when they are not ours to read */
  readonly fds: readonly ProcFd[] | undefined;
}

export interface ProcFd {
  readonly fd: number;
  /** what the link says: `socket:[123]`, `/home/alice/big.bin`, `pipe:[9]` ... */
  readonly target: string;
  /** open flags (fdinfo), for regular files */
  readonly flags?: number;
  /** the file offset (fdinfo `pos`), for regular files: how far a transfer has read or written */
  readonly pos?: number;
}

const DAEMONS = new Set(['pure-ftpd', 'proftpd', 'vsftpd']);

/** Open files that are the daemon's own business, never a transfer. */
export const SYSTEM_PATHS = /^\/(?:dev|proc|sys|run|etc|usr|lib|lib64|bin|sbin|var\/(?:run|log|lib|cache))\//;

/**
 * Read the FTP daemons' processes of a /proc tree: one read of `stat` per
 * process (its comm says which are daemons), then the rest for those. Every
 * read may fail (a process ends, a file is not ours to read): what cannot be
 * read is left out. Synchronous reads: at 10,000 processes a promise per tiny
 * file costs more than the file. `untrusted`: a replayed tree, whose files
 * anyone may have put there (Runtime.readFileNow).
 */
export function readProcTree(root: string, runtime: Runtime, descriptorsOf?: number, { untrusted = false }: { untrusted?: boolean } = {}): ProcSnapshot {
  const read = (path: string): string | undefined => {
    try {
      return runtime.readFileNow(path, { untrusted });
    } catch {
      return undefined;
    }
  };
  const link = (path: string): string | undefined => {
    try {
      return runtime.readLinkNow(path);
    } catch {
      return undefined;
    }
  };
  const stat = read(`${root}/stat`);
  const btime = stat === undefined ? undefined : Number(/^btime (\d+)$/m.exec(stat)?.[1] ?? Number.NaN);
  const pids = runtime.readDirNow(root).filter((name) => /^[1-9]\d*$/.test(name));

  const processes: ProcProcess[] = [];
  for (const pid of pids) {
    const dir = `${root}/${pid}`;
    const pstat = read(`${dir}/stat`);
    if (pstat === undefined) continue;
    const comm = pstat.slice(pstat.indexOf('(') + 1, pstat.lastIndexOf(')'));
    if (!DAEMONS.has(comm)) continue;
    // of status only the Uid line: 10,000 whole status files are 13 MB
    // the Uid line at the start of a line after a LF only: a process names itself (Name: comes first), and
    // with the `m` flag `^` would also match after a CR or U+2028 in that name
    const status = /(?:^|\n)(Uid:[^\n]*)/.exec(read(`${dir}/status`) ?? '')?.[1] ?? '';
    const uid = Number(/^Uid:[\t ]+\d+[\t ]+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    const cmdline = read(`${dir}/cmdline`) ?? '';
    // the ProFTPD master's descriptors name the scoreboard it uses (a hint for ftpwho)
    // (the ProFTPD master's scoreboard is found by the trust checks, from a vetted master: collectors/trust.ts)
    const wanted = descriptorsOf === undefined || uid === descriptorsOf;
    processes.push({ pid: Number(pid), comm, cmdline, stat: pstat, status, fds: wanted ? readFds(dir, runtime, read, link) : undefined });
  }

  // The TCP tables, read through a process whose sockets the tables read so
  // far do not list (usually one read: every session's control connection is
  // in the namespace the daemon listens in, even when vsftpd moves the session
  // process into a namespace of its own). Each network namespace's tables are
  // read once, whatever sockets its processes hold (a session's syslog socket
  // is in no TCP table: reading the tables again for each such session made
  // 10,000 sessions cost 10,000 table reads).
  const tcp = new Map<string, string>();
  const known = new Set<string>();
  const namespaces = new Set<string>();
  const readTables = (pid: number | string) => {
    if (tcp.has(`pid:${pid}`)) return;
    const ns = link(`${root}/${pid}/ns/net`);
    if (ns !== undefined) {
      if (namespaces.has(ns)) return;
      namespaces.add(ns);
    }
    const table = `${read(`${root}/${pid}/net/tcp`) ?? ''}\n${read(`${root}/${pid}/net/tcp6`) ?? ''}`;
    tcp.set(`pid:${pid}`, table);
    for (const line of table.split('\n')) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode !== undefined && /^\d+$/.test(inode)) known.add(inode);
    }
  };
  for (const p of processes) {
    const sockets = (p.fds ?? []).map((f) => /^socket:\[(\d+)\]$/.exec(f.target)?.[1]).filter((s) => s !== undefined);
    if (sockets.length === 0 || sockets.some((s) => known.has(s))) continue;
    readTables(p.pid);
    // still unknown: the process was moved to a namespace of its own (vsftpd): its parent's has it
    if (!sockets.some((s) => known.has(s))) readTables(p.stat.slice(p.stat.lastIndexOf(')') + 2).split(' ')[1] ?? '');
  }
  return { btime: Number.isFinite(btime) ? btime : undefined, scanned: pids.length, processes, tcp };
}

function readFds(
  dir: string,
  runtime: Runtime,
  read: (path: string) => string | undefined,
  link: (path: string) => string | undefined,
): ProcFd[] | undefined {
  let names: string[];
  try {
    names = runtime.readDirNow(`${dir}/fd`);
  } catch {
    return undefined; // not ours to read
  }
  const fds: ProcFd[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const target = link(`${dir}/fd/${name}`);
    if (target === undefined) continue;
    if (!target.startsWith('/')) {
      fds.push({ fd: Number(name), target });
      continue;
    }
    // the access mode and offset matter only for a file that may be a transfer
    const info = SYSTEM_PATHS.test(target) ? undefined : read(`${dir}/fdinfo/${name}`);
    const flags = info === undefined ? Number.NaN : Number.parseInt(/^flags:\s*([0-7]+)$/m.exec(info)?.[1] ?? '', 8);
    // the kernel's own lines, split on LF only (as everywhere: collectors/text.ts)
    const pos = info === undefined ? Number.NaN : Number(/(?:^|\n)pos:[\t ]*(\d{1,20})(?=\n|$)/.exec(info)?.[1] ?? Number.NaN);
    fds.push({
      fd: Number(name),
      target,
      ...(Number.isFinite(flags) ? { flags } : {}),
      ...(Number.isSafeInteger(pos) ? { pos } : {}),
    });
  }
  return fds.sort((a, b) => a.fd - b.fd);
}
