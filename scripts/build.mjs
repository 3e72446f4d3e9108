// One esbuild ESM bundle with code splitting: the start-up path loads only
// what it needs; collectors and renderers arrive as chunks on first use.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { build } from 'esbuild';

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

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = new URL('../dist/', import.meta.url).pathname;

// commander and cli-table3 are CommonJS: the ESM chunks that hold them need a require().
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
});
// Only the chunks that call require() keep the banner: each createRequire costs start-up time.
for (const file of result.outputFiles) {
  let text = file.text;
  if (text.startsWith(BANNER) && !/\brequire\b/.test(text.slice(BANNER.length))) text = text.slice(BANNER.length).replace(/^\n/, '');
  await mkdir(dirname(file.path), { recursive: true });
  await writeFile(file.path, text);
}
