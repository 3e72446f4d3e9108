/**
 * The post-processing of one call, with what its arguments need loaded:
 * re2js (about 25 ms to import) only when they hold a `matches` filter, so
 * that no other call pays for it.
 */
import { applyApi2 } from './api2.js';
import { loadRegexEngine } from './regex.js';
import type { Api2Outcome, Args, PostprocessOptions, Row, UapiOutcome } from './types.js';
import { applyUapi } from './uapi.js';

export interface Postprocessor {
  applyUapi(rows: readonly Row[], args: Args, options?: PostprocessOptions): UapiOutcome;
  applyApi2(rows: readonly Row[], args: Args, options?: PostprocessOptions): Api2Outcome;
}

/** Whether the arguments hold a `matches` filter (`api.filter_type*` or `api2_filter_type*` = `matches`). */
export function hasMatchesFilter(args: Args): boolean {
  return Object.entries(args).some(([key, value]) => value === 'matches' && /^(?:api\.|api2_)filter_type/.test(key));
}

/** Loads the call's post-processing: the regex engine only for a `matches` filter. */
export async function loadPostprocess(args: Args): Promise<Postprocessor> {
  const regex = hasMatchesFilter(args) ? await loadRegexEngine() : undefined;
  return {
    applyUapi: (rows, callArgs, options = {}) => applyUapi(rows, callArgs, { regex, ...options }),
    applyApi2: (rows, callArgs, options = {}) => applyApi2(rows, callArgs, { regex, ...options }),
  };
}
