/**
 * The filter, sort and column primitives both dialects share, as
 * `Cpanel::Args::Filter::Utils`, `Cpanel::Args::Sort::Utils` and
 * `Cpanel::Args::Columns::Util` implement them. Every function returns new
 * arrays and never mutates its input rows.
 */

import { invalidColumnsMessage } from './messages.js';
import { lcAscii, PerlDie, perlCmp, perlNum, perlStr, perlTrue, spaceship, type Scalar } from './perl.js';
import { type CompiledRegex, RegexError, type RegexEngine } from './regex.js';
import type { Args, Cell, Row } from './types.js';

/** A failure that fails the whole call, with cPanel's reason. */
export class CallFailure extends Error {
  override readonly name = 'CallFailure';
}

// ---------------------------------------------------------------------------
// Argument parsing

/**
 * The arguments under a prefix, with the prefix removed (`api.filter_`,
 * `api2_sort_`), in the order given.
 */
export function argsUnder(args: Args, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(args)) if (key.startsWith(prefix)) out.set(key.slice(prefix.length), value);
  return out;
}

/**
 * The ordinals of `column`, `column_N` keys (`parse_filters`, `parse_sorts`):
 * the un-numbered one FIRST, then numerically (Perl's numeric value of the
 * suffix: `1-0`, from a repeated `column_1`, counts as 1). cPanel sorts them
 * with `sort { ( defined($a) cmp defined($b) ) || $a <=> $b }`, and
 * `defined(undef)` is "" which sorts before 1: cpanel-cli.md §3.1 says
 * "the un-numbered one last", but the code puts it first (checked with perl).
 * Ties keep the order the arguments were given in (cPanel's is its hash order).
 */
export function ordinals(cfg: ReadonlyMap<string, string>): (string | undefined)[] {
  const found: (string | undefined)[] = [];
  for (const key of cfg.keys()) {
    if (key === 'column') found.push(undefined);
    else if (key.startsWith('column_')) found.push(key.slice('column_'.length));
  }
  return found
    .map((ordinal, index) => ({ ordinal, index }))
    .sort((a, b) => {
      if ((a.ordinal === undefined) !== (b.ordinal === undefined)) return a.ordinal === undefined ? -1 : 1;
      if (a.ordinal === undefined || b.ordinal === undefined) return a.index - b.index;
      return spaceship(perlNum(a.ordinal), perlNum(b.ordinal)) || a.index - b.index;
    })
    .map(({ ordinal }) => ordinal);
}

function suffixed(name: string, ordinal: string | undefined): string {
  return ordinal === undefined ? name : `${name}_${ordinal}`;
}

/** `parse_filters`: [column, type, term] per ordinal, undefined where not given, and the term's key (`term_2`). */
export function parseFilters(cfg: ReadonlyMap<string, string>): [string, string | undefined, string | undefined, string][] {
  return ordinals(cfg).map((o) => [cfg.get(suffixed('column', o)) ?? '', cfg.get(suffixed('type', o)), cfg.get(suffixed('term', o)), suffixed('term', o)]);
}

/** `parse_sorts`: [column, reverse (0 or 1), method] per ordinal. */
export function parseSorts(cfg: ReadonlyMap<string, string>): [string, 0 | 1, string | undefined][] {
  return ordinals(cfg).map((o) => [cfg.get(suffixed('column', o)) ?? '', perlTrue(cfg.get(suffixed('reverse', o))) ? 1 : 0, cfg.get(suffixed('method', o))]);
}

// ---------------------------------------------------------------------------
// Filters

export const FILTER_TYPES = ['contains', 'begins', 'ends', 'matches', 'eq', 'ne', 'lt', 'gt', 'lt_handle_unlimited', 'gt_handle_unlimited'] as const;
export type FilterType = (typeof FILTER_TYPES)[number];

/** `@EMPTY_TERM_IS_NO_OP`: these types with an empty term leave the data alone. */
export const EMPTY_TERM_IS_NO_OP: readonly FilterType[] = ['contains', 'begins', 'ends', 'matches'];

/** `is_valid_filter_type`: a true value naming one of the `_filter_*` subs (there is no `defined`, `undefined`, `==`, `lte`, `gte`). */
export function isFilterType(type: string | undefined): type is FilterType {
  return perlTrue(type) && (FILTER_TYPES as readonly string[]).includes(type as string);
}

export interface Filter {
  readonly column: string;
  readonly type: FilterType;
  /** undefined only for an API 2 `eq` filter given no term (Perl compares with undef, i.e. ""). */
  readonly term: string | undefined;
  /** The argument that gave the term (`api.filter_term_2`), named in the messages of the `matches` filter. */
  readonly termArgument?: string;
}

/**
 * Compiles `matches` patterns once per call, lazily (cPanel compiles on the
 * first value tested), with the engine loaded for the call: re2js, linear
 * time in the subject. A pattern that does not compile fails the call:
 * Perl's message for a syntax error, `<argument>: <construct> is not
 * supported by the matches filter` for what RE2 cannot run.
 */
