// The parsers' properties with a few thousand generated inputs each (a million each in `npm run fuzz`).
import { describe, it } from 'vitest';
import { PROPERTIES } from '../fuzz/properties.js';
import { TEST_RUNS } from '../fuzz/runs.js';

describe('parser properties', () => {
  for (const [name, property] of Object.entries(PROPERTIES)) it(name, () => property(TEST_RUNS), 120_000);
});
