// How ftpsessions is bundled with esbuild: the npm build's bundles
// (dist/ftpsessions.cjs, dist/cpanel.cjs, BUNDLES), the libraries kept apart
// (dist/re2js.cjs, LIBRARIES_APART) and the single executable's entry
// (scripts/build-binary.mjs). Each a CommonJS file with its libraries inside,
// compiled by vm.Script (no ESM loader, no module graph to resolve at
// start-up), so a V8 code cache of it can be made and used on Node 20, 22
// and 24 alike.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// esbuild is a devDependency: `npm ci` installs it. (A global install from a
// git URL does not, npm/cli#8440: the README installs a packed tarball.)
async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    console.error('build: esbuild is not installed here: run `npm ci` first');
    process.exit(1);
  }
}

/**
 * commander requires node:child_process at load time, for executable
 * subcommands we never use; loading it (with node:net) costs ~6 ms of every
 * start. Give commander a stand-in that loads the real module on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'ftpsessions' } : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'ftpsessions' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/**
 * chalk works out the terminal's colours when it is loaded (its vendored
 * supports-color loads node:tty, node:os and with them node:net and the
 * streams: a quarter of a start). We never use that answer: the table and
 * watch build `new Chalk({ level })` with the level src/render/color.ts
 * decides. Give chalk a stand-in that says "no colour" for its default
 * instance, which nothing uses.
 */
const noColourDetectionForChalk = {
  name: 'no-colour-detection-for-chalk',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (args) =>
      args.importer.includes('/node_modules/chalk/') ? { path: 'chalk-supports-color', namespace: 'ftpsessions' } : undefined,
    );
    b.onLoad({ filter: /^chalk-supports-color$/, namespace: 'ftpsessions' }, () => ({
      contents: 'export default { stdout: false, stderr: false };',
      loader: 'js',
    }));
  },
};

/**
 * The cPanel commands' bundle: what `cpapi2` and `uapi` run, without the
 * native front of `ftpsessions` (its parser, its commands, the completion
 * fast path, and with them the server, the terminal and the metrics).
 * src/run.ts loads those three by import() only for `ftpsessions`; here they
 * become a module that fails if it is ever loaded. V8 then has a third of the
 * code to read and a smaller code cache to take in at every start of the
 * commands cron and monitoring run most.
 */
export const NATIVE_FRONTS = ['src/cli/native.ts', 'src/commands/table.ts', 'src/completion/complete.ts'];
const withoutNativeFronts = {
  name: 'without-native-fronts',
  setup(b) {
    // as src/run.ts names them: `./cli/native.js` for src/cli/native.ts
    const imports = new Set(NATIVE_FRONTS.map((path) => `./${path.slice('src/'.length).replace(/\.ts$/, '.js')}`));
    b.onResolve({ filter: /^\.\// }, (args) =>
      imports.has(args.path) && args.importer === join(ROOT, 'src/run.ts') && args.kind === 'dynamic-import' ? { path: args.path, namespace: 'native-front' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'native-front' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in the cPanel commands' bundle (cpanel.cjs): ftpsessions runs from ftpsessions.cjs`)});`,
      loader: 'js',
    }));
  },
};

/**
 * re2js (a third of a bundle's code) serves only a `matches` filter: it
 * stays out of the bundles, in a file of its own, dist/re2js.cjs
 * (bundleLibrary). A bundle asks for it as `require('ftpsessions:re2js')`,
 * which bin/start.js and src/sea.ts answer with that file: the commands that
 * never filter with a regex never read it.
 */
export const LIBRARIES_APART = ['re2js'];
export const APART_PREFIX = 'ftpsessions:';
const librariesApart = {
  name: 'libraries-apart',
  setup(b) {
    b.onResolve({ filter: /^[\w-]+$/ }, (args) => (LIBRARIES_APART.includes(args.path) ? { path: `${APART_PREFIX}${args.path}`, external: true } : undefined));
  },
};

/**
 * A library kept apart (LIBRARIES_APART), as the CommonJS file `outfile`
 * that exports what the package does. Returns esbuild's result (metafile
 * included).
 */
export async function bundleLibrary(name, outfile) {
  return build({
    stdin: { contents: `export * from ${JSON.stringify(name)};`, resolveDir: ROOT, loader: 'js' },
    outfile,
  });
}

/**
 * The bundles `npm run build` makes, in dist/: `ftpsessions` (every front:
 * the ftpsessions command) and `cpanel` (cpapi2 and uapi), each with the V8
 * code cache scripts/code-cache.cjs trains for it.
 */
export const BUNDLES = [
  { name: 'ftpsessions', nativeFronts: true },
  { name: 'cpanel', nativeFronts: false },
];

export const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Bundle `entry` (a path under the checkout) into the CommonJS file
 * `outfile`. Dynamic import() of our own modules becomes a lazy
 * initialisation inside the file (the code is there, it runs on first use);
 * import() of Node's modules becomes require(), so the file runs where only
 * require() exists (vm.Script, a single executable application).
 * `nativeFronts: false`: the cPanel commands' bundle (withoutNativeFronts).
 * Returns esbuild's result (metafile included).
 */
export async function bundle({ entry, outfile, minify = true, nativeFronts = true }) {
  const pkg = JSON.parse(await readFile(new URL('package.json', `file://${ROOT}`), 'utf8'));
  return build({
    entryPoints: [entry],
    outfile,
    supported: { 'dynamic-import': false },
    minify,
    define: { __FTPSESSIONS_VERSION__: JSON.stringify(pkg.version) },
    plugins: [lazyChildProcessForCommander, noColourDetectionForChalk, librariesApart, ...(nativeFronts ? [] : [withoutNativeFronts])],
  });
}

/** esbuild's build with the options every file here shares; its errors, which esbuild has printed with their place in the source, end the build without a stack on top */
async function build(options) {
  const esbuild = await loadEsbuild();
  return esbuild
    .build({ bundle: true, format: 'cjs', platform: 'node', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning', metafile: true, absWorkingDir: ROOT, ...options })
    .catch((e) => {
      if (Array.isArray(e?.errors) && e.errors.length > 0) process.exit(1);
      throw e;
    });
}
