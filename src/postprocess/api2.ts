/**
 * API 2's generic post-processing of a returned list (`api2_columns`,
 * `api2_filter`, `api2_sort`, `api2_paginate` and their `_*` arguments), as
 * `Cpanel::Api2::Exec::api2_exec` and `Cpanel::Api2::{Columns,Filter,Sort,
 * Paginate}` do it (cpanel-cli.md §3.2). Unlike UAPI, API 2 reads the
 * switches, skips invalid filters silently, and reports nothing in messages.
 */

import { cpanelCeil, PerlDie, perlIv, perlNum, perlSplice, perlTrue } from './perl.js';
import { argsUnder, CallFailure, type Filter, filterRows, isFilterType, isSortMethod, parseFilters, parseSorts, RegexCache, selectColumns, sortRows } from './primitives.js';
import type { Api2Extra, Api2Outcome, Api2Paginate, Args, PostprocessOptions, Row } from './types.js';

const DEFAULT_PAGE_SIZE = 100;

/**
 * Applies the call's `api2_*` arguments to the rows an API 2 function
 * returned, in cPanel's order: columns, filters, sorts, pagination.
 *
 * Never throws for any argument. Returns `ok: false` where cPanel dies in
 * the middle of the call: a `matches` pattern that does not compile (Perl's
 * message, or `api2_filter_term: back-references (\1) are not supported by
 * the matches filter`), a reversed `_reverse` sort method
 * (`“numeric_reverse_reverse” is not a valid sort method.`), an ipv4 sort
 * meeting an Inf/NaN octet, or a negative `api2_paginate_size` reaching
 * before the first row (`Modification of non-creatable array value
 * attempted, subscript -5`). How cPanel's `cpapi2` reports such a die is not
 * known; the message is what Perl's `die` carries, without " at FILE line N.".
 */
export function applyApi2(rows: readonly Row[], args: Args, options: PostprocessOptions = {}): Api2Outcome {
  const extra: Api2Extra = {};
  let data: Row[] = [...rows];
  const regex = new RegexCache(options.regex);

  try {
    if (perlTrue(args['api2_columns'])) {
      const columns = Object.entries(args)
        .filter(([key]) => key.startsWith('api2_columns_'))
        .map(([, value]) => value);
      const selected = selectColumns(data, columns);
      data = selected.rows;
      if (selected.message !== undefined) extra.invalid_columns_str = selected.message;
      if (selected.invalid.length > 0) extra.invalid_columns = selected.invalid;
    }

    if (perlTrue(args['api2_filter'])) {
      // Set whenever the switch is on, even with no valid filter and no rows.
      extra.records_before_filter = data.length;
      if (data.length > 0) {
        for (const filter of api2Filters(args)) data = filterRows(data, filter, regex);
      }
    }

    if (perlTrue(args['api2_sort'])) {
      const sorts = parseSorts(argsUnder(args, 'api2_sort_'));
      if (data.length > 1) {
        for (const [column, reverse, rawMethod] of [...sorts].reverse()) {
          // No function-specific sort_methods for listftpsessions; invalid or missing: lexicographic.
          const method = isSortMethod(rawMethod) ? rawMethod : 'lexicographic';
          data = sortRows(data, column, method + (reverse ? '_reverse' : ''));
        }
      }
    }

    if (Object.hasOwn(args, 'api2_paginate')) {
      if (perlTrue(args['api2_paginate'])) {
        const page = paginate(data, args);
        data = page.rows;
        extra.paginate = page.state;
      } else {
        // `exists` adds the key; with the switch false nothing sets cPanel's page variables.
        extra.paginate = { start_result: null, current_page: null, total_pages: null, results_per_page: null, total_results: null };
      }
    }
  } catch (error) {
    if (error instanceof CallFailure || error instanceof PerlDie) return { ok: false, error: error.message, extra };
    throw error;
  }

  return { ok: true, rows: data, extra };
}

/**
 * `Cpanel::Api2::Filter::get_filters`: a false type is `contains`; a filter
 * is skipped when its column is empty, its type invalid, or its term empty
 * for any type but `eq` (so an empty contains/begins/ends/matches is skipped
 * too, to the same effect as UAPI's no-op).
 */
function api2Filters(args: Args): Filter[] {
  const filters: Filter[] = [];
  for (const [column, rawType, term, termKey] of parseFilters(argsUnder(args, 'api2_filter_'))) {
    const type = perlTrue(rawType) ? (rawType as string) : 'contains';
    if (column === '' || !isFilterType(type)) continue;
    if (type !== 'eq' && (term === undefined || term === '')) continue;
    filters.push({ column, type, term, termArgument: `api2_filter_${termKey}` });
  }
  return filters;
}

/**
 * `Cpanel::Api2::Paginate::setup_pagination_vars` and the chop in
 * `api2_exec`. The start is 1-based; false or below 1 is 1, otherwise the
 * argument is kept as given ("3abc" stays "3abc" in `start_result`, and
 * counts as 3). A size that is missing or whose integer part is 0 is 100,
 * otherwise kept as given. Rows before the start are dropped, then the list
 * is cut after `size` rows. Perl's arithmetic throughout: a negative size
 * cuts from the end, and dies when it reaches before the first row.
 */
function paginate(data: readonly Row[], args: Args): { rows: Row[]; state: Api2Paginate } {
  const startArg = args['api2_paginate_start'];
  const sizeArg = args['api2_paginate_size'];
  const start: string | number = startArg === undefined || !perlTrue(startArg) || perlNum(startArg) < 1 ? 1 : startArg;
  const size: string | number = sizeArg === undefined || !perlTrue(Math.trunc(perlNum(sizeArg))) ? DEFAULT_PAGE_SIZE : sizeArg;
  const startNum = perlNum(start);
  const sizeNum = perlNum(size);

  const total = data.length;
  const beginChop = startNum - 1;
  const endChop = startNum + sizeNum - 1;
  const state: Api2Paginate = {
    start_result: start,
    current_page: cpanelCeil(startNum / sizeNum),
    total_pages: cpanelCeil(total / sizeNum),
    results_per_page: size,
    total_results: total,
  };

  let rows = [...data];
  if (perlTrue(beginChop)) rows = perlSplice(rows, 0, perlIv(beginChop)).kept;
  if (perlTrue(endChop) && sizeNum <= rows.length - 1) rows = perlSplice(rows, perlIv(size)).kept;
  return { rows, state };
}
