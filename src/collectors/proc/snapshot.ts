import type { Runtime } from '../../runtime.js';

/** What the proc source reads of a /proc tree (live `/proc`, or a capture of one). */
export interface ProcSnapshot {
  /** boot time, epoch seconds (`btime` of /proc/stat) */
  readonly btime: number | undefined;
  /** how many processes the tree lists */
  readonly scanned: number;
  readonly processes: readonly ProcProcess[];
  /** network namespace -> the text of its net/tcp and net/tcp6 */
  readonly tcp: ReadonlyMap<string, string>;
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
  readonly netns: string;
}

export interface ProcFd {
  readonly fd: number;
  /** what the link says: `socket:[123]`, `/home/alice/big.bin`, `pipe:[9]` ... */
  readonly target: string;
  /** open flags (fdinfo), for regular files */
  readonly flags?: number;
}

const DAEMONS = new Set(['pure-ftpd', 'proftpd', 'vsftpd']);

/**
 * Read the FTP daemons' processes of a /proc tree: one read of `stat` per
 * process (its comm says which are daemons), then the rest for those. Every
 * read may fail (a process ends, a file is not ours to read): what cannot be
 * read is left out. Synchronous reads: at 10,000 processes a promise per tiny
 * file costs more than the file.
 */
export function readProcTree(root: string, runtime: Runtime): ProcSnapshot {
  const read = (path: string): string | undefined => {
    try {
      return runtime.readFileNow(path);
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
    processes.push({
      pid: Number(pid),
      comm,
      cmdline: read(`${dir}/cmdline`) ?? '',
      stat: pstat,
      status: read(`${dir}/status`) ?? '',
      fds: readFds(dir, runtime, read, link),
      netns: link(`${dir}/ns/net`) ?? `pid:${pid}`,
    });
  }

  // One read of the TCP tables per network namespace, through a process in it.
  const tcp = new Map<string, string>();
  for (const p of processes) {
    if (tcp.has(p.netns) || !p.fds?.some((f) => f.target.startsWith('socket:'))) continue;
    tcp.set(p.netns, `${read(`${root}/${p.pid}/net/tcp`) ?? ''}\n${read(`${root}/${p.pid}/net/tcp6`) ?? ''}`);
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
    const info = read(`${dir}/fdinfo/${name}`);
    const flags = info === undefined ? Number.NaN : Number.parseInt(/^flags:\s*([0-7]+)$/m.exec(info)?.[1] ?? '', 8);
    fds.push(Number.isFinite(flags) ? { fd: Number(name), target, flags } : { fd: Number(name), target });
  }
  return fds.sort((a, b) => a.fd - b.fd);
}
