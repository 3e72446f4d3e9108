import type { Invocation } from '../cli/invocation.js';
import type { Session } from '../model/session.js';
import type { Runtime } from '../runtime.js';

/** What a function returns: a list of sessions, or one object (a report). */
export type FunctionData =
  | { readonly kind: 'sessions'; readonly sessions: readonly Session[] }
  | { readonly kind: 'object'; readonly value: Readonly<Record<string, unknown>> };

/** A success; failures are thrown ApiErrors. */
export interface FunctionResult {
  readonly data: FunctionData;
  /** non-critical problems: UAPI `warnings`; stderr for API 2 */
  readonly warnings: readonly string[];
}

export type FunctionHandler = (invocation: Invocation, runtime: Runtime) => Promise<FunctionResult>;
