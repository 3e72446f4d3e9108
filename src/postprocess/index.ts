/**
 * cPanel's generic post-processing of a returned list of rows: UAPI's
 * `api.*` and API 2's `api2_*` filter, sort, paginate and column arguments.
 * Pure: no I/O, no process state (the XID of an "invalid arguments" message
 * is random unless `options.xid` is given).
 *
 * This entry point loads the `matches` filter's engine (re2js) with the
 * module, for callers that apply synchronously right after importing it;
 * `load.ts` (`loadPostprocess(args)`) loads it only for a call that has a
 * `matches` filter.
 */
import { applyApi2 as applyApi2With } from './api2.js';
import { loadRegexEngine } from './regex.js';
import type { Api2Outcome, Args, PostprocessOptions, Row, UapiOutcome } from './types.js';
import { applyUapi as applyUapiWith } from './uapi.js';

const regex = await loadRegexEngine();

export function applyUapi(rows: readonly Row[], args: Args, options: PostprocessOptions = {}): UapiOutcome {
  return applyUapiWith(rows, args, { regex, ...options });
}

export function applyApi2(rows: readonly Row[], args: Args, options: PostprocessOptions = {}): Api2Outcome {
  return applyApi2With(rows, args, { regex, ...options });
}

export { hasMatchesFilter, loadPostprocess, type Postprocessor } from './load.js';
export { loadRegexEngine, type RegexEngine } from './regex.js';
export type {
  Api2Extra,
  Api2Outcome,
  Api2Paginate,
  Args,
  Cell,
  PostprocessOptions,
  Row,
  UapiMetadata,
  UapiOutcome,
  UapiPaginate,
} from './types.js';
