'use strict';
// The commands' common start: load dist/ftpsessions.cjs (what `npm run
// build` makes; npm ci, npm pack and npm install -g . run it first) with the
// V8 code cache made for this Node beside it, or say in one line that this
// copy is not built. Without a cache for this Node (or one V8 refuses) the
// bundle is compiled as usual: slower, never different.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const DIST = join(__dirname, '..', 'dist');
const BUNDLE = join(DIST, 'ftpsessions.cjs');

/** the code cache for the Node running this: V8's version and the CPU both decide what it may hold */
function cacheFile() {
  return join(DIST, `ftpsessions.${process.versions.v8}.${process.arch}.cache`);
}

/** compile and run the bundle: its exports, and the compiled script (to make a cache of) */
function load() {
  const source = readFileSync(BUNDLE, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile());
  } catch {
    // none for this Node: compile from the source
  }
  // named without the folder: the code cache records the name, and the single
  // executable carries the cache (no path of the machine that built it)
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: 'dist/ftpsessions.cjs', cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, BUNDLE, DIST);
  return { main: module.exports.main, script };
}

async function start(name, dialect) {
  let main;
  try {
    ({ main } = load());
  } catch (e) {
    if (e?.code !== 'ENOENT' || e.path !== BUNDLE) throw e;
    process.stderr.write(`${name}: this copy of ftpsessions is not built (${BUNDLE} is missing): run \`npm run build\` in ${join(__dirname, '..')}\n`);
    process.exitCode = 70;
    return;
  }
  await main(dialect);
}

module.exports = { start, load, cacheFile };
