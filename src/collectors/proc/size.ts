import { isRegular } from '../../model/files.js';
import type { Observation } from '../../model/observation.js';
import type { Runtime } from '../../runtime.js';

/**
 * File systems whose stat(2) the kernel answers from local data. A FUSE
 * file system answers through a program, which its (unprivileged) owner can
 * make wait for ever; a network one waits for its server. A file on any
 * other kind gets no size.
 */
const LOCAL_FILE_SYSTEMS = new Set([
  'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'bcachefs', 'f2fs', 'jfs', 'reiserfs', 'zfs',
  'tmpfs', 'ramfs', 'overlay', 'squashfs', 'erofs', 'vfat', 'exfat', 'ntfs3',
]);

/**
 * The size of each download's file, and so its percent: `stat` of
 * `/proc/PID/fd/FD` (the file the process has open, whatever its name now).
 * That stat follows the descriptor into the file system the file lives on,
 * so it is done only
 *
 * - for the processes `may` allows: as root, vetted daemon sessions; for
 *   anyone else, their own processes (collectors/index.ts), and
 * - for a file on a local file system: the descriptor's `mnt_id` (fdinfo)
 *   looked up in the `mountinfo` of the process or its parents (the
 *   kernel's own text: no file system is asked), never a FUSE or network
 *   mount, nor a mount no table read lists.
 *
 * An upload's file grows as it arrives: its final size is not known here.
 * Anything that cannot be read leaves the observation as it was.
 */
export function withTransferSizes(observations: Observation[], runtime: Runtime, may: (o: Observation) => boolean, root = '/proc'): Observation[] {
  const mounts = new MountTypes(runtime, root);
  return observations.map((o) => {
    if (o.transferFd === undefined || o.state !== 'DL' || !may(o)) return o;
    const size = sizeOf(o.pid, o.transferFd, runtime, root, mounts);
    if (size === undefined) return o;
    const known: Observation = { ...o, size };
    if (o.transferred !== undefined && size > 0 && o.transferred <= size) known.percent = (o.transferred * 100) / size;
    return known;
  });
}

function sizeOf(pid: number, fd: number, runtime: Runtime, root: string, mounts: MountTypes): number | undefined {
  try {
    const mount = /(?:^|\n)mnt_id:[\t ]*(\d+)/.exec(runtime.readFileNow(`${root}/${pid}/fdinfo/${fd}`))?.[1];
    if (mount === undefined || !LOCAL_FILE_SYSTEMS.has(mounts.typeOf(pid, mount) ?? '')) return undefined;
    const facts = runtime.statNow(`${root}/${pid}/fd/${fd}`);
    return isRegular(facts) && facts.size !== undefined && Number.isSafeInteger(facts.size) && facts.size >= 0 ? facts.size : undefined;
  } catch {
    return undefined; // ended, or not ours to read
  }
}

/** deeper than any daemon's process tree (vsftpd: 3) */
const MAX_DEPTH = 16;

/**
 * The type of a mount, by its id, as a process's mount namespace knows it.
 * A chrooted session (pure-ftpd `-A`, ProFTPD `DefaultRoot`, vsftpd
 * `chroot_local_user`) sees only the mounts under its new root in its own
 * mountinfo, often none: then its parents' tables (the master is not
 * chrooted) in the same namespace. Each table is read once per call, and a
 * namespace's mounts once known serve all its processes: linear in the
 * sessions.
 */
class MountTypes {
  private readonly byNamespace = new Map<string, Map<string, string>>();
  private readonly read = new Set<number>();

  constructor(
    private readonly runtime: Runtime,
    private readonly root: string,
  ) {}

  typeOf(pid: number, mount: string): string | undefined {
    const ns = this.namespaceOf(pid);
    let types = this.byNamespace.get(ns ?? `pid:${pid}`);
    if (types === undefined) this.byNamespace.set(ns ?? `pid:${pid}`, (types = new Map()));
    for (let p = pid, depth = 0; !types.has(mount) && depth < MAX_DEPTH; depth++) {
      if (!this.read.has(p)) {
        this.read.add(p);
        for (const [id, type] of fileSystemTypes(this.text(`${this.root}/${p}/mountinfo`) ?? '')) types.set(id, type);
      }
      if (ns === undefined) break;
      // stat: `pid (comm) state ppid ...`, comm any text: read after the last ')'
      const stat = this.text(`${this.root}/${p}/stat`) ?? '';
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
      if (!Number.isSafeInteger(parent) || parent <= 1 || this.namespaceOf(parent) !== ns) break;
      p = parent;
    }
    return types.get(mount);
  }

  private namespaceOf(pid: number): string | undefined {
    try {
      return this.runtime.readLinkNow(`${this.root}/${pid}/ns/mnt`);
    } catch {
      return undefined;
    }
  }

  private text(path: string): string | undefined {
    try {
      return this.runtime.readFileNow(path);
    } catch {
      return undefined;
    }
  }
}

/**
 * mount id -> file system type, from `/proc/PID/mountinfo`:
 * `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS`
 * (spaces in paths are written `\040`, so the fields split on spaces).
 */
export function fileSystemTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    const type = f[dash + 1];
    if (dash === -1 || type === undefined || !/^\d+$/.test(f[0] as string)) continue;
    types.set(f[0] as string, type);
  }
  return types;
}
