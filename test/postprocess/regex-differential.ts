/**
 * Random Perl patterns over the syntax the `matches` filter accepts, random
 * subjects, and the comparison of our answers (re2js on the translated
 * pattern) with /usr/bin/perl's `$subject =~ m{$pattern}`. Shared by the
 * normal suite (a few hundred cases) and `npm run fuzz` (many thousands).
 */
import { type RegexEngine, RegexError } from '../../src/postprocess/regex.js';
import { dieText, PERL_TIMEOUT, perlEach } from './perl-oracle.js';

/** A small seeded generator (mulberry32): the same cases on every run of a seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

const ATOMS = [
  // literals, Unicode (UTF-8 bytes in the pattern) and escapes
  'a', 'b', 'A', 'B', 'k', 's', 'S', 'z', '1', ' ', '-', '_', 'é', 'É', 'ü', 'ß', 'Ω', '€', '\\.', '\\n', '\\t', '\\x41', '\\x{e9}', '\\xC3', '\\xA9', '\\x{100}', '\\N{U+41}', '\\e', '\\cA', '\\0', '\\101', '\\o{142}',
  // classes
  '.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\h', '\\H', '\\v', '\\V', '\\R', '\\N',
  '[ab]', '[^a]', '[a-c]', '[^a-z]', '[A-Z0-9_]', '[é]', '[^é]', '[\\w-]', '[[:alpha:]]', '[[:^digit:]]', '[[:space:]]', '[[:punct:]]', '[[:upper:][:digit:]]', '[\\x{e0}-\\x{ff}]', '[]a]', '[\\s\\d]', '[^\\W_]',
  '[[:word:]]', '[[:^space:]]', '[[:xdigit:]]', '[[:print:]]', '[[:graph:]]', '[[:cntrl:]]', '[[:blank:]]', '[^[:alnum:]]', '[s\\xDF]', '[\\x{100}-\\x{200}a]', '\\x{ff}', '\\xB5', '(?^:a)', '(?d:\\w)', '(?u:\\w)', '(?a:\\s)',
  '\\p{L}', '\\p{Lu}', '\\p{Ll}', '\\P{L}', '\\pN', '\\p{Latin}', '\\p{Greek}', '\\p{IsAlpha}', '\\p{Punct}', '\\p{XPosixPunct}', '\\p{letter}', '\\p{Uppercase_Letter}', '\\p{Word}', '\\p{Space}', '\\p{Digit}', '\\p{ASCII}', '\\p{Common}', '\\p{Sc}', '\\p{Zs}', '\\p{gc=Lu}', '\\p{sc=Latn}',
  // anchors
  '^', '$', '\\A', '\\z', '\\Z', '\\b', '\\B',
];
const QUANTIFIERS = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '{2,}', '*?', '+?', '??', '{0,2}?', '{3}'];
const FLAGS = ['', '', '', '', '(?i)', '(?m)', '(?s)', '(?im)', '(?u)', '(?a)', '(?aa)', '(?x)', '(?-i)'];

function node(rnd: () => number, depth: number): string {
  const roll = rnd();
  let body: string;
  if (depth > 0 && roll < 0.2) {
    const alts = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => sequence(rnd, depth - 1));
    body = `${pick(rnd, ['(', '(?:', '(?i:', '(?-i:', '(?m:', '(?s:', '(?<n>'])}${alts.join('|')})`;
  } else {
    body = pick(rnd, ATOMS);
  }
  // An anchor takes no quantifier in most real patterns; perl allows it, so do it sometimes.
  return body + (/^(?:\^|\$|\\[AzZbB])$/.test(body) && rnd() < 0.8 ? '' : pick(rnd, QUANTIFIERS));
}

function sequence(rnd: () => number, depth: number): string {
  return Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => node(rnd, depth)).join('');
}

/** A random pattern: flags, a sequence or an alternation of them. */
export function randomPattern(rnd: () => number): string {
  const alts = Array.from({ length: rnd() < 0.25 ? 2 : 1 }, () => sequence(rnd, 2));
  return pick(rnd, FLAGS) + alts.join('|');
}

const SUBJECT_CHARS = ['a', 'b', 'A', 'B', 'k', 's', 'S', 'z', '1', '0', ' ', '-', '_', '.', '\n', '\t', '\r', '\x0b', '\0', 'é', 'É', 'ü', 'ß', 'Ω', '€', 'ſ', 'K', '\u00a0', '\u0085', 'Ã', '©', 'µ', 'ÿ', 'Ÿ', '〜', '😀', '\u00ad'];

