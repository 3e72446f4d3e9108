import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyApi2, applyUapi, type Row } from '../../src/postprocess/index.js';

const COLUMNS = ['cmdline', 'file', 'host', 'login', 'pid', 'status', 'user'];

const interesting = fc.constantFrom(
  ...COLUMNS,
  '*',
  '',
  'nope',
  'contains',
  'begins',
  'ends',
  'matches',
  'eq',
  'ne',
  'lt',
  'gt',
  'lt_handle_unlimited',
  'gt_handle_unlimited',
  'defined',
  'lexicographic',
  'numeric',
  'numeric_reverse',
  'numeric_zero_as_max',
  'ipv4',
  'ipv4_reverse',
  '0',
  '1',
  '2',
  '5',
  '-1',
  '-5',
  '00',
  '2abc',
  'abc',
  'inf',
  'nan',
  '99999999999999999999',
  '18446744073709551615',
  'unlimited',
  'IDLE',
  '(',
  '[',
  '(a+)+$',
  '^(a|aa)+\\1$',
  '\\1',
  '(?R)',
  '(?<=a+)b',
  'a{70000}',
  '^[a-c]',
  '127.0.0.1',
  'inf.0.0.1',
);
const value = fc.oneof(interesting, fc.string({ maxLength: 12 }));

const ordinal = fc.constantFrom('', '_0', '_1', '_2', '_10', '_1-0', '_x');
const columnName = fc.oneof(fc.constantFrom(...COLUMNS, '*', '', 'nope'), value);
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** Structured filter, sort, page and column arguments (so that most of them do something), plus noise. */
function argsArb(dialect: 'uapi' | 'api2'): fc.Arbitrary<Record<string, string>> {
  const p = dialect === 'uapi' ? 'api.' : 'api2_';
  const filterType = fc.oneof(fc.constantFrom('contains', 'begins', 'ends', 'matches', 'eq', 'ne', 'lt', 'gt', 'lt_handle_unlimited', 'gt_handle_unlimited'), value);
  const filterArgs = fc.array(fc.record({ o: ordinal, column: columnName, type: optional(filterType), term: optional(value) }), { maxLength: 3 });
  const sortArgs = fc.array(fc.record({ o: ordinal, column: columnName, method: optional(value), reverse: optional(value) }), { maxLength: 3 });
  const pageArgs = fc.option(fc.record({ start: optional(value), size: optional(value), page: optional(value) }), { nil: {} as { start?: string; size?: string; page?: string } });
  const columnArgs = fc.array(fc.tuple(fc.constantFrom('a', 'b', '1', '1-0', 'zz'), columnName), { maxLength: 4 });
  const switches = fc.record({ filter: optional(value), sort: optional(value), paginate: optional(value), columns: optional(value) });
  const noise = fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 2 });
  return fc.tuple(filterArgs, sortArgs, pageArgs, columnArgs, switches, noise).map(([filters, sorts, page, columns, sw, extra]) => {
    const args: Record<string, string> = { ...extra };
    const set = (key: string, v: string | undefined): void => {
      if (v !== undefined) args[key] = v;
    };
    for (const f of filters) {
      set(`${p}filter_column${f.o}`, f.column);
      set(`${p}filter_type${f.o}`, f.type);
      set(`${p}filter_term${f.o}`, f.term);
    }
    for (const s of sorts) {
      set(`${p}sort_column${s.o}`, s.column);
      set(`${p}sort_method${s.o}`, s.method);
      set(`${p}sort_reverse${s.o}`, s.reverse);
    }
    set(`${p}paginate_start`, page.start);
    set(`${p}paginate_size`, page.size);
    set(`${p}paginate_page`, page.page);
    for (const [suffix, name] of columns) set(`${p}columns_${suffix}`, name);
    const on = (v: string | undefined): string | undefined => (dialect === 'api2' ? v ?? '1' : v);
    set(`${p}filter`, on(sw.filter));
    set(`${p}sort`, on(sw.sort));
    set(`${p}paginate`, on(sw.paginate));
    set(`${p}columns`, columns.length > 0 ? on(sw.columns) : sw.columns);
    return args;
  });
}

