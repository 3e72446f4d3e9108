import type { FileFacts } from '../runtime.js';

/** What may be believed of a file, from what stat(2) says of it (TRUST.md). */

/** A regular file owned by root, writable by no one else. */
export function trustedProgram(f: FileFacts): boolean {
  return (f.mode & 0o170000) === 0o100000 && f.uid === 0 && (f.mode & 0o022) === 0;
}

/** A root-owned regular file, or one of the daemon's user, that no one else may write: a file the daemon's list may come from. */
export function trustedFile(f: FileFacts, owners: readonly number[] = [0]): boolean {
  return (f.mode & 0o170000) === 0o100000 && owners.includes(f.uid) && (f.mode & 0o022) === 0;
}

export function isRegular(f: FileFacts): boolean {
  return (f.mode & 0o170000) === 0o100000;
}


/** What a file is, in words, from its st_mode (`is a FIFO`). */
export function kindOf(mode: number): string {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'is a regular file';
    case 0o040000:
      return 'is a directory';
    case 0o010000:
      return 'is a FIFO';
    case 0o140000:
      return 'is a socket';
    case 0o020000:
      return 'is a character device';
    case 0o060000:
      return 'is a block device';
    default:
      return 'is not a regular file';
  }
}