/** A random subject: up to 8 characters, sometimes with a final newline. */
export function randomSubject(rnd: () => number): string {
  const text = Array.from({ length: Math.floor(rnd() * 9) }, () => pick(rnd, SUBJECT_CHARS)).join('');
  return rnd() < 0.15 ? `${text}\n` : text;
}

export interface Differential {
  /** Pattern/subject pairs compared (perl and we agree on each, or we refused the pattern). */
  readonly compared: number;
  /** Pairs whose pattern we refused (an unsupported construct): never a silent difference. */
  readonly refused: number;
  /** Pairs perl itself did not answer within 2 seconds (its backtracking), which we answered at once. */
  readonly perlTimedOut: number;
  /** The pairs where we differ from perl. */
  readonly mismatches: { pattern: string; subject: string; ours: boolean | string; perl: unknown }[];
}

/** Compares our answers with perl's on every pair (one perl process per batch). */
export function differential(engine: RegexEngine, pairs: readonly (readonly [string, string])[]): Differential {
  const perl = perlEach<unknown>(pairs as [string, string][], 'my ($p, $s) = @$case; $s =~ m{$p} ? 1 : 0', 2);
  const compiled = new Map<string, ReturnType<RegexEngine['compile']> | RegexError>();
  let refused = 0;
  let perlTimedOut = 0;
  const mismatches: Differential['mismatches'] = [];
  pairs.forEach(([pattern, subject], i) => {
    let re = compiled.get(pattern);
    if (re === undefined) {
      try {
        re = engine.compile(pattern);
      } catch (error) {
        if (!(error instanceof RegexError)) throw error;
        re = error;
      }
      compiled.set(pattern, re);
    }
    const theirs = perl[i];
    const die = dieText(theirs);
    if (die === `${PERL_TIMEOUT}\n`) {
      perlTimedOut++;
      return;
    }
    if (re instanceof RegexError) {
      if (re.kind === 'unsupported') {
        refused++;
        return;
      }
      // A syntax error: perl must die too (where a pattern has two errors, perl may name another first).
      if (die === undefined) mismatches.push({ pattern, subject, ours: `syntax: ${re.message}`, perl: theirs });
      return;
    }
    const ours = re.test(subject);
    if (die !== undefined || ours !== (theirs === 1)) mismatches.push({ pattern, subject, ours, perl: die ?? theirs });
  });
  return { compared: pairs.length, refused, perlTimedOut, mismatches };
}

/** `count` random pairs from `seed`: each pattern against `perPattern` subjects. */
export function randomPairs(seed: number, count: number, perPattern = 4): [string, string][] {
  const rnd = random(seed);
  const pairs: [string, string][] = [];
  while (pairs.length < count) {
    const pattern = randomPattern(rnd);
    for (let k = 0; k < perPattern && pairs.length < count; k++) pairs.push([pattern, randomSubject(rnd)]);
  }
  return pairs;
}

/**
 * Properties of the engine on `runs` random patterns (accepted or refused)
 * and subjects: compiling throws nothing but a RegexError, and for a
 * pattern we accept, matching a subject of 10,000 characters or more (a
 * random subject repeated) takes time linear in it (bounded per character,
 * whatever the pattern).
 */
export function checkProperties(engine: RegexEngine, seed: number, runs: number): { accepted: number; slowest: number } {
  const rnd = random(seed);
  let accepted = 0;
  let slowest = 0;
  for (let k = 0; k < runs; k++) {
    const pattern = randomPattern(rnd);
    let re: ReturnType<RegexEngine['compile']>;
    try {
      re = engine.compile(pattern);
    } catch (error) {
      if (!(error instanceof RegexError)) throw new Error(`m{${pattern}}: ${String(error)}`);
      continue;
    }
    accepted++;
    const unit = randomSubject(rnd) || 'a';
    const subject = unit.repeat(Math.ceil(10_000 / unit.length));
    const started = performance.now();
    re.test(subject);
    const perByte = (performance.now() - started) / subject.length;
    slowest = Math.max(slowest, perByte);
    // 10 µs a character: 10,000 rows of 100 characters in 10 s at worst, on a 2-core machine under load.
    if (perByte > 0.01) throw new Error(`m{${pattern}} took ${(perByte * 1000).toFixed(2)} µs a character`);
  }
  return { accepted, slowest };
}