export class RegexCache {
  private readonly compiled = new Map<string, CompiledRegex | RegexError>();
  constructor(private readonly engine: RegexEngine | undefined) {}

  test(pattern: string, subject: string, argument = 'api.filter_term'): boolean {
    let re = this.compiled.get(pattern);
    if (re === undefined) {
      if (this.engine === undefined) throw new Error('a matches filter needs the regex engine: load it with loadRegexEngine()');
      try {
        re = this.engine.compile(pattern);
      } catch (error) {
        if (!(error instanceof RegexError)) throw error;
        re = error;
      }
      this.compiled.set(pattern, re);
    }
    if (re instanceof RegexError) throw new CallFailure(re.kind === 'unsupported' ? `${argument}: ${re.message}` : re.message);
    return re.test(subject);
  }
}

const isUnlimited = (value: Scalar): boolean => lcAscii(perlStr(value)) === 'unlimited';

/** The `_filter_<type>` test of one scalar value. */
function testValue(type: FilterType, value: Scalar, term: string | undefined, regex: RegexCache, argument: string | undefined): boolean {
  switch (type) {
    case 'contains':
      return lcAscii(perlStr(value)).includes(lcAscii(perlStr(term)));
    case 'begins':
      return lcAscii(perlStr(value)).startsWith(lcAscii(perlStr(term)));
    case 'ends':
      return lcAscii(perlStr(value)).endsWith(lcAscii(perlStr(term)));
    case 'matches':
      return regex.test(perlStr(term), perlStr(value), argument);
    case 'eq':
      return perlStr(value) === perlStr(term);
    case 'ne':
      return perlStr(value) !== perlStr(term);
    case 'lt':
      // cPanel: "note - should return 0... preserve behavior"
      if (value !== undefined && isUnlimited(value)) return true;
      return perlNum(value) < perlNum(term);
    case 'gt':
      // cPanel: "note - should return 1... preserve behavior"
      if (value !== undefined && isUnlimited(value)) return false;
      return perlNum(value) > perlNum(term);
    case 'lt_handle_unlimited':
      return !isUnlimited(value) && perlNum(value) !== 0 && perlNum(value) < perlNum(term);
    case 'gt_handle_unlimited':
      return isUnlimited(value) || perlNum(value) === 0 || perlNum(value) > perlNum(term);
  }
}

/** A cell passes when its value does, or for a list when any element does (an empty list never passes). */
function testCell(type: FilterType, cell: Cell | undefined, term: string | undefined, regex: RegexCache, argument: string | undefined): boolean {
  if (Array.isArray(cell)) return (cell as readonly (string | number)[]).some((v) => testValue(type, v, term, regex, argument));
  return testValue(type, (cell ?? undefined) as Scalar, term, regex, argument);
}

/**
 * `filter_by_column_type_term`: the rows that pass. An empty term is a
 * no-op for contains/begins/ends/matches. Column `*` keeps a row when any of
 * its values passes. A column absent from a row reads as undef (""/0).
 * Throws CallFailure where cPanel dies (a bad `matches` pattern).
 */
export function filterRows(rows: readonly Row[], filter: Filter, regex: RegexCache): Row[] {
  const { column, type, term, termArgument } = filter;
  if ((term === undefined || term === '') && EMPTY_TERM_IS_NO_OP.includes(type)) return [...rows];
  if (column === '*') return rows.filter((row) => Object.values(row).some((cell) => testCell(type, cell, term, regex, termArgument)));
  return rows.filter((row) => testCell(type, Object.hasOwn(row, column) ? row[column] : undefined, term, regex, termArgument));
}

// ---------------------------------------------------------------------------
// Sorts

export const SORT_METHODS = ['lexicographic', 'numeric', 'numeric_zero_as_max', 'ipv4'] as const;

/**
 * `is_valid_sort_method`: a true value naming a `_sort_*` sub. The subs
 * include the `_reverse` variants, so `numeric_reverse` is a valid method
 * (a descending sort), and with `reverse` set it becomes
 * `numeric_reverse_reverse`, which fails the call when the sort runs.
 */
export function isSortMethod(method: string | undefined): method is string {
  return perlTrue(method) && SORT_METHODS.some((m) => method === m || method === `${m}_reverse`);
}

/** What cPanel sorts by for a cell: its Perl string or number (a list compares as Perl's "ARRAY(0x...)", here a constant). */
function sortScalar(cell: Cell | undefined): Scalar {
  if (Array.isArray(cell)) return 'ARRAY';
  return (cell ?? undefined) as Scalar;
}

/** `pack('C', $octet)`: the low byte of Perl's integer value; Inf and NaN die. */
function packOctet(piece: string): number {
  const exact = /^[\t\n\v\f\r ]*([+-]?)(\d{16,})(?![.\deE])/.exec(piece);
  if (exact?.[2] !== undefined) {
    const big = BigInt(exact[2]) * (exact[1] === '-' ? -1n : 1n);
    if (big > 2n ** 64n - 1n) return 255;
    if (big < -(2n ** 63n)) return 0;
    return Number(BigInt.asUintN(8, big));
  }
  const n = perlNum(piece);
  if (Number.isNaN(n)) throw new PerlDie("Cannot pack NaN with 'C'");
  if (!Number.isFinite(n)) throw new PerlDie(`Cannot pack ${n > 0 ? 'Inf' : '-Inf'} with 'C'`);
  if (n >= 2 ** 64) return 255;
  if (n < -(2 ** 63)) return 0;
  const t = Math.trunc(n);
  return Math.abs(t) < 2 ** 53 ? ((t % 256) + 256) % 256 : Number(BigInt.asUintN(8, BigInt(t)));
}

