import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { FUZZ_RUNS } from './test/fuzz/runs.js';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * `npm run fuzz`: every test/**\/*.fuzz.ts, each property with FUZZ_RUNS
 * generated inputs (1,000,000). FUZZ_RUNS=<n> in the environment lowers
 * that, for a quick check; it is read here only, and handed to the tests
 * as `inject('fuzzRuns')`.
 */
const asked = Number(process.env.FUZZ_RUNS);
const fuzzRuns = Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, FUZZ_RUNS) : FUZZ_RUNS;

export default defineConfig({
  define: { __FTPSESSIONS_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.fuzz.ts'],
    // as in npm test; the time-zone properties set TZ themselves
    env: { TZ: 'UTC' },
    provide: { fuzzRuns },
    // a million inputs per property take minutes
    testTimeout: 0,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
