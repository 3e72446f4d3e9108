import { describe, expect, it } from 'vitest';
import { type Api2Outcome, applyApi2, type Args, type Row } from '../../src/postprocess/index.js';
import { API2_ROWS, col, LIST_ROWS, QUOTA_ROWS } from './fixtures.js';

const run = (args: Args, rows: readonly Row[] = API2_ROWS): Api2Outcome => applyApi2(rows, args);

function ok(outcome: Api2Outcome): Extract<Api2Outcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got: ${outcome.error}`);
  return outcome;
}

const users = (args: Args, rows: readonly Row[] = API2_ROWS): unknown[] => col(ok(run(args, rows)).rows, 'user');
const filter = (column: string, type: string | undefined, term: string | undefined, on = '1'): Args => ({
  api2_filter: on,
  api2_filter_column: column,
  ...(type === undefined ? {} : { api2_filter_type: type }),
  ...(term === undefined ? {} : { api2_filter_term: term }),
});

describe('API 2 filters', () => {
  it.each([
    ['contains is the default, case-insensitive', filter('user', undefined, 'AL'), ['alice']],
    ['begins', filter('user', 'begins', 'B'), ['bob@example.com']],
    ['ends', filter('file', 'ends', 'PDF'), ['Carol']],
    ['matches', filter('user', 'matches', '^[a-c]'), ['alice', 'bob@example.com']],
    ['eq', filter('status', 'eq', 'IDLE'), ['alice', 'dave']],
    ['eq with an empty term applies', filter('file', 'eq', ''), ['alice', 'dave']],
    ['eq with no term compares with undef ("")', filter('file', 'eq', undefined), ['alice', 'dave']],
    ['ne', filter('status', 'ne', 'IDLE'), ['bob@example.com', 'Carol']],
    ['lt on the string pids, numerically', filter('pid', 'lt', '10024'), ['bob@example.com', 'Carol']],
    ['gt', filter('pid', 'gt', '24393'), ['dave']],
    ['lt_handle_unlimited', filter('pid', 'lt_handle_unlimited', '10000'), ['bob@example.com']],
    ['gt_handle_unlimited', filter('pid', 'gt_handle_unlimited', '30000'), ['dave']],
    ['wildcard', filter('*', 'contains', '192.'), ['Carol']],
  ])('%s', (_name, args, expected) => {
    expect(users(args)).toEqual(expected);
  });

  it('the unlimited quirks are UAPI’s', () => {
    const quotas = (type: string): unknown[] => col(ok(run(filter('quota', type, '10'), QUOTA_ROWS)).rows, 'quota');
    expect(quotas('lt')).toEqual(['unlimited', '0', '5', 'Unlimited', 'abc']);
    expect(quotas('gt')).toEqual(['50', '12abc']);
    expect(quotas('lt_handle_unlimited')).toEqual(['5']);
    expect(quotas('gt_handle_unlimited')).toEqual(['unlimited', '0', 'Unlimited', '50', 'abc', '12abc']);
  });

  it('list cells pass when any element does', () => {
    expect(col(ok(run(filter('tags', 'eq', 'idle'), LIST_ROWS)).rows, 'name')).toEqual(['one']);
  });

  it.each([
    ['an invalid type', filter('user', 'bogus', 'alice')],
    ['an empty column', filter('', 'eq', 'alice')],
    ['an empty term (contains)', filter('user', 'contains', '')],
    ['an empty term (lt)', filter('pid', 'lt', '')],
    ['no term (gt)', filter('pid', 'gt', undefined)],
  ])('skips %s silently, still reporting records_before_filter', (_name, args) => {
    expect(run(args)).toEqual({ ok: true, rows: API2_ROWS, extra: { records_before_filter: 4 } });
  });

  it.each(['0', '', 'false'])('the switch api2_filter=%j', (on) => {
    const outcome = ok(run(filter('user', 'eq', 'alice', on)));
    // Perl truth: "false" is true.
    expect(col(outcome.rows, 'user')).toEqual(on === 'false' ? ['alice'] : col(API2_ROWS, 'user'));
    expect(outcome.extra).toEqual(on === 'false' ? { records_before_filter: 4 } : {});
  });

  it('without the switch, filter arguments do nothing', () => {
    expect(run({ api2_filter_column: 'user', api2_filter_term: 'alice' })).toEqual({ ok: true, rows: API2_ROWS, extra: {} });
  });

  it('several filters are ANDed, the un-numbered one first', () => {
    const args = { api2_filter: '1', api2_filter_column: 'status', api2_filter_term: 'IDLE', api2_filter_column_0: 'user', api2_filter_type_0: 'ends', api2_filter_term_0: 'e' };
    expect(users(args)).toEqual(['alice', 'dave']);
  });

  it('a column no row has is still applied (API 2 does not check), reading undef', () => {
    expect(users(filter('nope', 'contains', 'x'))).toEqual([]);
    expect(users(filter('nope', 'ne', 'x'))).toEqual(['alice', 'bob@example.com', 'Carol', 'dave']);
  });

  it('records_before_filter with no rows, and no failure for a bad pattern then', () => {
    expect(run(filter('user', 'matches', '('), [])).toEqual({ ok: true, rows: [], extra: { records_before_filter: 0 } });
  });

  it('a bad pattern fails the call with Perl’s message', () => {
    expect(run(filter('user', 'matches', '['))).toEqual({
      ok: false,
      error: 'Unmatched [ in regex; marked by <-- HERE in m/[ <-- HERE /',
      extra: { records_before_filter: 4 },
    });
  });
});

describe('API 2 sorts', () => {
  const sort = (column: string, method?: string, reverse?: string): Args => ({
    api2_sort: '1',
    api2_sort_column: column,
    ...(method === undefined ? {} : { api2_sort_method: method }),
    ...(reverse === undefined ? {} : { api2_sort_reverse: reverse }),
  });
  it.each([
    ['lexicographic', sort('user', 'lexicographic'), ['Carol', 'alice', 'bob@example.com', 'dave']],
    ['no method: lexicographic (the string pids sort as strings)', sort('pid'), ['Carol', 'alice', 'dave', 'bob@example.com']],
    ['an invalid method: lexicographic', sort('pid', 'nope'), ['Carol', 'alice', 'dave', 'bob@example.com']],
    ['numeric', sort('pid', 'numeric'), ['bob@example.com', 'Carol', 'alice', 'dave']],
    ['numeric reversed', sort('pid', 'numeric', '1'), ['dave', 'alice', 'Carol', 'bob@example.com']],
    ['ipv4', sort('host', 'ipv4'), ['dave', 'bob@example.com', 'alice', 'Carol']],
    ['a missing column sorts nothing (every value undef)', sort('nope', 'numeric'), ['alice', 'bob@example.com', 'Carol', 'dave']],
  ])('%s', (_name, args, expected) => {
    expect(users(args)).toEqual(expected);
  });

  it('numeric_zero_as_max', () => {
    const rows = ['5', '0', '3'].map((n) => ({ n }));
    expect(col(ok(run(sort('n', 'numeric_zero_as_max'), rows)).rows, 'n')).toEqual(['3', '5', '0']);
  });

  it('several keys: ORDER BY status, pid DESC', () => {
    expect(users({ ...sort('status'), api2_sort_column_1: 'pid', api2_sort_method_1: 'numeric', api2_sort_reverse_1: '1' })).toEqual(['bob@example.com', 'dave', 'alice', 'Carol']);
  });

  it('without the switch nothing is sorted', () => {
    expect(users({ api2_sort_column: 'pid', api2_sort_method: 'numeric' })).toEqual(['alice', 'bob@example.com', 'Carol', 'dave']);
  });

  it('a reversed _reverse method fails the call, but only with two rows or more', () => {
    expect(run(sort('pid', 'numeric_reverse', '1'))).toEqual({ ok: false, error: '“numeric_reverse_reverse” is not a valid sort method.', extra: {} });
    expect(ok(run(sort('pid', 'numeric_reverse', '1'), API2_ROWS.slice(0, 1))).rows).toEqual(API2_ROWS.slice(0, 1));
  });
});

describe('API 2 pagination', () => {
  const page = (on: string, start?: string, size?: string): Args => ({
    api2_paginate: on,
    ...(start === undefined ? {} : { api2_paginate_start: start }),
    ...(size === undefined ? {} : { api2_paginate_size: size }),
  });
  it.each([
    ['start 1 size 2', page('1', '1', '2'), ['alice', 'bob@example.com'], { start_result: '1', current_page: 1, total_pages: 2, results_per_page: '2', total_results: 4 }],
    ['start 3 size 2', page('1', '3', '2'), ['Carol', 'dave'], { start_result: '3', current_page: 2, total_pages: 2, results_per_page: '2', total_results: 4 }],
    // current_page is ceil(start / size), as cPanel computes it.
    ['start 2 size 2', page('1', '2', '2'), ['bob@example.com', 'Carol'], { start_result: '2', current_page: 1, total_pages: 2, results_per_page: '2', total_results: 4 }],
    ['no start, no size: 1 and 100', page('1'), ['alice', 'bob@example.com', 'Carol', 'dave'], { start_result: 1, current_page: 1, total_pages: 1, results_per_page: 100, total_results: 4 }],
    ['a start below 1 is 1', page('1', '-3', '1'), ['alice'], { start_result: 1, current_page: 1, total_pages: 4, results_per_page: '1', total_results: 4 }],
    ['a start that is no number is 1', page('1', 'abc', '1'), ['alice'], { start_result: 1, current_page: 1, total_pages: 4, results_per_page: '1', total_results: 4 }],
    ['a start is kept as given and read as Perl does ("2abc" is 2)', page('1', '2abc', '1'), ['bob@example.com'], { start_result: '2abc', current_page: 2, total_pages: 4, results_per_page: '1', total_results: 4 }],
    ['a size whose integer part is 0 is 100', page('1', '1', '0.5'), ['alice', 'bob@example.com', 'Carol', 'dave'], { start_result: '1', current_page: 1, total_pages: 1, results_per_page: 100, total_results: 4 }],
    ['a start past the end is an empty page, not an error', page('1', '9', '2'), [], { start_result: '9', current_page: 5, total_pages: 2, results_per_page: '2', total_results: 4 }],
    ['a negative size cuts from the end (Perl’s splice)', page('1', '1', '-2'), ['alice', 'bob@example.com'], { start_result: '1', current_page: 0, total_pages: -2, results_per_page: '-2', total_results: 4 }],
  ])('%s', (_name, args, expected, paginate) => {
    const outcome = ok(run(args));
    expect(col(outcome.rows, 'user')).toEqual(expected);
    expect(outcome.extra).toEqual({ paginate });
  });

  it('api2_paginate present but false: the key, with nothing set, and no slicing', () => {
    expect(run(page('0', '3', '1'))).toEqual({
      ok: true,
      rows: API2_ROWS,
      extra: { paginate: { start_result: null, current_page: null, total_pages: null, results_per_page: null, total_results: null } },
    });
  });

  it('without api2_paginate the page arguments do nothing', () => {
    expect(run({ api2_paginate_start: '2', api2_paginate_size: '1' })).toEqual({ ok: true, rows: API2_ROWS, extra: {} });
  });

  it('a negative size reaching before the first row fails the call, as Perl’s splice dies', () => {
    expect(run(page('1', '1', '-5'))).toEqual({ ok: false, error: 'Modification of non-creatable array value attempted, subscript -5', extra: {} });
  });

  it('pages what the filters and sorts left', () => {
    const args = { ...filter('status', 'ne', 'DL'), api2_sort: '1', api2_sort_column: 'pid', api2_sort_method: 'numeric', ...page('1', '2', '1') };
    expect(run(args)).toEqual({
      ok: true,
      rows: [API2_ROWS[0]],
      extra: { records_before_filter: 4, paginate: { start_result: '2', current_page: 2, total_pages: 3, results_per_page: '1', total_results: 3 } },
    });
  });
});

describe('API 2 columns', () => {
  it('api2_columns with api2_columns_a, _b, ...', () => {
    const outcome = ok(run({ api2_columns: '1', api2_columns_a: 'user', api2_columns_b: 'pid' }));
    expect(outcome.rows).toEqual(API2_ROWS.map(({ pid, user }) => ({ pid, user })));
    expect(outcome.extra).toEqual({});
  });

  it('invalid columns: invalid_columns_str and invalid_columns', () => {
    expect(run({ api2_columns: '1', api2_columns_a: 'user', api2_columns_b: 'nope', api2_columns_c: 'zz' })).toEqual({
      ok: true,
      rows: API2_ROWS.map(({ user }) => ({ user })),
      extra: { invalid_columns_str: '“nope” and “zz” are not valid columns.', invalid_columns: ['nope', 'zz'] },
    });
  });

  it('the switch alone keeps no column at all', () => {
    expect(ok(run({ api2_columns: '1' })).rows).toEqual([{}, {}, {}, {}]);
  });

  it('without the switch the column arguments do nothing', () => {
    expect(run({ api2_columns_a: 'user' })).toEqual({ ok: true, rows: API2_ROWS, extra: {} });
  });

  it('no rows: every listed column is reported (cPanel also adds an empty row; we do not)', () => {
    expect(run({ api2_columns: '1', api2_columns_a: 'user' }, [])).toEqual({
      ok: true,
      rows: [],
      extra: { invalid_columns_str: '“user” is not a valid column.', invalid_columns: ['user'] },
    });
  });

  it('columns come before filters', () => {
    expect(users({ api2_columns: '1', api2_columns_a: 'user', ...filter('status', 'eq', 'IDLE') })).toEqual([]);
  });
});
