import type { RegexEngine } from './regex.js';

/**
 * A row cell: API 2 rows hold strings, UAPI rows strings and numbers; null
 * is Perl's undef ("" and 0); a list matches when any element does.
 */
export type Cell = string | number | null | readonly (string | number)[];

/** One returned record, as the function produced it (keys in output order). */
export type Row = Readonly<Record<string, Cell>>;

/** The already-decoded `key=value` arguments of the call (a repeated key arrives as `key`, `key-0`, `key-1`, ...). */
export type Args = Readonly<Record<string, string>>;

export interface PostprocessOptions {
  /**
   * The 6-character exception id cPanel prefixes to the reason in an
   * "arguments are invalid" message (`(XID 8kp3e4) ...`); cPanel draws it at
   * random from `abcdefghjkmnpqrstuvwxyz23456789`, and so does the default.
   */
  readonly xid?: () => string;
  /**
   * The engine of the `matches` filter (re2js, from `loadRegexEngine()`):
   * needed when the arguments hold a `matches` filter, so that only such a
   * call pays for loading it.
   */
  readonly regex?: RegexEngine | undefined;
}

/** UAPI `result.metadata.paginate` (cpanel-cli.md §3.1). */
export interface UapiPaginate {
  readonly total_results: number;
  readonly total_pages: number;
  readonly start_result: number;
  /** The `api.paginate_size` argument as given (a string, `"007"` stays `"007"`), or the number 100 by default. */
  readonly results_per_page: number | string;
  readonly current_page: number;
}

/** What post-processing adds to UAPI `result.metadata` (besides `transformed`, which the envelope sets). */
export interface UapiMetadata {
  records_before_filter?: number;
  paginate?: UapiPaginate;
  invalid_columns?: string[];
}

export type UapiOutcome =
  | { readonly ok: true; readonly rows: Row[]; readonly metadata: UapiMetadata; readonly messages: string[] }
  | {
      readonly ok: false;
      /** `result.errors[0]`; the call fails (`status: 0`). */
      readonly error: string;
      /** cPanel keeps `data` as it was when the failure struck (filtered, maybe sorted). */
      readonly rows: Row[];
      readonly metadata: UapiMetadata;
      readonly messages: string[];
    };

/** API 2 `cpanelresult.paginate`: values from cPanel's page variables, `null` where they were never set. */
export interface Api2Paginate {
  readonly start_result: number | string | null;
  readonly current_page: number | null;
  readonly total_pages: number | null;
  readonly results_per_page: number | string | null;
  readonly total_results: number | null;
}

/** Keys API 2 adds next to `data` in `cpanelresult`. */
export interface Api2Extra {
  records_before_filter?: number;
  paginate?: Api2Paginate;
  invalid_columns?: string[];
  invalid_columns_str?: string;
}

export type Api2Outcome =
  | { readonly ok: true; readonly rows: Row[]; readonly extra: Api2Extra }
  | { readonly ok: false; readonly error: string; readonly extra: Api2Extra };
