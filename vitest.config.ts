import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __FTPSESSIONS_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    // Every login time in the fixtures and snapshots is UTC; the code uses local time.
    env: { TZ: 'UTC' },
    testTimeout: 20_000,
    hookTimeout: 120_000,
    // The live tests start real daemons: keep them from competing with each other.
    fileParallelism: true,
    pool: 'forks',
  },
});
