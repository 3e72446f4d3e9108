import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePerlRegex, RegexError, StepBudget } from '../../src/postprocess/regex.js';
import { dieText, hasPerl, perlEach } from './perl-oracle.js';

function matches(pattern: string, subject: string): boolean {
  return compilePerlRegex(pattern).test(subject);
}

function outcome(pattern: string, subject: string): boolean | string {
  try {
    return matches(pattern, subject);
  } catch (error) {
    if (error instanceof RegexError) return `${error.kind}: ${error.message}`;
    throw error;
  }
}

/** [pattern, subject, Perl's answer] — answers checked against perl 5.36 (see the oracle test below). */
const CASES: readonly (readonly [string, string, boolean])[] = [
  ['pure-ftpd \\((IDLE|DL|UL)\\)', 'pure-ftpd (IDLE)', true],
  ['^alice$', 'alice', true],
  ['^Alice$', 'alice', false],
  ['(?i)^ALICE$', 'alice', true],
  ['(?i:A)lice', 'alice', true],
  ['^\\d+$', '24393', true],
  ['^\\d{1,3}(?:\\.\\d{1,3}){3}$', '127.0.0.1', true],
  ['^\\d{1,3}(?:\\.\\d{1,3}){3}$', '::1', false],
  ['^Sun Nov \\d+', 'Sun Nov 22 06:06:28 2026', true],
  ['2026$', 'Sun Nov 22 06:06:28 2026', true],
  ['x*', '', true],
  ['$', '', true],
  ['\\A\\z', '', true],
  ['\\b', '', false],
  ['\\B', '', true],
  ['{1}', 'a{1}', true],
  ['x{', 'x{', true],
  ['a{,2}b', 'b', true],
  ['a{3,2}', 'aaa', false],
  ['x{1, 3}', 'xx', true],
  ['a$', 'a\n', true],
  ['a$', 'a\n\n', false],
  ['a\\z', 'a\n', false],
  ['a\\Z', 'a\n', true],
  ['(?m)a$', 'a\nb', true],
  ['\\n^', 'a\n', false],
  ['(?m)\\n^', 'a\n', false],
  ['(?m)\\n^', 'a\nb', true],
  ['\\Ga', 'ba', false],
  ['\\Gb', 'ba', true],
  ['.', '\n', false],
  ['(?s).', '\n', true],
  ['(?i)\\xe9', 'É', false],
  ['\\w', 'é', false],
  ['[[:alpha:]]', 'é', false],
  ['\\h', '\u00a0', true],
  ['\\s', '\u00a0', false],
  ['\\s', '\x0b', true],
  ['\\v', '\u0085', true],
  ['\\p{L}', 'é', true],
  ['^caf.$', 'café', false],
  ['^caf..$', 'café', true],
  ['é', 'café', true],
  ['\\k<x>(?<x>a)', 'aa', false],
  ['(?<x>a)\\k<x>', 'aa', true],
  ['(?<x>a)\\g{x}', 'aa', true],
  ['(a)\\g{-1}', 'aa', true],
  ['(a)\\g1', 'aa', true],
  ['(a)\\1', 'aa', true],
  ['(a)\\1', 'ab', false],
  ['(?i)(a)\\1', 'aA', true],
  ['\\10', '\x08', true],
  ['\\101', 'A', true],
  ['\\o{101}', 'A', true],
  ['\\x41', 'A', true],
  ['\\x{41}', 'A', true],
  ['\\N{U+41}', 'A', true],
  ['[\\N{U+41}]', 'A', true],
  ['\\cA', '\x01', true],
  ['\\e', '\x1b', true],
  ['\\y', 'y', true],
  ['\\Q', 'Q', true],
  ['[a-\\d]', '-', true],
  ['(?i)[[:upper:]]', 'a', true],
  ['(?i)\\x{100}', 'a', false],
  ['^(?:a|ab)(?:c|bcd)(?:d*)$', 'abcd', true],
  ['(?|(a)|(b))\\1', 'bb', true],
  ['a(?#x)b', 'ab', true],
  ['(?x) a b # c', 'ab', true],
  ['(?x)[ a]', ' ', true],
  ['(?xx)[ a]', ' ', false],
  ['(?^i:A)', 'a', true],
  ['a++', 'aaa', true],
  ['a++a', 'aaa', false],
  ['(?>a*)a', 'aaa', false],
  ['(?>a|ab)c', 'abc', false],
  ['(*FAIL)|a', 'a', true],
  ['\\R', '\r\n', true],
  ['[\\b]', '\x08', true],
  ['\\Ka', 'a', true],
  ['(?<!a)b', 'ab', false],
  ['(?<=ab|c)d', 'abd', true],
  ['[]a]', ']', true],
  ['[^]a]', 'b', true],
  ['(a*)*b', 'aaab', true],
  ['(a|b)*?c', 'abc', true],
  ['\\d+(?=px)', '12px', true],
  ['^\\d+(?!px)$', '12px', false],
  ['(?<=\\d{2})x', '12x', true],
  ['\\o{8}', '\x00', true],
  ['(?-p)a', 'a', true],
  ['(?o)a', 'a', true],
  ['(?aa)a', 'a', true],
  ['(?^x:a b)', 'ab', true],
  ['\\x{ 4_1 }', 'A', true],
  ['\\N{ U+4_1 }', 'A', true],
  ['[\\N{U+41}-\\N{U+43}]', 'B', true],
];

