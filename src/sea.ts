/**
 * The single executable's entry (scripts/build-binary.mjs bundles it into
 * dist/ftpsessions-linux-x64): like bin/*.js, an entry point that decides
 * which command it is, then hands over to main(). One binary is three
 * commands, told apart by the name it is called by (install it once and link
 * cpapi2, uapi and ftpsessions to it):
 *
 *   cpapi2 → API 2, uapi → UAPI, ftpsessions (and ftpsessions-<anything>,
 *   the name it is downloaded under) → the native command.
 *
 * Any other name is one line on stderr and exit 2: guessing would run a
 * different grammar than the one the caller typed.
 *
 * Node runs a single executable with process.argv = [execPath, argv0,
 * ...arguments] (it puts argv[0] in argv[1]'s place), so main() finds the
 * arguments at process.argv.slice(2) as with `node bin/NAME.js`.
 */
import { startupSnapshot } from 'node:v8';
import type { Dialect } from './cli/invocation.js';
import { ExitCode } from './errors.js';
import { main } from './main.js';
import { terminalSafe } from './render/terminal-safe.js';

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

/** the binary's start: read the name it was called by, run that command */
async function start(): Promise<void> {
  const name = baseName(process.argv0);
  const dialect = dialectOf(name);
  if (dialect === undefined) {
    process.stderr.write(`${terminalSafe(`ftpsessions: called as '${name}': link or copy this binary under the name cpapi2, uapi or ftpsessions`)}\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  await main(dialect);
}

// Built with a startup snapshot (SEA useSnapshot), this top level runs at
// build time and start() runs when the binary starts; otherwise it runs now.
// (Nothing is exported: a snapshot's main script has no `module`.)
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.setDeserializeMainFunction(() => void start());
else void start();
