import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpanelCeil, formatPerlNumber, perlCmp, perlIv, perlNum, perlSplice, perlTrue } from '../../src/postprocess/perl.js';
import { filterRows, FILTER_TYPES, type FilterType, RegexCache, sortRows } from '../../src/postprocess/primitives.js';
import { loadRegexEngine } from '../../src/postprocess/regex.js';
import { dieText, hasPerl, perlEach } from './perl-oracle.js';

const NUMERIC_STRINGS = ['12abc', 'abc', ' 12', '\t-3.5e2x', '+.5', '5.', '.', '-', '1e', '1e+', '0x1f', 'Infinity', '-inf', 'nan', 'NaNQ', 'infx', 'i', '1_000', '  +0012', '1.5e400', '-1.5e400', '1e-400', '', '0', '0.0', '00', '24393', '9876.0', '1e15', '0.1', '\n7 ', '--1', '3.14159265358979323846'];

describe('Perl numbers', () => {
  it.each([
    ['12abc', 12],
    ['abc', 0],
    [' 12', 12],
    ['\t-3.5e2x', -350],
    ['+.5', 0.5],
    ['5.', 5],
    ['0x1f', 0],
    ['1_000', 1],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-inf', Number.NEGATIVE_INFINITY],
    ['infx', Number.POSITIVE_INFINITY],
    ['i', 0],
    ['', 0],
    [undefined, 0],
  ] as const)('0 + %j is %s', (text, value) => {
    expect(perlNum(text)).toBe(value);
  });

  it('NaN', () => {
    expect(perlNum('nan')).toBeNaN();
    expect(perlNum('NaNQ')).toBeNaN();
  });

  it.each([
    [24393, '24393'],
    [1e15, '1000000000000000'],
    [1e20, '1e+20'],
    [1e21, '1e+21'],
    [0.1 + 0.2, '0.3'],
    [1 / 3, '0.333333333333333'],
    [-0, '0'],
    [2 ** 53, '9007199254740992'],
    [2 ** 64, '1.84467440737096e+19'],
    [1.5e300, '1.5e+300'],
    [1e-5, '1e-05'],
    [123.5, '123.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Inf'],
  ])('%s prints as %j', (n, text) => {
    expect(formatPerlNumber(n)).toBe(text);
  });

  it('truth', () => {
    expect([undefined, '', '0', 0, '0.0', '00', ' ', 'false', Number.NaN].map((v) => perlTrue(v))).toEqual([false, false, false, false, true, true, true, true, true]);
  });

  it('int conversion for splice: truncation, NaN 0, wrap above 2**63, -1 above 2**64', () => {
    expect([perlIv('2.7'), perlIv('-2.7'), perlIv('nan'), perlIv('inf'), perlIv('1e30'), perlIv('-inf')]).toEqual([2, -2, 0, -1, -1, -(2 ** 63)]);
    expect(perlIv('18446744073709551615')).toBe(-1);
    expect(perlIv('9223372036854775808')).toBe(-(2 ** 63));
  });

  it('Cpanel::Math::ceil', () => {
    expect([cpanelCeil(2.1), cpanelCeil(2), cpanelCeil(-0.5), cpanelCeil(0), cpanelCeil(Number.POSITIVE_INFINITY)]).toEqual([3, 2, 0, 0, Number.POSITIVE_INFINITY]);
    expect(cpanelCeil(Number.NaN)).toBeNaN();
  });

  it('cmp is code point order (UTF-8 byte order), not UTF-16 order', () => {
    expect(perlCmp('\u{1F600}', '\uFFFD')).toBe(1); // JavaScript's < says otherwise
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(perlCmp('B', 'a')).toBe(-1);
    expect(perlCmp('ab', 'a')).toBe(1);
    expect(perlCmp('é', 'e')).toBe(1);
  });

  it('splice', () => {
    const a = [1, 2, 3];
    expect(perlSplice(a, 0, 2)).toEqual({ removed: [1, 2], kept: [3] });
    expect(perlSplice(a, -2)).toEqual({ removed: [2, 3], kept: [1] });
    expect(perlSplice(a, 0, -1)).toEqual({ removed: [1, 2], kept: [3] });
    expect(perlSplice(a, 5, 1)).toEqual({ removed: [], kept: [1, 2, 3] });
    expect(() => perlSplice(a, -5)).toThrow('Modification of non-creatable array value attempted, subscript -5');
    expect(a).toEqual([1, 2, 3]);
  });
});

const filterExpr: Record<FilterType, string> = {
  contains: '$v =~ m/\\Q$t\\E/i',
  begins: '$v =~ m/\\A\\Q$t\\E/i',
  ends: '$v =~ m/\\Q$t\\E\\z/i',
  matches: '$v =~ m{$t}',
  eq: '$v eq $t',
  ne: '$v ne $t',
  lt: "(lc($v) eq 'unlimited') || $v < $t",
  gt: "!(lc($v) eq 'unlimited') && $v > $t",
  lt_handle_unlimited: "lc($v) ne 'unlimited' && $v != 0 && $v < $t",
  gt_handle_unlimited: "lc($v) eq 'unlimited' || $v == 0 || $v > $t",
};

