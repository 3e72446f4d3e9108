import type { Dialect } from '../cli/invocation.js';
import type { Session } from '../model/session.js';

/**
 * A finished answer, ready for any renderer. `document` is what JSON and
 * YAML print; XML prints `xmlContent` under `<xmlRoot>`; the table uses
 * `sessions`, `warnings` and `error` directly.
 */
export interface Envelope {
  readonly dialect: Dialect;
  readonly document: Record<string, unknown>;
  readonly xmlRoot: string;
  readonly xmlContent: Record<string, unknown>;
  readonly sessions: readonly Session[];
  readonly warnings: readonly string[];
  /** whether the document carries the warnings (UAPI) or they must go to stderr (API 2) */
  readonly warningsInDocument: boolean;
  /** the failure message, when the call failed */
  readonly error: string | undefined;
}

export interface CallInfo {
  readonly dialect: Dialect;
  readonly module: string;
  readonly func: string;
}

export type Outcome =
  | { readonly ok: true; readonly sessions: readonly Session[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly warnings: readonly string[] };
