// `npm run fuzz`: the matches filter against /usr/bin/perl on many random patterns and
// subjects (Unicode, /i, /m, /s, /x, charset modifiers, anchors, classes, properties,
// alternation, counted repeats), one perl process per batch of 5,000 pairs; and the
// engine's properties (only RegexError escapes; time linear in the subject).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadRegexEngine, type RegexEngine } from '../../src/postprocess/regex.js';
import { hasPerl } from './perl-oracle.js';
import { checkProperties, differential, randomPairs } from './regex-differential.js';

const runs = inject('fuzzRuns');
const PER_BATCH = 5_000;
/** A fifth of the fuzz runs as pairs for perl (200,000 at the default: about two minutes), at least one batch. */
const BATCHES = Math.max(1, Math.round(runs / 5 / PER_BATCH));

let engine: RegexEngine;
beforeAll(async () => {
  engine = await loadRegexEngine();
});

describe.skipIf(!hasPerl)(`matches: the same answers as perl on ${BATCHES * PER_BATCH} random pattern/subject pairs`, () => {
  it.each(Array.from({ length: BATCHES }, (_, k) => 1_000 + k))('seed %i', (seed) => {
    const result = differential(engine, randomPairs(seed, PER_BATCH));
    expect(result.mismatches.slice(0, 10)).toEqual([]);
    expect(result.perlTimedOut).toBeLessThan(10);
    expect(result.refused).toBeLessThan(result.compared / 3);
  });
});

describe(`matches: properties on ${Math.max(1, Math.round(runs / 100))} random patterns`, () => {
  it('compiling throws only RegexError; matching is linear in the subject', () => {
    const { accepted } = checkProperties(engine, 7, Math.max(1, Math.round(runs / 100)));
    expect(accepted).toBeGreaterThan(0);
  });
});