describe.skipIf(!hasPerl)('the same answers as perl', () => {
  it('numeric values and their printing', () => {
    const perl = perlEach<string>(NUMERIC_STRINGS, '"" . (0 + $case)');
    expect(NUMERIC_STRINGS.map((s) => formatPerlNumber(perlNum(s)))).toEqual(perl);
  });

  it('cmp on random strings', () => {
    const strings = fc.sample(fc.tuple(fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 4 })), { numRuns: 500, seed: 7 });
    const perl = perlEach<number>(strings, '$case->[0] cmp $case->[1]');
    expect(strings.map(([a, b]) => perlCmp(a, b))).toEqual(perl);
  });

  it('splice with string offsets and lengths', () => {
    const cases = fc.sample(
      fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('0', '1', '2', '-1', '-2', '-7', '2.9', '-0.5', 'inf', 'nan', '1e30', '9', 'x'), fc.option(fc.constantFrom('0', '1', '-1', '3', '2.5', 'inf', 'nan', '99999999999999999999'), { nil: undefined })),
      { numRuns: 400, seed: 3 },
    );
    const perl = perlEach<unknown>(cases, 'my ($n, $o, $l) = @$case; my @a = (1 .. $n); my @r = defined $l ? splice(@a, $o, $l) : splice(@a, $o); [ \\@r, \\@a ]');
    cases.forEach(([n, o, l], i) => {
      const array = Array.from({ length: n }, (_, k) => k + 1);
      let ours: unknown;
      try {
        const r = perlSplice(array, perlIv(o), l === undefined ? undefined : perlIv(l));
        ours = [r.removed, r.kept];
      } catch (error) {
        ours = (error as Error).message;
      }
      const theirs = dieText(perl[i]) ?? perl[i];
      expect([n, o, l, ours]).toEqual([n, o, l, typeof theirs === 'string' ? theirs.replace(/\n$/, '') : theirs]);
    });
  });

  it('every filter type on random values and terms', async () => {
    const values = ['alice', 'Alice', 'ALICE', '', '0', '5', '10', '12abc', 'unlimited', 'UNLIMITED', 'x y', 'a.b', '24393', 'é', 'nan', 'inf'];
    const terms = ['a', 'A', 'al', 'ice', '5', '10', '0', 'unlimited', '.', '^a', 'x y', 'é', 'E', '12', '-1'];
    const cases = fc.sample(fc.tuple(fc.constantFrom(...FILTER_TYPES), fc.constantFrom(...values), fc.constantFrom(...terms)), { numRuns: 1500, seed: 11 });
    const perl = perlEach<number>(cases, `my ($type, $v, $t) = @$case; my %f = (${Object.entries(filterExpr).map(([k, e]) => `${k} => sub { ${e} }`).join(', ')}); $f{$type}->() ? 1 : 0`);
    const regex = new RegexCache(await loadRegexEngine());
    const ours = cases.map(([type, value, term]) => (filterRows([{ v: value }], { column: 'v', type, term }, regex).length === 1 ? 1 : 0));
    expect(cases.map((c, i) => [...c, ours[i]])).toEqual(cases.map((c, i) => [...c, perl[i]]));
  });

  it('every sort method on random columns (stable, as Perl’s merge sort)', () => {
    const methods = ['lexicographic', 'numeric', 'numeric_zero_as_max', 'ipv4'] as const;
    const cmp: Record<string, string> = {
      lexicographic: '$x cmp $y',
      numeric: '$x <=> $y',
      numeric_zero_as_max: '$x != $y ? ($x == 0 ? 1 : $y == 0 ? -1 : $x <=> $y) : $x <=> $y',
      ipv4: 'pack("CCCC", split(/\\./, $x)) cmp pack("CCCC", split(/\\./, $y))',
    };
    const value = fc.constantFrom('0', '1', '2', '10', '-1', 'abc', '', '1.2', '10.0.0.1', '9.255.1.1', '300.1', '1.2.3.4.5', 'a.b', '::1', '2abc', '1e1', 'Zed', 'zed');
    const cases = fc.sample(fc.tuple(fc.constantFrom(...methods), fc.boolean(), fc.array(value, { maxLength: 8 })), { numRuns: 600, seed: 5 });
    const perl = perlEach<number[]>(
      cases,
      `my ($m, $rev, $vals) = @$case; my %c = (${Object.entries(cmp).map(([k, e]) => `${k} => sub { my ($x, $y) = @_; ${e} }`).join(', ')});
       my @i = 0 .. $#$vals; [ sort { $rev ? $c{$m}->($vals->[$b], $vals->[$a]) : $c{$m}->($vals->[$a], $vals->[$b]) } @i ]`,
    );
    cases.forEach(([method, reverse, values], i) => {
      const rows = values.map((v, index) => ({ v, index }));
      const sorted = sortRows(rows, 'v', method + (reverse ? '_reverse' : ''));
      expect([method, reverse, values, sorted.map((r) => r['index'])]).toEqual([method, reverse, values, perl[i]]);
    });
  });
});
