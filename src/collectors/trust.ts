import { CollectorError } from '../errors.js';
import type { Daemon } from '../model/observation.js';
import { trustedFile, trustedProgram } from '../model/files.js';
import type { FileFacts, Runtime } from '../runtime.js';

/**
 * Is a process a real FTP daemon's session? Names and titles are chosen by
 * whoever starts a process (and titles partly by FTP clients), so, as root,
 * only what the kernel says of the process counts (TRUST.md):
 *
 * - its program (`/proc/PID/exe`) is a regular file owned by root that no one
 *   else may write;
 * - its ancestors running that same file (same device and inode) lead up to
 *   a master running as root (a real, effective or saved uid of 0), whose program file is named for the daemon
 *   (`pure-ftpd`, `proftpd`, `vsftpd`).
 *
 * A process that merely has the name or the title fails the first or the
 * second test: a copy of the daemon is not root's, a user's own run of the
 * real daemon has no root master, a renamed `sleep` runs another program.
 * Reads only /proc; every answer is cached for the call.
 */
export interface ProcessFacts {
  readonly pid: number;
  readonly ppid: number;
  /** the process's name (stat's comm): its program's file name unless it renamed itself */
  readonly comm: string;
  /** effective uid */
  readonly uid: number;
  /**
   * whether the process holds root: a real, effective or saved uid of 0
   * (ProFTPD's master runs with the effective uid of its `User` and takes
   * root back when it needs it; no one else can make such a process)
   */
  readonly root: boolean;
  /** process state (`Z`: a zombie) */
  readonly state: string;
  /** start time, clock ticks after boot (field 22 of stat) */
  readonly startTicks: number;
}

const PROGRAM: Record<Daemon, string> = { 'pure-ftpd': 'pure-ftpd', proftpd: 'proftpd', vsftpd: 'vsftpd' };
/** deeper than any daemon's process tree (vsftpd: 3) */
const MAX_DEPTH = 16;

/**
 * The checks read /proc's own files first (stat, status: the kernel answers
 * them at once) and stat a program file only once the process is known to
 * descend from a root master: `stat` follows `/proc/PID/exe` into the file
 * system the program lives on, and a user's program on a FUSE mount of
 * their own could make that stat wait for ever.
 */
export class ProcessVetter {
  private readonly facts = new Map<number, ProcessFacts | null>();
  private readonly exes = new Map<number, FileFacts | null>();
  private readonly named = new Map<string, string | null>();

  constructor(
    private readonly runtime: Runtime,
    private readonly root = '/proc',
  ) {}

  /** What /proc says of a process now (not cached: for the re-checks before a signal). */
  readNow(pid: number): ProcessFacts | undefined {
    const dir = `${this.root}/${pid}`;
    try {
      const stat = this.runtime.readFileNow(`${dir}/stat`);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = this.runtime.readFileNow(`${dir}/status`);
      // after a LF only: the Name line before it is the process's own choice (a CR or U+2028 in it is not a line start)
      const ids = /(?:^|\n)Uid:[\t ]+(\d+)[\t ]+(\d+)[\t ]+(\d+)/.exec(status);
      const uid = ids?.[2];
      const ppid = Number(fields[1]);
      const startTicks = Number(fields[19]);
      // a start tick out of range is still a start tick (normalise says the login time is unknown)
      if (uid === undefined || !Number.isSafeInteger(ppid) || !Number.isFinite(startTicks)) return undefined;
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const root = ids?.slice(1, 4).includes('0') === true;
      return { pid, ppid, comm, uid: Number(uid), root, state: fields[0] ?? '', startTicks };
    } catch {
      return undefined;
    }
  }

  known(pid: number): ProcessFacts | undefined {
    let f = this.facts.get(pid);
    if (f === undefined) this.facts.set(pid, (f = this.readNow(pid) ?? null));
    return f ?? undefined;
  }

  /** stat(2) of a process's program file, once per pid; undefined for a kernel thread or a process gone */
  private exeOf(pid: number): FileFacts | undefined {
    let e = this.exes.get(pid);
    if (e === undefined) {
      try {
        e = this.runtime.statNow(`${this.root}/${pid}/exe`);
      } catch {
        e = null;
      }
      this.exes.set(pid, e);
    }
    return e ?? undefined;
  }

