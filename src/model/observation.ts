import { isValidTime } from './time.js';
/**
 * What one source saw of one FTP session process. Collectors produce these;
 * several sources' observations of the same pid are merged, then scoped and
 * normalised into Sessions. Absent fields are unknown to that source.
 */
export type SessionState = 'IDLE' | 'DL' | 'UL';
export type Daemon = 'pure-ftpd' | 'proftpd' | 'vsftpd';

export interface Observation {
  pid: number;
  daemon: Daemon;
  /** false while the client has not logged in (such sessions are never shown) */
  loggedIn: boolean;
  state: SessionState;
  /** effective uid of the session process */
  uid?: number;
  /** system user the process runs as */
  systemUser?: string;
  /** the FTP login name */
  login?: string;
  host?: string;
  file?: string;
  /** the open file of a transfer, absolute, as /proc shows it (when no daemon source names it) */
  filePath?: string;
  /** connection time, epoch ms */
  startedAt?: number;
  /** process title as ps shows it, daemon padding removed */
  title?: string;
  /** the session's current directory as the daemon shows it (ProFTPD's scoreboard) */
  cwd?: string;
  /**
   * epoch ms since which the session has done nothing: ftpwho's idle_since_ms,
   * or (proc, with `idleFromTcp`) now minus the control connection's `lastrcv`
   * from ss: since its client last sent a command. Idle sessions only.
   */
  idleSince?: number;
  /**
   * the transfer in progress: bytes moved so far. /proc: the file offset (a
   * download's read offset, ahead of the client by what sits in buffers);
   * pure-ftpwho: its KiB * 1024; ftpwho: transfer_bytes (updated every few
   * seconds, absent at first)
   */
  transferred?: number;
  /** the transfer's file size in bytes, where known: a download's file (/proc's stat, pure-ftpwho's total); an upload's grows: none */
  size?: number;
  /** percent of the file moved, 0-100, where the source says it */
  percent?: number;
  /** bytes per second as the source itself gives it (pure-ftpwho: the average since the transfer began) */
  rate?: number;
  /**
   * the descriptor of the file in transfer, when /proc showed it: its
   * `/proc/PID/fdinfo/FD` pos can be read again to measure the rate
   */
  transferFd?: number;
}

/** Status mapping shared by every source: transfers in, transfers out, anything else idle. */
export function stateOfCommand(command: string): SessionState {
  switch (command.toUpperCase()) {
    case 'DOWNLOAD':
    case 'RETR':
    case 'DL':
      return 'DL';
    case 'UPLOAD':
    case 'STOR':
    case 'APPE':
    case 'STOU':
    case 'UL':
      return 'UL';
    default:
      return 'IDLE';
  }
}

/**
 * Merge the observations of several sources by pid. Later sources add what
 * earlier ones did not know and override them where they know better
 * (`prefer`); a session is logged in only if every source agrees.
 */
export function mergeObservations(
  base: readonly Observation[],
  extra: readonly Observation[],
  prefer: readonly (keyof Observation)[],
): Observation[] {
  const byPid = new Map<number, Observation>();
  for (const o of extra) byPid.set(o.pid, o);
  const wins = new Set(prefer);
  const take = <K extends keyof Observation>(key: K, a: Observation, b: Observation): Observation[K] =>
    b[key] !== undefined && (a[key] === undefined || wins.has(key)) ? b[key] : a[key];
  return base.map((a) => {
    const b = byPid.get(a.pid);
    if (b === undefined) return a;
    // every key, in one order: one object shape for all merged sessions (fast at 10,000)
    return {
      pid: a.pid,
      daemon: a.daemon,
      loggedIn: a.loggedIn && b.loggedIn,
      state: take('state', a, b),
      uid: take('uid', a, b),
      systemUser: take('systemUser', a, b),
      login: take('login', a, b),
      host: take('host', a, b),
      file: take('file', a, b),
      filePath: take('filePath', a, b),
      // a daemon's list does not say the start time better, but a valid one beats one out of range
      startedAt: isValidTime(a.startedAt) || !isValidTime(b.startedAt) ? take('startedAt', a, b) : b.startedAt,
      title: take('title', a, b),
      cwd: take('cwd', a, b),
      idleSince: take('idleSince', a, b),
      transferred: take('transferred', a, b),
      size: take('size', a, b),
      percent: take('percent', a, b),
      rate: take('rate', a, b),
      transferFd: take('transferFd', a, b),
    } as Observation;
  });
}