const SYNTAX_ERRORS: readonly (readonly [string, string])[] = [
  ['(', 'Unmatched ( in regex; marked by <-- HERE in m/( <-- HERE /'],
  ['a)', 'Unmatched ) in regex; marked by <-- HERE in m/a) <-- HERE /'],
  ['[a', 'Unmatched [ in regex; marked by <-- HERE in m/[ <-- HERE a/'],
  ['*a', 'Quantifier follows nothing in regex; marked by <-- HERE in m/* <-- HERE a/'],
  ['a|*', 'Quantifier follows nothing in regex; marked by <-- HERE in m/a|* <-- HERE /'],
  ['a**', 'Nested quantifiers in regex; marked by <-- HERE in m/a** <-- HERE /'],
  ['a{1}{2}', 'Nested quantifiers in regex; marked by <-- HERE in m/a{1}{ <-- HERE 2}/'],
  ['\\2(a)', 'Reference to nonexistent group in regex; marked by <-- HERE in m/\\2 <-- HERE (a)/'],
  ['(?n)(a)\\1', 'Reference to nonexistent group in regex; marked by <-- HERE in m/(?n)(a)\\1 <-- HERE /'],
  ['a{70000}', 'Quantifier in {,} bigger than 65534 in regex; marked by <-- HERE in m/a{70000 <-- HERE }/'],
  ['(?<=a+)b', 'Lookbehind longer than 255 not implemented in regex m/(?<=a+)b/'],
  ['\\k<x>', 'Reference to nonexistent named group in regex; marked by <-- HERE in m/\\k<x <-- HERE >/'],
  ['(?z)', 'Sequence (?z...) not recognized in regex; marked by <-- HERE in m/(?z <-- HERE )/'],
  ['[z-a]', 'Invalid [] range "z-a" in regex; marked by <-- HERE in m/[z-a <-- HERE ]/'],
  ['\\p{Foo}', 'Can\'t find Unicode property definition "Foo" in regex; marked by <-- HERE in m/\\p{Foo} <-- HERE /'],
  ['(?#c', 'Sequence (?#... not terminated in regex m/(?#c/'],
  ['[[:foo:]]', 'POSIX class [:foo:] unknown in regex; marked by <-- HERE in m/[[:foo:] <-- HERE ]/'],
  ['(?', 'Sequence (? incomplete in regex; marked by <-- HERE in m/(? <-- HERE /'],
  ['\\', 'Trailing \\ in regex m/\\/'],
  ['\\g{x}', 'Reference to nonexistent named group in regex; marked by <-- HERE in m/\\g{x <-- HERE }/'],
  ['\\g0', 'Reference to invalid group 0 in regex; marked by <-- HERE in m/\\g <-- HERE 0/'],
  ['(?P=x)', 'Reference to nonexistent named group in regex; marked by <-- HERE in m/(?P=x <-- HERE )/'],
  ['\\c', 'Character following "\\c" must be printable ASCII in regex; marked by <-- HERE in m/\\c <-- HERE /'],
  ['\\b{xx}', "'xx' is an unknown bound type in regex; marked by <-- HERE in m/\\b{xx <-- HERE }/"],
  ['(?{ 1 })', "Eval-group not allowed at runtime, use re 'eval' in regex m/(?{ 1 })/"],
  ['\\g{', 'Sequence \\g{... not terminated in regex; marked by <-- HERE in m/\\g{ <-- HERE /'],
  ['(?^-i)', 'Sequence (?^-...) not recognized in regex; marked by <-- HERE in m/(?^- <-- HERE i)/'],
  ['(?--i)', 'Sequence (?--...) not recognized in regex; marked by <-- HERE in m/(?-- <-- HERE i)/'],
  ['(?-a)', 'Regexp modifier "a" may not appear after the "-" in regex; marked by <-- HERE in m/(?-a <-- HERE )/'],
  ['(?au)', 'Regexp modifier "a" may appear a maximum of twice in regex; marked by <-- HERE in m/(?au <-- HERE )/'],
  ['(?P>x)', 'Reference to nonexistent named group in regex; marked by <-- HERE in m/(?P>x <-- HERE )/'],
  ['[\\N]', '\\N in a character class must be a named character: \\N{...} in regex; marked by <-- HERE in m/[\\N <-- HERE ]/'],
  ['[\\', 'Unmatched [ in regex; marked by <-- HERE in m/[\\ <-- HERE /'],
  ['\\N{U+}', 'Invalid hexadecimal number in \\N{U+...} in regex; marked by <-- HERE in m/\\N{U+} <-- HERE /'],
];

