// npm run fuzz: many more arbitrary documents than the unit run, each read
// back through YAML::Syck in its four modes and through js-yaml.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { hostileDocument } from './hostile.js';
import { expectRoundTrip } from './syck.js';

const BATCHES = 20;
const PER_BATCH = 1_000;

describe('YAML fuzz', () => {
  it.each(Array.from({ length: BATCHES }, (_, i) => i))('batch %i: arbitrary documents read back exactly', (batch) => {
    const seed = Date.now() ^ (batch * 0x9e3779b9);
    try {
      expectRoundTrip(fc.sample(hostileDocument(8), { numRuns: PER_BATCH, seed }));
    } catch (error) {
      throw new Error(`seed ${seed}: ${(error as Error).message}`);
    }
  }, 300_000);
});
