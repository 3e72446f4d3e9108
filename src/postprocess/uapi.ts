/**
 * UAPI's generic post-processing of a returned list (`api.filter_*`,
 * `api.sort_*`, `api.paginate_*`, `api.columns_*`), as cPanel's code does it:
 * `Cpanel::Args->new` reads the arguments, `Cpanel::API::execute` reports
 * the invalid ones, `Cpanel::API::_post_execute_transform` and
 * `Cpanel::Result::apply_any_filters_sorts_pagination` transform the data.
 * See cpanel-cli.md §3.1; where it and the code differ, this follows the code.
 *
 * The switches `api.filter`, `api.sort`, `api.paginate`, `api.columns` are
 * not read (the code acts on any `api.filter_*`, ... key; the docs say the
 * switches enable them).
 */

import {
  filterDidNotPertainMessage,
  invalidArgumentsMessage,
  randomXid,
  reasons,
  sortDidNotPertainMessage,
  startIndexTooLargeMessage,
} from './messages.js';
import { cpanelCeil, perlIv, perlNum, perlSplice, perlTrue } from './perl.js';
import {
  argsUnder,
  CallFailure,
  EMPTY_TERM_IS_NO_OP,
  type Filter,
  filterRows,
  isFilterType,
  isSortMethod,
  parseFilters,
  parseSorts,
  RegexCache,
  selectColumns,
  sortRows,
} from './primitives.js';
import type { Args, PostprocessOptions, Row, UapiMetadata, UapiOutcome, UapiPaginate } from './types.js';

interface Sort {
  readonly column: string;
  readonly reverse: boolean;
  readonly method: string;
}

interface Pagination {
  /** 0-based, exact (an argument may exceed 2**53). */
  readonly start: bigint;
  /** The argument as given, or the number 100. */
  readonly size: string | number;
}

const DEFAULT_PAGE_SIZE = 100;
const UV_MAX = 2n ** 64n - 1n;

/**
 * Applies the call's `api.*` arguments to the rows a UAPI function returned.
 *
 * Never throws for any argument. Returns `ok: false` where cPanel's call
 * fails (`status: 0`, the message in `errors`): the pagination start is past
 * the end (`The start index (4) is larger than the total number of results
 * (3).`, the index 0-based), a `matches` pattern does not compile (Perl's
 * message, or `api.filter_term: back-references (\1) are not supported by the
 * matches filter` for what the linear-time engine cannot run), a sort method that is its own `_reverse`
 * variant is reversed (`“numeric_reverse_reverse” is not a valid sort
 * method.`), or an ipv4 sort meets an Inf/NaN octet (`Cannot pack Inf with
 * 'C'`). The failure keeps the rows, metadata and messages as they stood.
 */