/** `pack('CCCC', split(/\./, $value))` as a comparable 4-byte string. */
function ipv4Key(value: Scalar): string {
  const pieces = perlStr(value).split('.');
  while (pieces.length > 0 && pieces[pieces.length - 1] === '') pieces.pop();
  let key = '';
  for (let i = 0; i < 4; i++) key += String.fromCharCode(packOctet(pieces[i] ?? ''));
  return key;
}

type Comparator = (a: Scalar, b: Scalar) => number;

function zeroAsMax(a: number, b: number): number {
  // $a != $b ? ( $a == 0 ? 1 : $b == 0 ? -1 : $a <=> $b ) : $a <=> $b
  if (a !== b) return a === 0 ? 1 : b === 0 ? -1 : spaceship(a, b);
  return spaceship(a, b);
}

const COMPARATORS: Readonly<Record<string, Comparator>> = {
  lexicographic: (a, b) => perlCmp(perlStr(a), perlStr(b)),
  lexicographic_reverse: (a, b) => perlCmp(perlStr(b), perlStr(a)),
  numeric: (a, b) => spaceship(perlNum(a), perlNum(b)),
  numeric_reverse: (a, b) => spaceship(perlNum(b), perlNum(a)),
  numeric_zero_as_max: (a, b) => zeroAsMax(perlNum(a), perlNum(b)),
  numeric_zero_as_max_reverse: (a, b) => {
    const x = perlNum(a);
    const y = perlNum(b);
    if (x !== y) return y === 0 ? 1 : x === 0 ? -1 : spaceship(y, x);
    return spaceship(y, x);
  },
};

/**
 * `sort_by_column_and_method`: a stable sort of the rows by one column;
 * `fullMethod` is the method plus `_reverse` when reversed. Throws
 * CallFailure where cPanel dies: an unknown full method
 * (`numeric_reverse_reverse`), or an ipv4 octet that is Inf or NaN.
 *
 * ipv4: the value's first four dot-separated pieces, each Perl's integer
 * value modulo 256 (`1.2` is 1.2.0.0; `::1`, a name or "" are 0.0.0.0; `300`
 * wraps to 44), compared as bytes. Perl's sort is a stable merge sort, as is
 * JavaScript's; they agree whenever the comparison is consistent (numeric
 * sorts of "nan" are not: NaN compares equal to everything, and there the
 * order may differ from cPanel's).
 */
export function sortRows(rows: readonly Row[], column: string, fullMethod: string): Row[] {
  const pairs = rows.map((row) => ({ row, value: sortScalar(Object.hasOwn(row, column) ? row[column] : undefined) }));
  if (fullMethod === 'ipv4' || fullMethod === 'ipv4_reverse') {
    let keyed: { row: Row; key: string }[];
    try {
      // Perl packs each value the first time the merge sort compares it: every value, when there are two or more.
      keyed = pairs.length < 2 ? pairs.map(({ row }) => ({ row, key: '' })) : pairs.map(({ row, value }) => ({ row, key: ipv4Key(value) }));
    } catch (error) {
      if (error instanceof PerlDie) throw new CallFailure(error.message);
      throw error;
    }
    const sign = fullMethod === 'ipv4' ? 1 : -1;
    return keyed.sort((a, b) => sign * perlCmp(a.key, b.key)).map(({ row }) => row);
  }
  const compare = COMPARATORS[fullMethod];
  if (!compare) throw new CallFailure(`“${fullMethod}” is not a valid sort method.`);
  return pairs.sort((a, b) => compare(a.value, b.value)).map(({ row }) => row);
}

// ---------------------------------------------------------------------------
// Columns

/**
 * `Cpanel::Args::Columns::Util::apply`: keeps only the listed columns. The
 * columns to delete are the first row's keys that are not listed (cPanel
 * assumes homogeneous rows); listed columns missing from the first row are
 * reported, in the order given, duplicates included. With no rows every
 * listed column is reported (cPanel's `exists` on the missing first row).
 */
export function selectColumns(rows: readonly Row[], columns: readonly string[]): { rows: Row[]; invalid: string[]; message: string | undefined } {
  const first = rows[0] ?? {};
  const invalid = columns.filter((c) => !Object.hasOwn(first, c));
  const keep = new Set(columns);
  const drop = new Set(Object.keys(first).filter((k) => !keep.has(k)));
  const selected = rows.map((row) => {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(row)) if (!drop.has(k)) out[k] = v;
    return out;
  });
  return { rows: selected, invalid, message: invalid.length > 0 ? invalidColumnsMessage(invalid) : undefined };
}

