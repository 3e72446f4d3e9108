/**
 * The single executable's entry (scripts/build-binary.mjs bundles it as the
 * SEA main script of dist/ftpsessions-linux-x64): like bin/*.js, an entry
 * point that decides which command it is, then hands over to main(). One
 * binary is three commands, told apart by the name it is called by (install
 * it once and link cpapi2, uapi and ftpsessions to it):
 *
 *   cpapi2 → API 2, uapi → UAPI, ftpsessions (and ftpsessions-<anything>,
 *   the name it is downloaded under) → the native command.
 *
 * Any other name is one line on stderr and exit 2: guessing would run a
 * different grammar than the one the caller typed.
 *
 * The program itself is the npm build's bundles, dist/cpanel.cjs (cpapi2,
 * uapi) and dist/ftpsessions.cjs (ftpsessions), with dist/re2js.cjs (the
 * regex engine, read only for a `matches` filter), carried in the binary as
 * assets with the V8 code caches `npm run build` trained for this Node, and
 * the command's bundle loaded as bin/start.js loads it: compiled with the
 * cache, which V8 takes when the flags (NODE_OPTIONS) and CPU allow and
 * otherwise quietly compiles without. (A SEA startup snapshot is refused
 * outright on Node 20 by a CPU with other features than the build
 * machine's, or under a V8 flag in NODE_OPTIONS: "Invalid snapshot data".)
 *
 * Node runs a single executable with process.argv = [execPath, argv0,
 * ...arguments] (argv[0] repeated in argv[1]'s place), so main() finds the
 * arguments at process.argv.slice(2) as with `node bin/NAME.js`.
 */
import { getAsset } from 'node:sea';
import { Script } from 'node:vm';
import type { Dialect } from './cli/invocation.js';
import { ExitCode } from './errors.js';
import type { main as Main } from './main.js';
import { terminalSafe } from './render/terminal-safe.js';

/**
 * The bundle a command runs from, as bin/start.js picks it: its asset
 * (scripts/build-binary.mjs names them `<bundle>.cjs`) and its code cache's
 * (`<bundle>.cache`).
 */
function bundleOf(dialect: Dialect): 'cpanel' | 'ftpsessions' {
  return dialect === 'action' ? 'ftpsessions' : 'cpanel';
}

/** the dialect a command name stands for, or undefined */
function dialectOf(name: string): Dialect | undefined {
  if (name === 'cpapi2') return 'api2';
  if (name === 'uapi') return 'uapi';
  if (/^ftpsessions(?:[-_.].*)?$/.test(name)) return 'action';
  return undefined;
}

/** the last part of a path (argv[0] may be `uapi`, `./uapi` or `/usr/local/bin/uapi`) */
function baseName(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1] ?? '';
}

/**
 * Compile and run the bundle with its code cache; its main(). The wrapper is
 * bin/start.js's, character for character: V8 takes a cache only for the
 * source it was made from.
 */
function load(bundle: string): typeof Main {
  const file = `${bundle}.cjs`;
  const source = getAsset(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData: Buffer.from(getAsset(`${bundle}.cache`)),
  });
  const module = { exports: {} as { main: typeof Main } };
  script.runInThisContext()(module.exports, bundleRequire, module, file, '.');
  return module.exports.main;
}

const APART = 'ftpsessions:';
const apart = new Map<string, unknown>();

/**
 * The bundles' require, as bin/start.js's: Node's own modules from the SEA's
 * require, and a library kept apart from the bundles (`ftpsessions:NAME`,
 * scripts/lib/bundle.mjs) from the asset NAME.cjs, run once.
 */
function bundleRequire(id: string): unknown {
  if (!id.startsWith(APART)) return require(id);
  const name = id.slice(APART.length);
  if (!apart.has(name)) {
    const file = `${name}.cjs`;
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${getAsset(file, 'utf8')}\n})`, { filename: file });
    const module = { exports: {} };
    script.runInThisContext()(module.exports, require, module, file, '.');
    apart.set(name, module.exports);
  }
  return apart.get(name);
}

async function start(): Promise<void> {
  const name = baseName(process.argv0);
  const dialect = dialectOf(name);
  if (dialect === undefined) {
    process.stderr.write(`${terminalSafe(`ftpsessions: called as '${name}': link or copy this binary under the name cpapi2, uapi or ftpsessions`)}\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  await load(bundleOf(dialect))(dialect);
}

void start();
