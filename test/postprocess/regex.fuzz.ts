// `npm run fuzz`: the matches filter against /usr/bin/perl on many thousands of random
// patterns and subjects (Unicode, /i, /m, /s, charset modifiers, anchors, classes,
// properties, alternation, counted repeats), in batches of one perl process each.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegexEngine, type RegexEngine } from '../../src/postprocess/regex.js';
import { hasPerl } from './perl-oracle.js';
import { differential, randomPairs } from './regex-differential.js';

const BATCHES = 20;
const PER_BATCH = 5_000;

let engine: RegexEngine;
beforeAll(async () => {
  engine = await loadRegexEngine();
});

describe.skipIf(!hasPerl)('matches: the same answers as perl on random patterns', () => {
  it.each(Array.from({ length: BATCHES }, (_, k) => 1_000 + k))('seed %i: 5,000 pattern/subject pairs', (seed) => {
    const result = differential(engine, randomPairs(seed, PER_BATCH));
    expect(result.mismatches.slice(0, 10)).toEqual([]);
    expect(result.refused).toBeLessThan(result.compared / 3);
  }, 120_000);
});
