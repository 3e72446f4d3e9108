// One esbuild ESM bundle with code splitting: the start-up path loads only
// what it needs; collectors and renderers arrive as chunks on first use.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// esbuild is a devDependency: `npm ci` installs it. (A global install from a
// git URL does not, npm/cli#8440: the README installs a packed tarball.)
const { build } = await import('esbuild').catch((e) => {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.error('build: esbuild is not installed here: run `npm ci` first');
  process.exit(1);
});

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

const root = new URL('../', import.meta.url).pathname;
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = new URL('../dist/', import.meta.url).pathname;

// commander is CommonJS: the ESM chunks that hold them need a require().
const BANNER = "import { createRequire as __ftpsCreateRequire } from 'node:module'; const require = __ftpsCreateRequire(import.meta.url);";

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: new URL('../src/main.ts', import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __FTPSESSIONS_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: BANNER },
  logLevel: 'warning',
  plugins: [lazyChildProcessForCommander],
  write: false,
  metafile: true,
  absWorkingDir: root,
}).catch((e) => {
  // esbuild has printed each error with its place in the source: no stack on top
  if (Array.isArray(e?.errors) && e.errors.length > 0) process.exit(1);
  throw e;
});
// Only the chunks that call require() keep the banner: each createRequire costs start-up time.
for (const file of result.outputFiles) {
  let text = file.text;
  if (text.startsWith(BANNER) && !/\brequire\b/.test(text.slice(BANNER.length))) text = text.slice(BANNER.length).replace(/^\n/, '');
  await mkdir(dirname(file.path), { recursive: true });
  await writeFile(file.path, text);
}

/**
 * The libraries are in the bundle, not installed beside it (package.json
 * lists them as devDependencies): their licences travel with it, in
 * dist/THIRD-PARTY-LICENSES.txt.
 */
const packageDirs = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packageDirs.add(m[1]);
}
const notices = [];
for (const dir of [...packageDirs].sort()) {
  const meta = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'));
  const licenceFile = (await readdir(join(root, dir))).find((f) => /^(licen[cs]e|copying)([-.][\w.-]*)?$/i.test(f));
  if (licenceFile === undefined) throw new Error(`build: ${dir} (${meta.name}) ships no LICENSE file to carry into dist/`);
  const text = (await readFile(join(root, dir, licenceFile), 'utf8')).trim();
  notices.push(`${meta.name}@${meta.version} (${meta.license ?? 'see below'})\n\n${text}\n`);
}
await writeFile(
  join(outdir, 'THIRD-PARTY-LICENSES.txt'),
  `The libraries bundled into dist/ and their licences.\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`,
);