const cell = fc.oneof(fc.constantFrom('', 'IDLE', 'DL', 'UL', 'alice', 'Bob', '127.0.0.1', '::1', '10.0.0.300', 'inf.1.1.1', 'unlimited', '0', 'aaaa', 'pure-ftpd (IDLE)'), fc.string({ maxLength: 10 }));
const uapiRow = fc.record({
  cmdline: cell,
  file: cell,
  host: cell,
  login: cell,
  pid: fc.integer({ min: 1, max: 99999 }),
  status: cell,
  user: cell,
});
const api2Row = uapiRow.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)])));

const UAPI_FAILURES = [
  /^The start index \(\d+\) is larger than the total number of results \(\d+\)\.$/,
  /^“\w+_reverse_reverse” is not a valid sort method\.$/,
  /^Cannot pack (?:Inf|-Inf|NaN) with 'C'$/,
  / in regex(?:; marked by <-- HERE in)? m\//,
  /^api2?[._]filter_term(?:_.*)?: .* not supported by the matches filter$/s,
];
const API2_FAILURES = [...UAPI_FAILURES.slice(1), /^Modification of non-creatable array value attempted, subscript -\d+$/];

/** Each output row is what is left of a different input row (same values, a subset of its keys). */
function fromInput(output: readonly Row[], input: readonly Row[]): boolean {
  const used = new Set<number>();
  return output.every((row) => {
    const i = input.findIndex((candidate, index) => !used.has(index) && Object.entries(row).every(([k, v]) => Object.hasOwn(candidate, k) && Object.is(candidate[k], v)));
    if (i === -1) return false;
    used.add(i);
    return true;
  });
}

describe('properties', () => {
  it('UAPI: no arguments make it throw; failures are the documented ones; rows come from the input', () => {
    fc.assert(
      fc.property(fc.array(uapiRow, { maxLength: 6 }), argsArb('uapi'), (rows, args) => {
        const frozen = Object.freeze(rows.map((r) => Object.freeze({ ...r })));
        const outcome = applyUapi(frozen, args);
        if (!outcome.ok) expect(UAPI_FAILURES.some((re) => re.test(outcome.error)), outcome.error).toBe(true);
        expect(fromInput(outcome.rows, frozen)).toBe(true);
        if (outcome.ok && outcome.metadata.paginate) expect(outcome.rows.length).toBeLessThanOrEqual(outcome.metadata.paginate.total_results);
      }),
      { numRuns: 1500 },
    );
  });

  it('API 2: the same', () => {
    fc.assert(
      fc.property(fc.array(api2Row, { maxLength: 6 }), argsArb('api2'), (rows, args) => {
        const frozen = Object.freeze(rows.map((r) => Object.freeze({ ...r })));
        const outcome = applyApi2(frozen, args);
        if (!outcome.ok) expect(API2_FAILURES.some((re) => re.test(outcome.error)), outcome.error).toBe(true);
        else expect(fromInput(outcome.rows, frozen)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('arguments that are none of theirs leave the rows alone, in both dialects', () => {
    fc.assert(
      fc.property(fc.array(uapiRow, { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !k.startsWith('api')), value, { maxKeys: 5 }), (rows, args) => {
        expect(applyUapi(rows, args)).toEqual({ ok: true, rows, metadata: {}, messages: [] });
        expect(applyApi2(rows, args)).toEqual({ ok: true, rows, extra: {} });
      }),
    );
  });

  it('a filter never adds rows and keeps their order', () => {
    fc.assert(
      fc.property(
        fc.array(uapiRow, { maxLength: 8 }),
        fc.constantFrom(...COLUMNS, '*'),
        fc.constantFrom('contains', 'begins', 'ends', 'eq', 'ne', 'lt', 'gt', 'lt_handle_unlimited', 'gt_handle_unlimited'),
        value,
        (rows, column, type, term) => {
          const outcome = applyUapi(rows, { 'api.filter_column': column, 'api.filter_type': type, 'api.filter_term': term });
          if (!outcome.ok) return;
          const positions = outcome.rows.map((row) => (rows as readonly Row[]).indexOf(row));
          expect(positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] as number)))).toBe(true);
        },
      ),
    );
  });
});