describe('Perl regex: matching', () => {
  it.each(CASES)('m{%s} against %j is %s', (pattern, subject, expected) => {
    expect(matches(pattern, subject)).toBe(expected);
  });
});

describe('Perl regex: syntax errors in Perl’s words', () => {
  it.each(SYNTAX_ERRORS)('%s', (pattern, message) => {
    expect(outcome(pattern, '')).toBe(`syntax: ${message}`);
  });
});

describe('Perl regex: constructs we refuse rather than guess', () => {
  it.each(['(?R)', '(?1)(a)', '(?&x)(?<x>a)', '(?<x>a)(?P>x)', '(*SKIP)a', '(?(1)a|b)', '(*ACCEPT)', '\\X', '\\N{LATIN SMALL LETTER A}', '\\b{wb}'])('%s', (pattern) => {
    expect(() => compilePerlRegex(pattern)).toThrow(expect.objectContaining({ kind: 'unsupported' }));
  });
});

describe('Perl regex: pathological patterns cannot hang the tool', () => {
  const long = `${'a'.repeat(30_000)}!`;
  it.each(['(a+)+$', '^(a|a)*$', '^(a*)*$', '^(a|aa)+$', '^(\\w+\\s?)*$', '(?:a+)+(?:a+)+b', '(?=(a+)+$)x', '((a+)+)+$'])('%s against 30000 a’s fails fast', (pattern) => {
    const started = performance.now();
    expect(matches(pattern, long)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
  it.each(['^(a+)+\\1$', '^(a*)*(a*)*\\1\\2b$'])('back-references (%s) stop at the default step budget, fast', (pattern) => {
    const started = performance.now();
    expect(() => matches(pattern, `${'a'.repeat(30_000)}!`)).toThrow(expect.objectContaining({ kind: 'budget' }));
    expect(performance.now() - started).toBeLessThan(3_000);
  });
  it('the budget is shared by every match of one call', () => {
    const budget = new StepBudget(1_000);
    const re = compilePerlRegex('a', budget);
    for (let i = 0; i < 50; i++) re.test('xxxxxxxxxxa');
    expect(() => re.test('x'.repeat(2_000))).toThrow(expect.objectContaining({ kind: 'budget' }));
  });
  it('counted repetitions too large to expand are refused', () => {
    expect(() => compilePerlRegex('(a{60000}){60000}')).toThrow(expect.objectContaining({ kind: 'too-complex' }));
  });
});

describe.skipIf(!hasPerl)('Perl regex: the same answers as perl', () => {
  const body = `my ($p, $s) = @$case; $s =~ m{$p} ? 1 : 0`;

  it('on the table', () => {
    const perl = perlEach<unknown>(CASES.map(([p, s]) => [p, s]), body);
    CASES.forEach(([p, s, expected], i) => {
      expect([p, s, perl[i]]).toEqual([p, s, expected ? 1 : 0]);
    });
    const errors = perlEach<unknown>(SYNTAX_ERRORS.map(([p]) => [p, '']), body);
    SYNTAX_ERRORS.forEach(([p, message], i) => {
      expect([p, dieText(errors[i])]).toEqual([p, message]);
    });
  });

  it('on random patterns and subjects', () => {
    const atoms = ['a', 'b', '.', '\\d', '\\w', '\\s', '[ab]', '[^a]', '(a|b)', '(?:ab)', '^', '$', '\\b', 'a?', 'b*', 'a+', '(a*)', '(?=a)', '(?!b)', '(?<=a)', '\\1', '(?i)A', '[[:digit:]]', '1', ' ', '(?>a+)', 'a{2}', 'b{1,2}', 'a*?', '\\n'];
    const patternArb = fc.array(fc.constantFrom(...atoms), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
    const subjectArb = fc.string({ unit: fc.constantFrom('a', 'b', 'A', '1', ' ', '\n', 'é'), maxLength: 8 });
    const cases = fc.sample(fc.tuple(patternArb, subjectArb), { numRuns: 3000, seed: 42 });
    const perl = perlEach<unknown>(cases, body);
    const mismatches = cases.flatMap(([p, s], i) => {
      const ours = outcome(p, s);
      const theirs = perl[i];
      const die = dieText(theirs);
      if (die !== undefined) return ours === `syntax: ${die}` ? [] : [{ p, s, ours, perl: die }];
      return ours === (theirs === 1) ? [] : [{ p, s, ours, perl: theirs }];
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
