import type { ProgramSpec } from '../program.js';
import { runProgram } from '../program.js';
import { splitLines } from '../text.js';
import type { LiveContext } from '../types.js';

/**
 * How long each connection has been quiet, as the kernel keeps it: `ss -i`
 * shows each TCP socket's `lastrcv`, the milliseconds since the peer last
 * sent data (an ACK or a keep-alive probe does not count). For a session's
 * control connection that is the time since its client last sent a
 * command: its idle time, for the daemons that report none (pure-ftpd,
 * vsftpd). `-e` adds the socket's inode, which /proc's descriptors name.
 *
 * ss reads the caller's network namespace: a session whose control
 * connection lives in another one (a daemon started in a namespace of its
 * own) gets no idle time from it.
 */
export const SS_ARGS = ['-t', '-i', '-n', '-e', '-H', 'state', 'established'] as const;
const SS: ProgramSpec = {
  name: 'ss',
  paths: ['/usr/bin/ss', '/usr/sbin/ss', '/bin/ss', '/sbin/ss'],
  rootOnly: false,
  timeoutMs: 5_000,
};

/** ss's output, or undefined when it cannot be had (not installed, failed): the idle times are then unknown, nothing else. */
export async function readTcpInfo(context: LiveContext): Promise<string | undefined> {
  try {
    const live = await runProgram(SS, SS_ARGS, context);
    return live.ok ? live.raw : undefined;
  } catch {
    return undefined;
  }
}

/**
 * socket inode -> ms since the peer last sent data. A socket is a line
 * that does not start with white space (its addresses, `ino:N`), then
 * indented lines of its TCP details (`lastrcv:N`). Only whole decimal
 * numbers count; every other word is skipped.
 */
export function lastReceived(text: string): Map<string, number> {
  const quiet = new Map<string, number>();
  let inode: string | undefined;
  for (const line of splitLines(text)) {
    if (line === '') continue;
    const c = line.charCodeAt(0);
    if (c !== 0x09 && c !== 0x20) {
      inode = / ino:(\d{1,20})(?= |$)/.exec(line)?.[1];
      continue;
    }
    const ms = / lastrcv:(\d{1,15})(?= |$)/.exec(line)?.[1];
    if (inode !== undefined && inode !== '0' && ms !== undefined) quiet.set(inode, Number(ms));
  }
  return quiet;
}
