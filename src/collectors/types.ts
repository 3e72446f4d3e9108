import type { SourceId } from '../cli/invocation.js';
import type { Daemon, Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';

/**
 * The contract of a source (see collectors/README.md).
 *
 * A source is one view of the FTP sessions of this machine (a program such as
 * ps or pure-ftpwho, or /proc itself). It is read live or from a capture
 * given with `--input ID=PATH`; both give the same raw data to the same pure
 * `parse`, so a replay behaves exactly like the live run.
 */
export interface Source<Raw = string> {
  readonly id: SourceId;
  /** the daemon this source speaks for; undefined for the sources that see every daemon */
  readonly serves?: Daemon;
  /** read it live: the raw data, or why it cannot be had here; throws a CollectorError when it fails */
  live(context: LiveContext): Promise<Live<Raw>>;
  /** read the capture at `path` (`-` is standard input); throws a CollectorError when it cannot */
  replay(path: string, runtime: Runtime, settings: CollectSettings): Promise<Raw>;
  /** pure: raw data and the clock -> what the source says about FTP sessions; never throws */
  parse(raw: Raw, now: number): SourceReading;
  /**
   * Live only: fill in what the output lacks from the running system (the uid
   * of each session process). Not called on replays.
   */
  enrichLive?(observations: Observation[], runtime: Runtime): Promise<Observation[]>;
}

export type Live<Raw> = { readonly ok: true; readonly raw: Raw } | { readonly ok: false; readonly reason: string };

export interface LiveContext {
  readonly runtime: Runtime;
  readonly settings: CollectSettings;
  /** what the sources read before this one learned about the daemons */
  readonly hints: Hints;
}

/** What the user may set. */
export interface CollectSettings {
  /** ProFTPD's scoreboard file, for ftpwho */
  readonly proftpdScoreboard?: string | undefined;
  /**
   * Read the descriptors (client address, open file) only of the processes
   * running as this uid: the account's. Everyone else's sessions are scoped
   * out, or named by their titles and the daemons' own lists, and reading
   * descriptors is most of what /proc costs at 10,000 sessions.
   */
  readonly descriptorsOf?: number | undefined;
  /**
   * Ask the kernel (one run of `ss`) how long each session's control
   * connection has been quiet: the idle time of the daemons that report
   * none (pure-ftpd, vsftpd). For the views that show idle times.
   */
  readonly idleFromTcp?: boolean | undefined;
}

/** What one source tells the next. */
export interface Hints {
  /** the scoreboard a running ProFTPD holds open */
  proftpdScoreboard?: string;
}

export interface SourceReading {
  readonly observations: Observation[];
  /** lines (or processes) that had the shape of this source's output, FTP or not */
  readonly recognised: number;
  /** 1-based numbers of the lines that did not */
  readonly skippedLines: number[];
  readonly hints?: Hints;
  /** the daemons whose processes (listeners included) this source saw */
  readonly running?: readonly Daemon[];
}

/** What a collector hands on: the merged observations and what it could not use. */
export interface Collection {
  readonly observations: Observation[];
  /** the sources that were read */
  readonly used: readonly SourceId[];
  /** the daemons running here, as the base source saw them (listeners included) */
  readonly running: ReadonlySet<Daemon>;
  /** sources that were not used, with why */
  readonly unused: ReadonlyMap<SourceId, { readonly serves: Daemon | undefined; readonly reason: string }>;
  readonly warnings: readonly string[];
}
