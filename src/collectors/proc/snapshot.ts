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
 * Read the FTP daemons' processes of a /proc tree. Every read may fail (a
 * process ends, a file is not ours to read): what cannot be read is left out.
 */
export async function readProcTree(root: string, runtime: Runtime): Promise<ProcSnapshot> {
  const quiet = <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);
  const stat = await quiet(runtime.readFile(`${root}/stat`));
  const btime = stat === undefined ? undefined : Number(/^btime (\d+)$/m.exec(stat)?.[1] ?? Number.NaN);
  const pids = (await runtime.readDir(root)).filter((name) => /^[1-9]\d*$/.test(name));

  const daemons = (
    await Promise.all(
      pids.map(async (pid) => {
        const comm = (await quiet(runtime.readFile(`${root}/${pid}/comm`)))?.trim();
        return comm !== undefined && DAEMONS.has(comm) ? { pid, comm } : undefined;
      }),
    )
  ).filter((d): d is { pid: string; comm: string } => d !== undefined);

  const processes = await Promise.all(
    daemons.map(async ({ pid, comm }): Promise<ProcProcess> => {
      const dir = `${root}/${pid}`;
      const [cmdline, pstat, status, fds, netns] = await Promise.all([
        quiet(runtime.readFile(`${dir}/cmdline`)),
        quiet(runtime.readFile(`${dir}/stat`)),
        quiet(runtime.readFile(`${dir}/status`)),
        quiet(readFds(dir, runtime)),
        quiet(runtime.readLink(`${dir}/ns/net`)),
      ]);
      return { pid: Number(pid), comm, cmdline: cmdline ?? '', stat: pstat ?? '', status: status ?? '', fds, netns: netns ?? `pid:${pid}` };
    }),
  );

  // One read of the TCP tables per network namespace, through a process in it.
  const tcp = new Map<string, string>();
  for (const p of processes) {
    if (tcp.has(p.netns) || !p.fds?.some((f) => f.target.startsWith('socket:'))) continue;
    const [v4, v6] = await Promise.all([
      quiet(runtime.readFile(`${root}/${p.pid}/net/tcp`)),
      quiet(runtime.readFile(`${root}/${p.pid}/net/tcp6`)),
    ]);
    tcp.set(p.netns, `${v4 ?? ''}\n${v6 ?? ''}`);
  }
  return { btime: Number.isFinite(btime) ? btime : undefined, scanned: pids.length, processes, tcp };
}

async function readFds(dir: string, runtime: Runtime): Promise<ProcFd[]> {
  const names = (await runtime.readDir(`${dir}/fd`)).filter((n) => /^\d+$/.test(n));
  const fds = await Promise.all(
    names.map(async (name): Promise<ProcFd | undefined> => {
      const target = await runtime.readLink(`${dir}/fd/${name}`).catch(() => undefined);
      if (target === undefined) return undefined;
      if (!target.startsWith('/')) return { fd: Number(name), target };
      const info = await runtime.readFile(`${dir}/fdinfo/${name}`).catch(() => undefined);
      const flags = info === undefined ? undefined : Number.parseInt(/^flags:\s*([0-7]+)$/m.exec(info)?.[1] ?? '', 8);
      return Number.isFinite(flags) ? { fd: Number(name), target, flags: flags as number } : { fd: Number(name), target };
    }),
  );
  return fds.filter((f): f is ProcFd => f !== undefined).sort((a, b) => a.fd - b.fd);
}
