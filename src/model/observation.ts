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
  for (const o of base) byPid.set(o.pid, { ...o });
  for (const o of extra) {
    const into = byPid.get(o.pid);
    if (into === undefined) continue; // not in the base listing: the process is gone or not ours to see
    const target = into as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(o)) {
      if (value === undefined || key === 'loggedIn') continue;
      if (target[key] === undefined || prefer.includes(key as keyof Observation)) target[key] = value;
    }
    into.loggedIn = into.loggedIn && o.loggedIn;
  }
  return [...byPid.values()];
}
