import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BINARY_WAY } from './test/helpers/commands.js';
import base from './vitest.config.js';

/**
 * The end-to-end subset CI also runs under Node 22 and 24 (`.ci/run`, through
 * scripts/ci-nodes.sh): vitest itself is started by that Node, so each test's
 * `process.execPath` -- what spawns `bin/*.js`, `serve` and `top` -- is that
 * Node. These are the tests that reach what differs between Node lines: the
 * bundles loaded by bin/start.js (vm.Script, with no code cache for that V8),
 * child processes, pipes, closed streams, signals, FIFOs and sockets, the
 * HTTP and TLS servers and their reload, a real terminal, npm's install and
 * pack with the build they run. The rest of the suite runs in-process
 * on the machine's Node (`npm test`).
 */
const E2E_SUBSET = [
  'test/e2e/bin.test.ts',
  'test/e2e/io.test.ts',
  'test/e2e/serve-clients.test.ts',
  'test/serve/serve-bin.test.ts',
  'test/commands/watch-bin.test.ts',
  'test/commands/top/tmux.test.ts',
  // npm install -g ., npm pack and the tarball installed, npm and the build (prepare: the bundles and their code caches) run by that Node
  'test/install/install.test.ts',
];

// a file renamed or gone would leave the subset smaller without a word
const gone = E2E_SUBSET.filter((f) => !existsSync(new URL(f, import.meta.url)));
if (gone.length > 0) throw new Error(`vitest.e2e.config.ts: no such test file: ${gone.join(', ')}`);

/** every test but the single executable's: it carries its own Node, whichever Node runs the tests (`npm test` runs those) */
const notTheBinary = new RegExp(`^(?!${BINARY_WAY.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} )`);

// the suite's settings (the version define, TZ=UTC, time-outs, forks), on these files only
export default defineConfig({ ...base, test: { ...base.test, include: E2E_SUBSET, testNamePattern: notTheBinary } });
