// One esbuild ESM bundle with code splitting: the start-up path loads only
// what it needs; collectors and renderers arrive as chunks on first use.
import { readFile, rm } from 'node:fs/promises';
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

await rm(outdir, { recursive: true, force: true });
await build({
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
  // commander and cli-table3 are CommonJS: give the ESM bundle a require().
  banner: { js: "import { createRequire as __ftpsCreateRequire } from 'node:module'; const require = __ftpsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [lazyChildProcessForCommander],
});
