import { describe, expect, it } from 'vitest';
import { applyUapi, type Args, type Row, type UapiOutcome } from '../../src/postprocess/index.js';
import type { Session } from '../../src/model/session.js';
import { col, LIST_ROWS, QUOTA_ROWS, UAPI_ROWS, XID } from './fixtures.js';

const run = (args: Args, rows: readonly Row[] = UAPI_ROWS): UapiOutcome => applyUapi(rows, args, { xid: XID });

function ok(outcome: UapiOutcome): Extract<UapiOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got: ${outcome.error}`);
  return outcome;
}

const users = (args: Args, rows: readonly Row[] = UAPI_ROWS): unknown[] => col(ok(run(args, rows)).rows, 'user');
const filter = (column: string, type: string | undefined, term: string | undefined): Args => ({
  'api.filter_column': column,
  ...(type === undefined ? {} : { 'api.filter_type': type }),
  ...(term === undefined ? {} : { 'api.filter_term': term }),
});

describe('UAPI filters: every type', () => {
  it.each([
    ['contains is the default type, case-insensitive', filter('user', undefined, 'AL'), ['alice']],
    ['a false type ("0") is contains', filter('user', '0', 'o'), ['bob@example.com', 'Carol']],
    ['contains on a number cell compares its digits', filter('pid', 'contains', '98'), ['bob@example.com']],
    ['contains is not a regex', filter('cmdline', 'contains', '(IDLE)'), ['alice']],
    ['begins, case-insensitive', filter('user', 'begins', 'CA'), ['Carol']],
    ['begins', filter('host', 'begins', '1'), ['alice', 'bob@example.com', 'Carol']],
    ['ends, case-insensitive', filter('file', 'ends', '.pdf'), ['Carol']],
    ['ends is the very end', filter('host', 'ends', '.5'), ['Carol']],
    ['matches is a case-sensitive Perl regex', filter('user', 'matches', '^[a-c]'), ['alice', 'bob@example.com']],
    ['matches with Perl syntax', filter('cmdline', 'matches', '^pure-ftpd \\((?:IDLE|UPLOAD)\\)$'), ['alice', 'Carol']],
    ['matches on a number cell', filter('pid', 'matches', '^\\d{5}$'), ['alice', 'Carol', 'dave']],
    ['eq is string equality', filter('status', 'eq', 'IDLE'), ['alice', 'dave']],
    ['eq is case-sensitive', filter('status', 'eq', 'idle'), []],
    ['eq on a number compares strings', filter('pid', 'eq', '9876'), ['bob@example.com']],
    ['eq "9876.0" is not 9876', filter('pid', 'eq', '9876.0'), []],
    ['eq with an empty term is allowed', filter('file', 'eq', ''), ['alice', 'dave']],
    ['ne', filter('status', 'ne', 'IDLE'), ['bob@example.com', 'Carol']],
    ['lt is numeric', filter('pid', 'lt', '10023'), ['bob@example.com']],
    ['lt reads "10024abc" as 10024', filter('pid', 'lt', '10024abc'), ['bob@example.com', 'Carol']],
    ['lt on words: "alice" is 0', filter('user', 'lt', '1'), ['alice', 'bob@example.com', 'Carol', 'dave']],
    ['gt', filter('pid', 'gt', '24393'), ['dave']],
    ['gt reads "abc" as 0', filter('pid', 'gt', 'abc'), ['alice', 'bob@example.com', 'Carol', 'dave']],
    ['lt_handle_unlimited', filter('pid', 'lt_handle_unlimited', '10023'), ['bob@example.com']],
    ['gt_handle_unlimited', filter('pid', 'gt_handle_unlimited', '24393'), ['dave']],
  ])('%s', (_name, args, expected) => {
    expect(users(args)).toEqual(expected);
  });
});

describe('UAPI filters: the "unlimited" quirks, on a quota column', () => {
  const names = (args: Args): unknown[] => col(ok(run(args, QUOTA_ROWS)).rows, 'quota');
  it.each([
    // quotas: unlimited, 0, 5, Unlimited, 50, abc, 12abc
    ['lt: "unlimited" (any case) always passes', 'lt', '10', ['unlimited', '0', '5', 'Unlimited', 'abc']],
    ['gt: "unlimited" never passes', 'gt', '10', ['50', '12abc']],
    ['lt_handle_unlimited: not unlimited, not 0, below', 'lt_handle_unlimited', '10', ['5']],
    ['gt_handle_unlimited: unlimited, 0 (and "abc"), or above', 'gt_handle_unlimited', '10', ['unlimited', '0', 'Unlimited', '50', 'abc', '12abc']],
    ['lt with a negative term still keeps unlimited', 'lt', '-1', ['unlimited', 'Unlimited']],
  ])('%s', (_name, type, term, expected) => {
    expect(names(filter('quota', type, term))).toEqual(expected);
  });
});

describe('UAPI filters: empty terms, missing terms, invalid types', () => {
  it.each(['contains', 'begins', 'ends', 'matches'])('%s with an empty term is a no-op that still counts as applied', (type) => {
    const outcome = ok(run({ ...filter('user', type, ''), 'api.sort_column': 'pid', 'api.sort_method': 'numeric' }));
    expect(col(outcome.rows, 'pid')).toEqual([9876, 10023, 24393, 31000]);
    expect(outcome.metadata).toEqual({ records_before_filter: 4 });
    expect(outcome.messages).toEqual([]);
  });

  it.each(['ne', 'lt', 'gt', 'lt_handle_unlimited', 'gt_handle_unlimited'])('%s with an empty term is invalid', (type) => {
    const outcome = ok(run(filter('user', type, '')));
    expect(outcome.rows).toEqual(UAPI_ROWS);
    expect(outcome.metadata).toEqual({});
    expect(outcome.messages).toEqual([
      `The following “filter” arguments are invalid: ["user","${type}",""] ((XID abc234) A filter of type “${type}” may not have an empty term.)`,
    ]);
  });

  it('a filter without a term is invalid even where an empty one is not', () => {
    expect(ok(run(filter('user', undefined, undefined))).messages).toEqual([
      'The following “filter” arguments are invalid: ["user",null,null] ((XID abc234) You are missing the following parameter: term)',
    ]);
    expect(ok(run(filter('user', 'eq', undefined))).messages).toEqual([
      'The following “filter” arguments are invalid: ["user","eq",null] ((XID abc234) You are missing the following parameter: term)',
    ]);
  });

  it.each(['bogus', 'defined', 'undefined', '==', 'lte', 'gte', 'Contains', 'contains '])('type %j is not a valid filter type', (type) => {
    const outcome = ok(run(filter('user', type, 'x')));
    expect(outcome.rows).toEqual(UAPI_ROWS);
    expect(outcome.messages).toEqual([`The following “filter” arguments are invalid: ["user",${JSON.stringify(type)},"x"] ((XID abc234) “${type}” is not a valid filter type.)`]);
  });

  it('the XID is random by default, six characters cPanel uses', () => {
    const outcome = ok(applyUapi(UAPI_ROWS, filter('user', 'bogus', 'x')));
    expect(outcome.messages[0]).toMatch(/\(\(XID [a-hj-km-np-z2-9]{6}\) “bogus” is not a valid filter type\.\)$/);
  });

  it('only the filter keys with a column make filters; stray keys do nothing', () => {
    expect(ok(run({ 'api.filter_type': 'eq', 'api.filter_term': 'x', 'api.filter_foo': '1' }))).toEqual({ ok: true, rows: UAPI_ROWS, metadata: {}, messages: [] });
  });
});

describe('UAPI filters: wildcard, lists, several filters', () => {
  it.each([
    ['* keeps a row when any value passes', filter('*', 'contains', '10.0'), ['bob@example.com']],
    ['* with eq', filter('*', 'eq', 'IDLE'), ['alice', 'dave']],
    ['* with matches', filter('*', 'matches', '^Carol$'), ['Carol']],
    ['* with gt over every value', filter('*', 'gt', '30000'), ['dave']],
  ])('%s', (_name, args, expected) => {
    expect(users(args)).toEqual(expected);
  });

  it('a list cell passes when any element does; an empty list never does', () => {
    expect(col(ok(run(filter('tags', 'eq', 'sftp'), LIST_ROWS)).rows, 'name')).toEqual(['two']);
    expect(col(ok(run(filter('tags', 'ne', 'zzz'), LIST_ROWS)).rows, 'name')).toEqual(['one', 'two']);
    expect(col(ok(run(filter('*', 'contains', 'idle'), LIST_ROWS)).rows, 'name')).toEqual(['one']);
  });

  it('filters are ANDed; numbered ones and the un-numbered one', () => {
    const args = { 'api.filter_column': 'status', 'api.filter_term': 'IDLE', 'api.filter_column_1': 'user', 'api.filter_type_1': 'begins', 'api.filter_term_1': 'd' };
    expect(users(args)).toEqual(['dave']);
  });

  it('a repeated numbered filter (column_1, column_1-0 from the form parser) is a second filter', () => {
    const args = { 'api.filter_column_1': 'user', 'api.filter_term_1': 'a', 'api.filter_column_1-0': 'status', 'api.filter_term_1-0': 'IDLE' };
    expect(users(args)).toEqual(['alice', 'dave']);
  });

  it('a repeated un-numbered filter key counts once (column-0 is no ordinal)', () => {
    const args = { 'api.filter_column': 'user', 'api.filter_term': 'alice', 'api.filter_column-0': 'status', 'api.filter_term-0': 'DL' };
    expect(users(args)).toEqual(['alice']);
  });
});

describe('UAPI filters: what does not pertain', () => {
  it('a column missing from the first row leaves the data, says so, and stops the sorts (not the pagination)', () => {
    const outcome = ok(run({ ...filter('nope', 'eq', 'x'), 'api.sort_column': 'pid', 'api.sort_method': 'numeric', 'api.paginate_size': '3' }));
    expect(col(outcome.rows, 'user')).toEqual(['alice', 'bob@example.com', 'Carol']);
    expect(outcome.metadata).toEqual({
      records_before_filter: 4,
      paginate: { total_results: 4, total_pages: 2, start_result: 1, results_per_page: '3', current_page: 1 },
    });
    expect(outcome.messages).toEqual([
      'The following filter did not pertain to this dataset: nope eq "x"',
      'The following sort did not pertain to this dataset: pid, numeric',
    ]);
  });

  it('ordinals: the un-numbered filter first (cPanel’s code; the reference says last), then numerically', () => {
    const args = {
      'api.filter_column_10': 'n10',
      'api.filter_term_10': 'x',
      'api.filter_column_9': 'n9',
      'api.filter_term_9': 'x',
      'api.filter_column': 'n',
      'api.filter_term': 'x',
    };
    expect(ok(run(args)).messages).toEqual([
      'The following filter did not pertain to this dataset: n contains "x"',
      'The following filter did not pertain to this dataset: n9 contains "x"',
      'The following filter did not pertain to this dataset: n10 contains "x"',
    ]);
  });

  it('once a filter removes every row, the filters after it do not pertain', () => {
    const args = {
      'api.filter_column': 'user',
      'api.filter_type': 'eq',
      'api.filter_term': 'nobody',
      'api.filter_column_1': 'status',
      'api.filter_term_1': 'I"DLE',
      'api.sort_column': 'user',
      'api.sort_reverse': '1',
    };
    const outcome = ok(run(args));
    expect(outcome.rows).toEqual([]);
    expect(outcome.messages).toEqual([
      'The following filter did not pertain to this dataset: status contains "I\\"DLE"',
      'The following sort did not pertain to this dataset: !user, lexicographic',
    ]);
  });

  it('records_before_filter counts the rows before filtering, and exists whenever a filter does', () => {
    expect(ok(run(filter('user', 'eq', 'alice'))).metadata).toEqual({ records_before_filter: 4 });
    expect(ok(run(filter('nope', 'eq', 'alice'))).metadata).toEqual({ records_before_filter: 4 });
    expect(ok(run(filter('user', 'bogus', 'alice'))).metadata).toEqual({});
  });

  it('an empty list is left alone: no records_before_filter, no messages', () => {
    expect(run({ ...filter('user', 'eq', 'x'), 'api.sort_column': 'nope', 'api.columns_1': 'nope' }, [])).toEqual({ ok: true, rows: [], metadata: {}, messages: [] });
  });
});

describe('UAPI filters: matches fails the call on a bad pattern, and cannot hang', () => {
  it('a pattern Perl cannot compile fails with Perl’s message', () => {
    expect(run(filter('user', 'matches', 'a('))).toEqual({
      ok: false,
      error: 'Unmatched ( in regex; marked by <-- HERE in m/a( <-- HERE /',
      rows: UAPI_ROWS,
      metadata: { records_before_filter: 4 },
      messages: [],
    });
  });

  it('a pattern is only compiled when a value is tested', () => {
    expect(ok(run(filter('nope', 'matches', 'a('))).messages).toEqual(['The following filter did not pertain to this dataset: nope matches "a("']);
    expect(ok(run(filter('tags', 'matches', 'a('), [{ tags: [] }])).rows).toEqual([]);
  });

  it('(a+)+$ against a long value finishes at once', () => {
    const rows = [{ user: `${'a'.repeat(20_000)}!` }, { user: 'aaa' }];
    const started = performance.now();
    expect(col(ok(run(filter('user', 'matches', '(a+)+$'), rows)).rows, 'user')).toEqual(['aaa']);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('a back-reference, which the linear-time engine cannot run, fails the call with a message naming it', () => {
    expect(run(filter('user', 'matches', '^(a*)*(a*)*\\1\\2$'))).toEqual({
      ok: false,
      error: 'api.filter_term: back-references (\\1) are not supported by the matches filter',
      rows: UAPI_ROWS,
      metadata: { records_before_filter: 4 },
      messages: [],
    });
  });
});

describe('UAPI sorts', () => {
  const sort = (column: string, method?: string, reverse?: string): Args => ({
    'api.sort_column': column,
    ...(method === undefined ? {} : { 'api.sort_method': method }),
    ...(reverse === undefined ? {} : { 'api.sort_reverse': reverse }),
  });
  it.each([
    ['lexicographic is byte order (upper case first)', sort('user', 'lexicographic'), ['Carol', 'alice', 'bob@example.com', 'dave']],
    ['lexicographic reversed', sort('user', 'lexicographic', '1'), ['dave', 'bob@example.com', 'alice', 'Carol']],
    ['lexicographic compares numbers as strings', sort('pid', 'lexicographic'), ['Carol', 'alice', 'dave', 'bob@example.com']],
    ['a missing method is lexicographic (the docs say a numeric sort without one fails)', sort('pid'), ['Carol', 'alice', 'dave', 'bob@example.com']],
    ['an invalid method is lexicographic', sort('pid', 'bogus'), ['Carol', 'alice', 'dave', 'bob@example.com']],
    ['numeric', sort('pid', 'numeric'), ['bob@example.com', 'Carol', 'alice', 'dave']],
    ['numeric reversed', sort('pid', 'numeric', '1'), ['dave', 'alice', 'Carol', 'bob@example.com']],
    ['any true reverse value reverses', sort('pid', 'numeric', 'yes'), ['dave', 'alice', 'Carol', 'bob@example.com']],
    ['reverse "0" does not', sort('pid', 'numeric', '0'), ['bob@example.com', 'Carol', 'alice', 'dave']],
    ['the method numeric_reverse is a descending sort', sort('pid', 'numeric_reverse'), ['dave', 'alice', 'Carol', 'bob@example.com']],
    ['ipv4: packed octets; "::1" is 0.0.0.0', sort('host', 'ipv4'), ['dave', 'bob@example.com', 'alice', 'Carol']],
    ['ipv4 reversed', sort('host', 'ipv4', '1'), ['Carol', 'alice', 'bob@example.com', 'dave']],
    ['lexicographic on addresses, for contrast: ":" sorts after digits', sort('host', 'lexicographic'), ['bob@example.com', 'alice', 'Carol', 'dave']],
    ['equal keys keep their order (stable)', sort('status', 'lexicographic'), ['bob@example.com', 'alice', 'dave', 'Carol']],
  ])('%s', (_name, args, expected) => {
    expect(users(args)).toEqual(expected);
  });

  it('numeric_zero_as_max puts 0 (and words) last', () => {
    const rows = ['5', '0', 'abc', '3', '10'].map((n) => ({ n }));
    expect(col(ok(run(sort('n', 'numeric_zero_as_max'), rows)).rows, 'n')).toEqual(['3', '5', '10', '0', 'abc']);
    expect(col(ok(run(sort('n', 'numeric_zero_as_max', '1'), rows)).rows, 'n')).toEqual(['0', 'abc', '10', '5', '3']);
    expect(col(ok(run(sort('n', 'numeric'), rows)).rows, 'n')).toEqual(['0', 'abc', '3', '5', '10']);
  });

  it('ipv4 octets: short addresses pad with 0, values wrap at 256, extra pieces are ignored', () => {
    const rows = ['1.2', '1.1.255.255', '300.0.0.0', '1.2.0.0.9', '-1.0.0.0', 'name'].map((host) => ({ host }));
    expect(col(ok(run(sort('host', 'ipv4'), rows)).rows, 'host')).toEqual(['name', '1.1.255.255', '1.2', '1.2.0.0.9', '300.0.0.0', '-1.0.0.0']);
  });

  it('ipv4 fails the call on an Inf or NaN octet, as Perl’s pack dies', () => {
    const rows = [{ host: '10.0.0.1' }, { host: 'inf.0.0.1' }];
    expect(run(sort('host', 'ipv4'), rows)).toMatchObject({ ok: false, error: "Cannot pack Inf with 'C'" });
    expect(run(sort('host', 'ipv4'), [{ host: 'nan' }, { host: '1' }])).toMatchObject({ ok: false, error: "Cannot pack NaN with 'C'" });
    expect(ok(run(sort('host', 'ipv4'), [{ host: 'inf' }])).rows).toEqual([{ host: 'inf' }]);
  });

  it('a _reverse method reversed fails the call when the sort runs', () => {
    expect(run(sort('pid', 'numeric_reverse', '1'))).toEqual({
      ok: false,
      error: '“numeric_reverse_reverse” is not a valid sort method.',
      rows: UAPI_ROWS,
      metadata: {},
      messages: [],
    });
  });

  it('several keys act as SQL ORDER BY: the un-numbered column first, then _1, _2, ...', () => {
    const args = { 'api.sort_column': 'status', 'api.sort_column_1': 'pid', 'api.sort_method_1': 'numeric', 'api.sort_reverse_1': '1' };
    expect(users(args)).toEqual(['bob@example.com', 'dave', 'alice', 'Carol']);
    const numbered = { 'api.sort_column_2': 'pid', 'api.sort_method_2': 'numeric', 'api.sort_column_10': 'user', 'api.sort_column_1': 'status' };
    expect(users(numbered)).toEqual(['bob@example.com', 'alice', 'dave', 'Carol']);
  });

  it('a sort column missing from the first row stops that sort and the ones before it, with a message', () => {
    const args = { 'api.sort_column': 'status', 'api.sort_column_1': 'nope', 'api.sort_column_2': 'pid', 'api.sort_method_2': 'numeric', 'api.paginate_size': '2' };
    const outcome = ok(run(args));
    // pid (the last key) ran first; nope stopped it there; status never ran.
    expect(col(outcome.rows, 'user')).toEqual(['bob@example.com', 'Carol']);
    expect(outcome.messages).toEqual(['The following sort did not pertain to this dataset: status, lexicographic', 'The following sort did not pertain to this dataset: nope, lexicographic']);
    expect(outcome.metadata.paginate).toEqual({ total_results: 4, total_pages: 2, start_result: 1, results_per_page: '2', current_page: 1 });
  });

  it('an empty sort column is an invalid argument', () => {
    expect(ok(run(sort('', 'numeric', '1'))).messages).toEqual([
      'The following “sort” arguments are invalid: {"column":"","reverse":1,"method":"numeric"} ((XID abc234) You are missing the following parameter: column)',
    ]);
    expect(ok(run(sort(''))).messages).toEqual([
      'The following “sort” arguments are invalid: {"column":"","reverse":0,"method":null} ((XID abc234) You are missing the following parameter: column)',
    ]);
  });

  it('stray sort keys without a column do nothing', () => {
    expect(ok(run({ 'api.sort_method': 'numeric', 'api.sort_reverse': '1' })).rows).toEqual(UAPI_ROWS);
  });

  it('sorting does not mutate the input', () => {
    const rows = UAPI_ROWS.map((r) => ({ ...r }));
    const before = JSON.stringify(rows);
    ok(run(sort('pid', 'numeric'), rows));
    expect(JSON.stringify(rows)).toBe(before);
  });
});

describe('UAPI pagination', () => {
  const page = (start?: string, size?: string): Args => ({
    ...(start === undefined ? {} : { 'api.paginate_start': start }),
    ...(size === undefined ? {} : { 'api.paginate_size': size }),
  });
  it.each([
    ['size 2 from the start', page(undefined, '2'), ['alice', 'bob@example.com'], { total_results: 4, total_pages: 2, start_result: 1, results_per_page: '2', current_page: 1 }],
    ['start is 1-based', page('3', '2'), ['Carol', 'dave'], { total_results: 4, total_pages: 2, start_result: 3, results_per_page: '2', current_page: 2 }],
    ['start 2 size 3', page('2', '3'), ['bob@example.com', 'Carol', 'dave'], { total_results: 4, total_pages: 2, start_result: 2, results_per_page: '3', current_page: 1 }],
    ['start 0 is the start', page('0', '1'), ['alice'], { total_results: 4, total_pages: 4, start_result: 1, results_per_page: '1', current_page: 1 }],
    ['a start with a non-digit is the start', page('+2', '1'), ['alice'], { total_results: 4, total_pages: 4, start_result: 1, results_per_page: '1', current_page: 1 }],
    ['leading zeros are fine ("02")', page('02', '1'), ['bob@example.com'], { total_results: 4, total_pages: 4, start_result: 2, results_per_page: '1', current_page: 2 }],
    ['size defaults to the number 100', page('2'), ['bob@example.com', 'Carol', 'dave'], { total_results: 4, total_pages: 1, start_result: 2, results_per_page: 100, current_page: 1 }],
    ['a non-numeric size is 100', page('1', 'abc'), ['alice', 'bob@example.com', 'Carol', 'dave'], { total_results: 4, total_pages: 1, start_result: 1, results_per_page: 100, current_page: 1 }],
    ['a size below 1 is 100', page('1', '0'), ['alice', 'bob@example.com', 'Carol', 'dave'], { total_results: 4, total_pages: 1, start_result: 1, results_per_page: 100, current_page: 1 }],
    ['a negative size is 100', page('1', '-1'), ['alice', 'bob@example.com', 'Carol', 'dave'], { total_results: 4, total_pages: 1, start_result: 1, results_per_page: 100, current_page: 1 }],
    ['the size is reported as given', page('1', '007'), ['alice', 'bob@example.com', 'Carol', 'dave'], { total_results: 4, total_pages: 1, start_result: 1, results_per_page: '007', current_page: 1 }],
    ['start = total + 1 is an empty page, not an error', page('5', '2'), [], { total_results: 4, total_pages: 2, start_result: 5, results_per_page: '2', current_page: 3 }],
    // Perl's splice takes 99999999999999999999 as the length -1: every row but the last.
    ['a size beyond 2**64 is Perl’s length -1', page('1', '99999999999999999999'), ['alice', 'bob@example.com', 'Carol'], { total_results: 4, total_pages: 1, start_result: 1, results_per_page: '99999999999999999999', current_page: 1 }],
  ])('%s', (_name, args, expected, paginate) => {
    const outcome = ok(run(args));
    expect(col(outcome.rows, 'user')).toEqual(expected);
    expect(outcome.metadata).toEqual({ paginate });
    expect(outcome.messages).toEqual([]);
  });

  it('a start past total + 1 fails the call, naming the 0-based start', () => {
    expect(run(page('6'))).toEqual({
      ok: false,
      error: 'The start index (5) is larger than the total number of results (4).',
      rows: UAPI_ROWS,
      metadata: {},
      messages: [],
    });
    expect(run(page('18446744073709551615'))).toMatchObject({ ok: false, error: 'The start index (18446744073709551614) is larger than the total number of results (4).' });
  });

  it('the total is counted after filtering', () => {
    const outcome = run({ ...filter('status', 'eq', 'IDLE'), ...page('4') });
    expect(outcome).toMatchObject({ ok: false, error: 'The start index (3) is larger than the total number of results (2).', metadata: { records_before_filter: 4 } });
    expect(col(ok(run({ ...filter('status', 'eq', 'IDLE'), ...page('2', '1') })).rows, 'user')).toEqual(['dave']);
  });

  it('an empty list still paginates', () => {
    expect(run(page('1'), [])).toEqual({
      ok: true,
      rows: [],
      metadata: { paginate: { total_results: 0, total_pages: 0, start_result: 1, results_per_page: 100, current_page: 1 } },
      messages: [],
    });
    expect(run(page('2'), [])).toMatchObject({ ok: false, error: 'The start index (1) is larger than the total number of results (0).' });
  });

  it('any api.paginate_* key turns pagination on with the defaults (api.paginate_page is not read)', () => {
    expect(ok(run({ 'api.paginate_page': '2' })).metadata).toEqual({ paginate: { total_results: 4, total_pages: 1, start_result: 1, results_per_page: 100, current_page: 1 } });
    expect(ok(run({ 'api.paginate': '1' })).metadata).toEqual({});
  });

  it('starts that Perl turns into non-digits are invalid arguments: "00" (-1), beyond 2**64 (1e+20)', () => {
    expect(ok(run(page('00', '2')))).toEqual({
      ok: true,
      rows: UAPI_ROWS,
      metadata: {},
      messages: ['The following “pagination” arguments are invalid: {"start":"00","size":"2"} ((XID abc234) “start” must be a nonnegative integer.)'],
    });
    expect(ok(run(page('99999999999999999999'))).messages).toEqual([
      'The following “pagination” arguments are invalid: {"start":"99999999999999999999"} ((XID abc234) “start” must be a nonnegative integer.)',
    ]);
  });
});

describe('UAPI columns', () => {
  it('keeps only the listed columns, in the row’s order', () => {
    const outcome = ok(run({ 'api.columns_1': 'user', 'api.columns_0': 'pid' }));
    expect(outcome.rows).toEqual(UAPI_ROWS.map(({ pid, user }) => ({ pid, user })));
    expect(outcome.metadata).toEqual({});
    expect(outcome.messages).toEqual([]);
  });

  it('any suffix counts, and a repeated key contributes every value', () => {
    const outcome = ok(run({ 'api.columns_a': 'user', 'api.columns_a-0': 'host', 'api.columns_zz': 'status' }));
    expect(Object.keys(outcome.rows[0] as Row)).toEqual(['host', 'status', 'user']);
  });

  it.each([
    [['nope'], '“nope” is not a valid column.'],
    [['nope', 'zz'], '“nope” and “zz” are not valid columns.'],
    [['a', 'b', 'c'], '“a”, “b”, and “c” are not valid columns.'],
    [['a', 'a'], '“a” and “a” are not valid columns.'],
  ])('invalid columns %j', (bad, message) => {
    const args = Object.fromEntries([['api.columns_user', 'user'], ...bad.map((c, i) => [`api.columns_${i}`, c])]);
    const outcome = ok(run(args));
    expect(outcome.rows).toEqual(UAPI_ROWS.map(({ user }) => ({ user })));
    expect(outcome.metadata).toEqual({ invalid_columns: bad });
    expect(outcome.messages).toEqual([message]);
  });

  it('columns come first: a filter on a column not kept does not pertain', () => {
    const outcome = ok(run({ 'api.columns_1': 'user', ...filter('status', 'eq', 'IDLE') }));
    expect(outcome.rows).toHaveLength(4);
    expect(outcome.messages).toEqual(['The following filter did not pertain to this dataset: status eq "IDLE"']);
  });

  it('the switch api.columns is not read; only api.columns_* keys', () => {
    expect(ok(run({ 'api.columns': '1' })).rows).toEqual(UAPI_ROWS);
  });
});

describe('UAPI: order of operations and messages together', () => {
  it('columns, filters, wildcard filters, sorts, pagination', () => {
    const args = {
      'api.columns_1': 'user',
      'api.columns_2': 'pid',
      'api.columns_3': 'host',
      'api.columns_4': 'gone',
      'api.filter_column': '*',
      'api.filter_term': '1',
      'api.filter_column_1': 'pid',
      'api.filter_type_1': 'gt',
      'api.filter_term_1': '10000',
      'api.filter_column_2': 'user',
      'api.filter_type_2': 'nope',
      'api.filter_term_2': 'x',
      'api.sort_column': 'pid',
      'api.sort_method': 'numeric',
      'api.sort_reverse': '1',
      'api.sort_column_1': '',
      'api.paginate_start': '2',
      'api.paginate_size': '1',
    };
    expect(run(args)).toEqual({
      ok: true,
      rows: [{ host: '127.0.0.1', pid: 24393, user: 'alice' }],
      metadata: {
        invalid_columns: ['gone'],
        records_before_filter: 4,
        paginate: { total_results: 3, total_pages: 3, start_result: 2, results_per_page: '1', current_page: 2 },
      },
      messages: [
        'The following “filter” arguments are invalid: ["user","nope","x"] ((XID abc234) “nope” is not a valid filter type.)',
        'The following “sort” arguments are invalid: {"column":"","reverse":0,"method":null} ((XID abc234) You are missing the following parameter: column)',
        '“gone” is not a valid column.',
      ],
    });
  });

  it('takes the pipeline’s sessions (a type check), null as Perl’s undef', () => {
    const sessions: readonly Session[] = [{ cmdline: 'pure-ftpd (IDLE)', file: '', host: '::1', login: 'Sun Nov 22 06:06:28 2026', pid: 1, status: 'IDLE', user: 'u', loginAt: null }];
    expect(ok(applyUapi(sessions, {})).rows).toEqual(sessions);
    expect(ok(applyUapi(sessions, { 'api.filter_column': 'loginAt', 'api.filter_type': 'eq', 'api.filter_term': '' })).rows).toEqual(sessions);
    expect(ok(applyUapi(sessions, { 'api.filter_column': 'loginAt', 'api.filter_type': 'lt', 'api.filter_term': '1' })).rows).toEqual(sessions);
  });

  it('no api.* argument: the rows as they came', () => {
    expect(run({ user: 'x', 'api.quiet': '1' })).toEqual({ ok: true, rows: UAPI_ROWS, metadata: {}, messages: [] });
  });
});
