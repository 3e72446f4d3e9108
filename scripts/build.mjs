// npm run build: dist/ftpsessions.cjs (the ftpsessions command) and
// dist/cpanel.cjs (cpapi2 and uapi, without the native front), each one
// CommonJS file with the libraries it uses inside (scripts/lib/bundle.mjs),
// but for re2js, apart in dist/re2js.cjs;
// their licences; a V8 code cache of each for the Node that built it
// (scripts/code-cache.cjs), so a start compiles almost nothing (bin/start.js
// loads them); and completions/ for packagers.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLES, bundle, bundleLibrary, LIBRARIES_APART, NATIVE_FRONTS, ROOT } from './lib/bundle.mjs';
import { writeCompletions } from './lib/completions.mjs';

const outdir = join(ROOT, 'dist');
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const inputs = {};
for (const { name, nativeFronts } of BUNDLES) {
  const { metafile } = await bundle({ entry: join(ROOT, 'src/main.ts'), outfile: join(outdir, `${name}.cjs`), nativeFronts });
  // the cPanel commands' bundle stays without the native fronts (a renamed import would bring them back unnoticed)
  const strays = nativeFronts ? [] : NATIVE_FRONTS.filter((path) => path in metafile.inputs);
  if (strays.length > 0) {
    console.error(`build: ${name}.cjs should not hold ${strays.join(', ')}: src/run.ts no longer loads them as scripts/lib/bundle.mjs expects`);
    process.exit(1);
  }
  Object.assign(inputs, metafile.inputs);
}
for (const name of LIBRARIES_APART) Object.assign(inputs, (await bundleLibrary(name, join(outdir, `${name}.cjs`))).metafile.inputs);

/**
 * The libraries are in the bundles (and dist/re2js.cjs), not installed
 * beside them (package.json lists them as devDependencies): their licences
 * travel with them, in
 * dist/THIRD-PARTY-LICENSES.txt.
 */
export async function licences(inputs) {
  const packageDirs = new Set();
  for (const input of Object.keys(inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packageDirs.add(m[1]);
  }
  const notices = [];
  for (const dir of [...packageDirs].sort()) {
    const meta = JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8'));
    const licenceFile = (await readdir(join(ROOT, dir))).find((f) => /^(licen[cs]e|copying)([-.][\w.-]*)?$/i.test(f));
    if (licenceFile === undefined) throw new Error(`build: ${dir} (${meta.name}) ships no LICENSE file to carry into dist/`);
    const text = (await readFile(join(ROOT, dir, licenceFile), 'utf8')).trim();
    notices.push(`${meta.name}@${meta.version} (${meta.license ?? 'see below'})\n\n${text}\n`);
  }
  return `The libraries bundled into ftpsessions and their licences.\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`;
}
await writeFile(join(outdir, 'THIRD-PARTY-LICENSES.txt'), await licences(inputs));

// The code caches, one per bundle, made by a plain `node` (no flags: V8 refuses a cache made
// under other flags) that runs the commands the way users do: this Node's,
// and one for each Node named in FTPSESSIONS_CACHE_NODES (paths, `:` between
// them), so a package carries a cache for each Node line it is meant for
// (`FTPSESSIONS_CACHE_NODES=/opt/node22/bin/node:/opt/node24/bin/node npm pack`).
const env = { ...process.env };
delete env.NODE_OPTIONS;
const nodes = [process.execPath, ...(process.env.FTPSESSIONS_CACHE_NODES ?? '').split(':').filter((p) => p !== '')];
for (const node of nodes) {
  const made = spawnSync(node, [join(ROOT, 'scripts/code-cache.cjs')], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (made.status !== 0) {
    console.error(`build: making the code cache with ${node} failed (${made.error?.message ?? `exit ${made.status ?? made.signal}`}):\n${made.stderr ?? ''}`);
    process.exit(1);
  }
}

// completions/: the scripts `ftpsessions completion SHELL` prints, as files for packagers
await writeCompletions(ROOT);
