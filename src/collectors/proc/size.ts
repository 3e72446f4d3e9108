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
 *   looked up in the process's `mountinfo` (both the kernel's own text: no
 *   file system is asked), never a FUSE or network mount, nor a mount made
 *   after the table was read.
 *
 * An upload's file grows as it arrives: its final size is not known here.
 * Anything that cannot be read leaves the observation as it was.
 */
export function withTransferSizes(observations: Observation[], runtime: Runtime, may: (o: Observation) => boolean, root = '/proc'): Observation[] {
  const mounts = new Map<string, Map<string, string>>();
  return observations.map((o) => {
    if (o.transferFd === undefined || o.state !== 'DL' || !may(o)) return o;
    const size = sizeOf(`${root}/${o.pid}`, o.transferFd, runtime, mounts);
    if (size === undefined) return o;
    const known: Observation = { ...o, size };
    if (o.transferred !== undefined && size > 0 && o.transferred <= size) known.percent = (o.transferred * 100) / size;
    return known;
  });
}

function sizeOf(dir: string, fd: number, runtime: Runtime, mounts: Map<string, Map<string, string>>): number | undefined {
  try {
    const mount = /(?:^|\n)mnt_id:[\t ]*(\d+)/.exec(runtime.readFileNow(`${dir}/fdinfo/${fd}`))?.[1];
    if (mount === undefined) return undefined;
    let ns: string;
    try {
      ns = runtime.readLinkNow(`${dir}/ns/mnt`);
    } catch {
      ns = dir;
    }
    let types = mounts.get(ns);
    if (types === undefined) mounts.set(ns, (types = fileSystemTypes(runtime.readFileNow(`${dir}/mountinfo`))));
    if (!LOCAL_FILE_SYSTEMS.has(types.get(mount) ?? '')) return undefined;
    const facts = runtime.statNow(`${dir}/fd/${fd}`);
    return isRegular(facts) && facts.size !== undefined && Number.isSafeInteger(facts.size) && facts.size >= 0 ? facts.size : undefined;
  } catch {
    return undefined; // ended, or not ours to read
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
