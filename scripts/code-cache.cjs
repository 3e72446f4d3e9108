'use strict';
// Part of `npm run build`: compile each bundle exactly as bin/start.js does,
// run the commands people run most with it (on a replay of generated
// sessions and of the bundled samples, and a usage error), then write V8's
// code cache of everything that ran to dist/<bundle>.<v8>.<arch>.cache. Run
// by a plain `node`: a cache made under other V8 flags is refused.
//
// What a cache holds, V8 reads in at every start, used or not: cpanel.cjs
// is trained on the formats scripts and people ask for (json, jsonpretty
// and the default yaml), not on xml and table, whose libraries would make
// every json start pay for them (they compile when first used).
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { bundleOf, cacheFile, load } = require('../bin/start.js');

const ROOT = join(__dirname, '..');

/** the training runs, [dialect, argv]: each trains the cache of the bundle that dialect runs from (bundleOf) */
function trainingRuns(replay, samples, account, isRoot) {
  const runs = [];
  for (const format of ['json', 'jsonpretty', 'yaml']) {
    runs.push(['uapi', [...account, `--output=${format}`, ...replay, 'Ftp', 'list_sessions']]);
    runs.push(['api2', [...account, `--output=${format}`, ...replay, 'Ftp', 'listftpsessions']]);
  }
  for (const format of ['json', 'table', 'ndjson', 'csv', 'yaml']) {
    runs.push(['action', ['list', `--output=${format}`, ...(isRoot ? samples : replay)]]);
    runs.push(['action', ['count', `--output=${format}`, ...(isRoot ? samples : replay)]]);
  }
  runs.push(['action', ['list', '--no-such-option']]);
  // Tab: the shells' hidden fast path (src/completion), for options and for the sessions' pids
  runs.push(['action', ['__complete', '1', '--', 'uapi', '--out']]);
  runs.push(['action', ['__complete', '7', '--', 'ftpsessions', 'kill', ...replay, '--pid', '']]);
  return runs;
}

async function main() {
  const { generate } = await import('./lib/generate.mjs');
  const isRoot = process.getuid() === 0;
  const account = isRoot ? ['--user=nobody'] : [];
  const work = mkdtempSync(join(tmpdir(), 'ftpsessions-cache-'));
  try {
    const made = generate(10, isRoot ? 65534 : process.getuid());
    writeFileSync(join(work, 'ps.txt'), made.ps);
    writeFileSync(join(work, 'who.txt'), made.who);
    const replay = ['--input', `ps=${join(work, 'ps.txt')}`, '--input', `pure-ftpwho=${join(work, 'who.txt')}`];
    const samples = ['--input', `ps=${join(ROOT, 'samples/ps.txt')}`, '--input', `pure-ftpwho=${join(ROOT, 'samples/pure-ftpwho.txt')}`];
    const runs = trainingRuns(replay, samples, account, isRoot);
    for (const bundle of new Set(runs.map(([dialect]) => bundleOf(dialect)))) {
      const { main: run, script } = load(bundle);
      for (const [dialect, argv] of runs.filter(([d]) => bundleOf(d) === bundle)) {
        process.argv = [process.execPath, join(ROOT, 'bin', dialect), ...argv];
        await run(dialect);
      }
      writeFileSync(cacheFile(bundle), script.createCachedData());
    }
    process.exitCode = 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`code-cache: ${e?.stack ?? e}`);
  process.exitCode = 1;
});