export function applyUapi(rows: readonly Row[], args: Args, options: PostprocessOptions = {}): UapiOutcome {
  const xid = options.xid ?? randomXid;
  const messages: string[] = [];
  const metadata: UapiMetadata = {};

  // -- Cpanel::Args->new: parse and coerce ("a la API 2"), collecting the invalid ones.
  const filters: Filter[] = [];
  const invalidFilters: string[] = [];
  const filterArgs = argsUnder(args, 'api.filter_');
  for (const [column, rawType, term, termKey] of filterArgs.size > 0 ? parseFilters(filterArgs) : []) {
    const filter = makeFilter(column, rawType, term, `api.filter_${termKey}`);
    if (typeof filter === 'string') {
      invalidFilters.push(invalidArgumentsMessage('filter', JSON.stringify([column, rawType ?? null, term ?? null]), xid(), filter));
    } else {
      filters.push(filter);
    }
  }

  const sorts: Sort[] = [];
  const invalidSorts: string[] = [];
  const sortArgs = argsUnder(args, 'api.sort_');
  for (const [column, reverse, rawMethod] of sortArgs.size > 0 ? parseSorts(sortArgs) : []) {
    // An invalid or missing method is lexicographic (the docs say a numeric sort without a method fails).
    const method = isSortMethod(rawMethod) ? rawMethod : 'lexicographic';
    if (column === '') {
      const raw = `{"column":${JSON.stringify(column)},"reverse":${reverse},"method":${JSON.stringify(rawMethod ?? null)}}`;
      invalidSorts.push(invalidArgumentsMessage('sort', raw, xid(), reasons.missing(['column'])));
      continue;
    }
    sorts.push({ column, reverse: reverse === 1, method });
  }

  let pagination: Pagination | undefined;
  const invalidPagination: string[] = [];
  const paginateArgs = argsUnder(args, 'api.paginate_');
  if (paginateArgs.size > 0) {
    const parsed = parsePagination(paginateArgs);
    if (typeof parsed === 'string') {
      const raw = `{${[...paginateArgs].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
      invalidPagination.push(invalidArgumentsMessage('pagination', raw, xid(), parsed));
    } else {
      pagination = parsed;
    }
  }

  const columns = Object.entries(args)
    .filter(([key]) => key.startsWith('api.columns_'))
    .map(([, value]) => value);
  const hasColumns = columns.length > 0;

  // cPanel walks a hash of the three kinds: its order is random; ours is filter, sort, pagination.
  messages.push(...invalidFilters, ...invalidSorts, ...invalidPagination);

  // -- _post_execute_transform
  let data: Row[] = [...rows];
  const regex = new RegexCache(options.regex);
  const doneFilters = new Set<Filter>();
  const doneSorts = new Set<Sort>();
  let paginated = false;
  let totalResults: number | undefined;

  const paginate = (): void => {
    if (!pagination || paginated) return;
    const total = data.length;
    if (pagination.start > BigInt(total)) throw new CallFailure(startIndexTooLargeMessage(pagination.start.toString(), total));
    data = perlSplice(data, Number(pagination.start), perlIv(pagination.size)).removed;
    totalResults = total;
    paginated = true;
  };

  try {
    // Only an array of hashes is filtered and sorted: an empty list is not (no messages, no records_before_filter).
    if (data.length > 0) {
      if (hasColumns) {
        const selected = selectColumns(data, columns);
        data = selected.rows;
        if (selected.message !== undefined) messages.push(selected.message);
        if (selected.invalid.length > 0) metadata.invalid_columns = selected.invalid;
      }

      if (filters.length > 0) {
        metadata.records_before_filter = data.length;
        for (const filter of filters) {
          // Skips the wildcard filters (unless a row has a "*" column) and, once a filter has
          // removed every row, every filter after it (cPanel also adds an empty row there: see README).
          const first = data[0];
          if (first === undefined || !Object.hasOwn(first, filter.column)) continue;
          data = filterRows(data, filter, regex);
          doneFilters.add(filter);
        }
      }
      for (const filter of filters) {
        if (filter.column !== '*') continue;
        data = filterRows(data, filter, regex);
        doneFilters.add(filter);
      }

      // Sorts only when every filter applied; pagination only when every sort did.
      if (filters.every((f) => doneFilters.has(f))) {
        for (const sort of [...sorts].reverse()) {
          const first = data[0];
          if (first !== undefined) {
            // Sorts are chained: when one cannot run, neither can those before it.
            if (!Object.hasOwn(first, sort.column)) break;
            data = sortRows(data, sort.column, sort.method + (sort.reverse ? '_reverse' : ''));
          }
          doneSorts.add(sort);
        }
        if (sorts.every((s) => doneSorts.has(s))) paginate();
      }

      for (const filter of filters) {
        if (!doneFilters.has(filter)) messages.push(filterDidNotPertainMessage(filter.column, filter.type, filter.term ?? ''));
      }
      for (const sort of sorts) {
        if (!doneSorts.has(sort)) messages.push(sortDidNotPertainMessage(sort.reverse, sort.column, sort.method));
      }
    }

    // force_pagination: cPanel paginates here whatever was left undone
    // (cpanel-cli.md §3.1 says pagination runs only if every sort was applied).
    paginate();
  } catch (error) {
    if (error instanceof CallFailure) return { ok: false, error: error.message, rows: data, metadata, messages };
    throw error;
  }

  if (pagination && totalResults !== undefined) metadata.paginate = paginateMetadata(pagination, totalResults);
  return { ok: true, rows: data, metadata, messages };
}

/**
 * `_coerce_filter_args_a_la_api2` then `Cpanel::Args::Filter->new`: the
 * filter, or the reason it is invalid. A false type ("", "0", missing) is
 * `contains`. An empty term is allowed for `eq` and the no-op types; a
 * missing one is then still refused (`Cpanel::Args::Meta` wants all three).
 */
function makeFilter(column: string, rawType: string | undefined, term: string | undefined, termArgument: string): Filter | string {
  const type = perlTrue(rawType) ? (rawType as string) : 'contains';
  if (!isFilterType(type)) return reasons.invalidFilterType(type);
  if ((term === undefined || term === '') && type !== 'eq' && !EMPTY_TERM_IS_NO_OP.includes(type)) return reasons.emptyTerm(type);
  if (term === undefined) return reasons.missing(['term']);
  return { column, type, term, termArgument };
}

/**
 * `_coerce_paginate_args_a_la_api2` then `Cpanel::Args::Paginate->new`: the
 * pagination, or the reason it is invalid. A start that is false ("", "0")
 * or has a non-digit is 0; otherwise it is made 0-based, which leaves
 * `00` at -1 and a start beyond 2**64-1 (a float in Perl, "1e+20") with
 * non-digits: both are invalid, as in cPanel. A size that is empty, has a
 * non-digit or is below 1 is 100.
 */
function parsePagination(cfg: ReadonlyMap<string, string>): Pagination | string {
  const startArg = cfg.get('start');
  const sizeArg = cfg.get('size');
  let start = 0n;
  if (startArg !== undefined && perlTrue(startArg) && !/[^0-9]/.test(startArg)) {
    const value = BigInt(startArg);
    if (value > UV_MAX) return reasons.nonnegative('start'); // Perl: 1e+20 - 1 stringifies with "e+"
    start = value - 1n;
    if (start < 0n) return reasons.nonnegative('start'); // "00": -1
  }
  const size = sizeArg === undefined || sizeArg === '' || /[^0-9]/.test(sizeArg) || perlNum(sizeArg) < 1 ? DEFAULT_PAGE_SIZE : sizeArg;
  return { start, size };
}

/** `Cpanel::API::_make_paginate_metadata`. */
function paginateMetadata(pagination: Pagination, total: number): UapiPaginate {
  const size = perlNum(pagination.size);
  const start = Number(pagination.start);
  return {
    total_results: total,
    total_pages: cpanelCeil(total / size),
    start_result: 1 + start,
    results_per_page: pagination.size,
    current_page: cpanelCeil((1 + start) / size),
  };
}