  /**
   * The master of a session of `daemon`: the pid of the root process at the
   * top of its same-program ancestry, or why the process is not a session.
   */
  vet(pid: number, daemon: Daemon, facts: ProcessFacts | undefined = this.known(pid)): { master: number } | { refused: string } {
    if (facts === undefined) return { refused: 'gone' };
    if (facts.comm !== PROGRAM[daemon]) return { refused: `it is not named ${daemon}` };
    // up the ancestors of the same name, by /proc's own files only
    const chain = [facts];
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const parent = (chain[chain.length - 1] as ProcessFacts).ppid > 0 ? this.known((chain[chain.length - 1] as ProcessFacts).ppid) : undefined;
      if (parent === undefined || parent.comm !== facts.comm) break;
      chain.push(parent);
    }
    const master = chain[chain.length - 1] as ProcessFacts;
    if (master === facts || !master.root) return { refused: `no master of ${daemon} running as root above it` };
    // a root master: now its program, then that each below it runs the same file
    const exe = this.exeOf(master.pid);
    if (exe === undefined || !trustedProgram(exe)) return { refused: 'its program is not a root-owned file that only root may write' };
    if (this.programName(master.pid, exe) !== PROGRAM[daemon]) return { refused: `its program is not ${daemon}` };
    for (const p of chain.slice(0, -1)) {
      const own = this.exeOf(p.pid);
      if (own === undefined || !trustedProgram(own) || !sameFile(own, exe)) return { refused: `it does not run its master's program` };
    }
    return { master: master.pid };
  }

  /**
   * Whether a process is a daemon's master: named for the daemon, holding
   * root, its parent named otherwise, its program a root-owned file no one
   * else may write, named for the daemon.
   */
  isMaster(facts: ProcessFacts): facts is ProcessFacts & { comm: Daemon } {
    if (!(facts.comm in PROGRAM) || !facts.root || this.known(facts.ppid)?.comm === facts.comm) return false;
    const exe = this.exeOf(facts.pid);
    return exe !== undefined && trustedProgram(exe) && this.programName(facts.pid, exe) === PROGRAM[facts.comm as Daemon];
  }

  /** The file name of a master's program, once per program file. */
  private programName(pid: number, exe: FileFacts): string | undefined {
    const key = `${exe.dev}:${exe.ino}`;
    let name = this.named.get(key);
    if (name === undefined) {
      try {
        const path = this.runtime.readLinkNow(`${this.root}/${pid}/exe`).replace(/ \(deleted\)$/, '');
        name = path.slice(path.lastIndexOf('/') + 1);
      } catch {
        name = null;
      }
      this.named.set(key, name);
    }
    return name ?? undefined;
  }
}

function sameFile(a: FileFacts, b: FileFacts): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * The scoreboard of a vetted ProFTPD master: a regular file that only its
 * owner (root, or the daemon's own user) may write. The master holds open
 * either the scoreboard itself or, as ProFTPD 1.3.8 does, only its lock file
 * (`ScoreboardMutex`, by default the ScoreboardFile's path and `.lck`): then
 * the scoreboard is that path without `.lck`. Only the master's descriptors
 * count (its sessions run as the users). Undefined when it names none.
 */
export function scoreboardOf(master: number, runtime: Runtime, owners: readonly number[]): string | undefined {
  let names: string[];
  try {
    names = runtime.readDirNow(`/proc/${master}/fd`);
  } catch {
    return undefined;
  }
  const locks: string[] = [];
  for (const name of names) {
    let target: string;
    try {
      target = runtime.readLinkNow(`/proc/${master}/fd/${name}`);
      if (!target.startsWith('/')) continue;
      if (/scoreboard\.lck$/.test(target)) locks.push(target.slice(0, -'.lck'.length));
      if (!/scoreboard$/.test(target)) continue;
      if (trustedFile(runtime.statNow(`/proc/${master}/fd/${name}`), owners)) return target;
    } catch {
      // closed meanwhile
    }
  }
  for (const board of locks) {
    try {
      if (trustedFile(runtime.statNow(board), owners)) return board;
    } catch {
      // no scoreboard next to its lock
    }
  }
  return undefined;
}

/**
 * The daemons whose master runs here, as root sees them: a process named
 * for the daemon, holding root, whose program is a root-owned file no one
 * else may write, named for the daemon, and whose parent runs another
 * program. A user's process that only has the name is not one.
 */
export function runningMasters(runtime: Runtime): Set<Daemon> {
  const found = new Set<Daemon>();
  const vetter = new ProcessVetter(runtime);
  let pids: string[];
  try {
    pids = runtime.readDirNow('/proc').filter((n) => /^[1-9]\d*$/.test(n));
  } catch {
    throw new CollectorError('E_COLLECTOR_UNAVAILABLE', 'as root, the FTP daemons are checked in /proc, and /proc cannot be read here');
  }
  for (const name of pids) {
    const facts = vetter.known(Number(name));
    if (facts !== undefined && !found.has(facts.comm as Daemon) && vetter.isMaster(facts)) found.add(facts.comm);
  }
  return found;
}
