import type { Invocation } from '../cli/invocation.js';
import type { Session } from '../model/session.js';
import type { Runtime } from '../runtime.js';

/** What an API function returns on success; failures are thrown ApiErrors. */
export interface FunctionResult {
  readonly data: readonly Session[];
  /** non-critical problems: UAPI `warnings`; stderr for API 2 */
  readonly warnings: readonly string[];
}

export type FunctionHandler = (invocation: Invocation, runtime: Runtime) => Promise<FunctionResult>;
