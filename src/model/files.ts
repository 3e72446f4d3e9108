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

