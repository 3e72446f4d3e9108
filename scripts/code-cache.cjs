'use strict';
// Part of `npm run build`: compile dist/ftpsessions.cjs exactly as bin/start.js
// does, run the commands people run most (every dialect and format, on a
// replay of generated sessions and of the bundled samples, and a usage
// error), then write V8's code cache of everything that ran to
// dist/ftpsessions.<v8>.<arch>.cache. Run by a plain `node`: a cache made
// under other V8 flags is refused.
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { load, cacheFile } = require('../bin/start.js');

const ROOT = join(__dirname, '..');

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
    const runs = [];
    for (const format of ['json', 'jsonpretty', 'yaml', 'xml', 'table']) {
      runs.push(['uapi', [...account, `--output=${format}`, ...replay, 'Ftp', 'list_sessions']]);
      runs.push(['api2', [...account, `--output=${format}`, ...replay, 'Ftp', 'listftpsessions']]);
    }
    runs.push(['uapi', [...account, ...replay, 'Ftp', 'list_sessions']]);
    for (const format of ['json', 'table', 'ndjson', 'csv', 'yaml']) {
      runs.push(['action', ['list', `--output=${format}`, ...(isRoot ? samples : replay)]]);
      runs.push(['action', ['count', `--output=${format}`, ...(isRoot ? samples : replay)]]);
    }
    runs.push(['uapi', ['--output=json', '--no-such-option']]);
    // Tab: the shells' hidden fast path (src/completion), for options and for the sessions' pids
    runs.push(['action', ['__complete', '1', '--', 'uapi', '--out']]);
    runs.push(['action', ['__complete', '7', '--', 'ftpsessions', 'kill', ...replay, '--pid', '']]);
    // each run adds its 'error' listeners to the same two streams
    process.stdout.setMaxListeners(0);
    process.stderr.setMaxListeners(0);
    const { main: run, script } = load();
    for (const [dialect, argv] of runs) {
      process.argv = [process.execPath, join(ROOT, 'bin', dialect), ...argv];
      await run(dialect);
    }
    process.exitCode = 0;
    writeFileSync(cacheFile(), script.createCachedData());
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`code-cache: ${e?.stack ?? e}`);
  process.exitCode = 1;
});
