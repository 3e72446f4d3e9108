'use strict';
// The commands' common start: load the bundle the command runs from (what
// `npm run build` makes; npm ci, npm pack and npm install -g . run it first)
// with the V8 code cache made for this Node beside it, or say in one line
// that this copy is not built. Without a cache for this Node (or one V8
// refuses) the bundle is compiled as usual: slower, never different.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const DIST = join(__dirname, '..', 'dist');

/**
 * The bundle a command runs from: ftpsessions.cjs holds every front;
 * cpanel.cjs holds cpapi2 and uapi only, a third of the code to load at
 * every start (scripts/lib/bundle.mjs).
 */
function bundleOf(dialect) {
  return dialect === 'action' ? 'ftpsessions' : 'cpanel';
}

/** the code cache of a bundle for the Node running this: V8's version and the CPU both decide what it may hold */
function cacheFile(bundle) {
  return join(DIST, `${bundle}.${process.versions.v8}.${process.arch}.cache`);
}

/**
 * The bundles' require: Node's modules, and the libraries kept apart from
 * the bundles (scripts/lib/bundle.mjs), `ftpsessions:NAME` from dist/NAME.cjs.
 */
function bundleRequire(id) {
  return id.startsWith('ftpsessions:') ? require(join(DIST, `${id.slice('ftpsessions:'.length)}.cjs`)) : require(id);
}

/** compile and run a bundle: its exports, and the compiled script (to make a cache of) */
function load(bundle) {
  const file = join(DIST, `${bundle}.cjs`);
  const source = readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile(bundle));
  } catch {
    // none for this Node: compile from the source
  }
  // named without the folder: the code cache records the name, and the single
  // executable carries the cache (no path of the machine that built it).
  // src/sea.ts runs the bundles from its assets with this same wrapper: V8
  // takes the cache only for the text it was made from (kept as two copies:
  // sharing one costs every start a module, see issue 12's note)
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: `dist/${bundle}.cjs`, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, bundleRequire, module, file, DIST);
  return { main: module.exports.main, script };
}

async function start(name, dialect) {
  const bundle = bundleOf(dialect);
  let main;
  try {
    ({ main } = load(bundle));
  } catch (e) {
    const file = join(DIST, `${bundle}.cjs`);
    if (e?.code !== 'ENOENT' || e.path !== file) throw e;
    process.stderr.write(`${name}: this copy of ftpsessions is not built (${file} is missing): run \`npm run build\` in ${join(__dirname, '..')}\n`);
    process.exitCode = 70;
    return;
  }
  await main(dialect);
}

module.exports = { start, load, bundleOf, cacheFile };
