// Which daemons a live test file runs, and why one skips: the one place the
// live files (lab, native, serve) decide it.
import { existsSync } from 'node:fs';
import { DAEMON_INFO, type DaemonId } from './lab.js';

export const ALL: DaemonId[] = ['pure-ftpd', 'proftpd', 'vsftpd', 'vsftpd-notitle'];
const wanted = process.env.FTPSESSIONS_LAB_DAEMONS?.split(',').filter(Boolean) as DaemonId[] | undefined;
/** FTPSESSIONS_LAB_DAEMONS=proftpd,vsftpd runs only those */
export const DAEMONS = ALL.filter((d) => !wanted || wanted.includes(d));

export const isRoot = process.getuid?.() === 0;
const which = (c: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${c}`));
const missingTools = ['ip', 'ss', 'setpriv', 'useradd', 'chpasswd', 'perl'].filter((c) => !which(c));
export const INSTALL = 'run: sudo bash test/live/install-ftp-daemons.sh';
/** why no live test can run here, if none can */
export const skipAll = !isRoot ? 'not running as root' : missingTools.length > 0 ? `${missingTools.join(', ')} not installed (${INSTALL})` : undefined;

/** why the live tests of this daemon cannot run here, if they cannot */
export function skipOf(d: DaemonId): string | undefined {
  if (skipAll) return skipAll;
  const missing = DAEMON_INFO[d].binaries.filter((b) => !existsSync(b));
  return missing.length > 0 ? `${missing.join(', ')} not installed (${INSTALL})` : undefined;
}

/** Say, once per daemon, which of them this file skips and why. */
export function warnSkips(tag: string, what: string): void {
  for (const d of DAEMONS) {
    const why = skipOf(d);
    if (why) console.warn(`[${tag}] SKIPPING the live ${d} ${what}: ${why}`);
  }
}
