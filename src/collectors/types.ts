import type { SourceId } from '../cli/invocation.js';
import type { Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';

/**
 * The contract of a source (see collectors/README.md).
 *
 * A source is one external view of the FTP sessions: a program we run live
 * (by absolute path, argv array, fixed environment, timeout) or the capture
 * of that program's output replayed with `--input ID=FILE`. Both paths end
 * in the same pure `parse`, so a replay behaves exactly like the live run.
 */
export interface Source {
  readonly id: SourceId;
  /** what to run live */
  readonly command: {
    /** absolute paths, tried in order; the first executable one is run */
    readonly paths: readonly string[];
    readonly args: readonly string[];
    /** the program refuses to work for anyone but root */
    readonly rootOnly: boolean;
    readonly timeoutMs: number;
  };
  /** pure: the program's stdout, the clock -> what it says about FTP sessions */
  parse(text: string, now: number): SourceReading;
  /**
   * Live only: fill in what the output lacks from the running system
   * (e.g. the uid of each session process). Not called on replays.
   */
  enrichLive?(observations: Observation[], runtime: Runtime): Promise<Observation[]>;
}

export interface SourceReading {
  readonly observations: Observation[];
  /** lines that had the shape of this source's output (FTP or not) */
  readonly recognised: number;
  /** 1-based numbers of lines that did not */
  readonly skippedLines: number[];
}

/** What a collector hands on: the merged observations and what it could not use. */
export interface Collection {
  readonly observations: Observation[];
  /** optional sources that were not used, with why */
  readonly unused: ReadonlyMap<SourceId, string>;
  readonly warnings: readonly string[];
}
