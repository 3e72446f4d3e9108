import type { Invocation } from '../cli/invocation.js';
import type { Session } from '../model/session.js';
import type { Runtime } from '../runtime.js';

/** What a function returns: a list of sessions, or one object (a report). */
export type FunctionData =
  | {
      readonly kind: 'sessions';
      readonly sessions: readonly Session[];
      /** --extended: pid -> the transfer detail each row also carries */
      readonly detail?: ReadonlyMap<number, Detail> | undefined;
    }
  | { readonly kind: 'object'; readonly value: Readonly<Record<string, unknown>> };

/** A success; failures are thrown ApiErrors. */
export interface FunctionResult {
  readonly data: FunctionData;
  /** non-critical problems: UAPI `warnings`; stderr for API 2 */
  readonly warnings: readonly string[];
}

export type FunctionHandler = (invocation: Invocation, runtime: Runtime) => Promise<FunctionResult>;

/** The transfer detail of a session (--extended), keys as the native row names them. */
export interface Detail {
  readonly cwd: string | null;
  readonly idle_seconds: number | null;
  readonly percent: number | null;
  readonly rate_bytes_per_second: number | null;
  readonly size_bytes: number | null;
  readonly transferred_bytes: number | null;
}
