/**
 * How many generated inputs each property gets. `npm test` runs every
 * property with TEST_RUNS (test/collectors/properties.test.ts and friends);
 * `npm run fuzz` with FUZZ_RUNS (test/fuzz/*.fuzz.ts), which only
 * vitest.fuzz.config.ts may lower, from the FUZZ_RUNS environment variable,
 * for a quick check.
 */
export const TEST_RUNS = 3_000;
export const FUZZ_RUNS = 1_000_000;

declare module 'vitest' {
  // handed to the tests by vitest.fuzz.config.ts
  export interface ProvidedContext {
    fuzzRuns: number;
  }
}
