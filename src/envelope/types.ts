import type { Dialect } from '../cli/invocation.js';
import type { FunctionData } from '../functions/types.js';

/** A row as a dialect prints it (API 2: every value a string). */
export type Row = Record<string, string | number | null>;

/**
 * A finished answer, ready for any renderer. `document` is what JSON and
 * YAML print; XML prints `xmlContent` under `<xmlRoot>`; the table prints
 * `rows` (or `object`) and says `warnings` and `error` on stderr.
 */
export interface Envelope {
  readonly dialect: Dialect;
  readonly document: Record<string, unknown>;
  readonly xmlRoot: string;
  readonly xmlContent: Record<string, unknown>;
  /** the listed rows, after post-processing; undefined when the answer is not a list */
  readonly rows: readonly Row[] | undefined;
  /** the answer when it is one object */
  readonly object: Readonly<Record<string, unknown>> | undefined;
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
  /** the function's arguments: the post-processing ones (api.*, api2_*) apply to lists */
  readonly args: Readonly<Record<string, string>>;
}

/** cPanel's post-processing (src/postprocess), loaded only when a call asks for it. */
export type Postprocess = import('../postprocess/load.js').Postprocessor;

/** Whether the arguments ask a dialect for post-processing (`api.*` for UAPI, `api2_*` for API 2). */
export function wantsPostprocess(dialect: Dialect, args: Readonly<Record<string, string>>): boolean {
  const prefix = dialect === 'uapi' ? /^api\.(?:filter|sort|paginate|columns)_/ : dialect === 'api2' ? /^api2_(?:filter|sort|paginate|columns)/ : undefined;
  return prefix !== undefined && Object.keys(args).some((k) => prefix.test(k));
}

export type Outcome =
  | { readonly ok: true; readonly data: FunctionData; readonly warnings: readonly string[] }
  | {
      readonly ok: false;
      readonly message: string;
      readonly warnings: readonly string[];
      /** the error's stable code (E_...) */
      readonly code?: string;
      /** the action request's id, when the failure came before the request could be read whole */
      readonly requestId?: { readonly value: unknown };
    };
