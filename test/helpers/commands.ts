/**
 * The ways to run a built command, for the end-to-end tests to run each case
 * through all of them (`describe.each(WAYS)`):
 *
 * - `node bin/NAME.js`: the npm install (after `npm run build`);
 * - the single executable, `dist/ftpsessions-linux-x64` (after `npm run
 *   build:binary`), called through links named cpapi2, uapi and ftpsessions
 *   as it is installed.
 *
 * The binary's folder is made on first use: a temporary folder every account
 * can enter (so tests may run it as `nobody`) holding a hard link to the
 * built binary (a copy across file systems) and the three links to it. The
 * hard link keeps this run's binary even if `npm run build` empties dist/
 * meanwhile. With no binary built, every binary case fails saying how to
 * build it: a missing binary is never a pass.
 */
import { chmodSync, copyFileSync, existsSync, linkSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHECKOUT, type CommandName, traversableByOthers } from './public-copy.js';

export type { CommandName };

/** what `npm run build:binary` makes */
export const BINARY = path.join(CHECKOUT, 'dist', 'ftpsessions-linux-x64');

export interface CommandWay {
  /** for test names: 'node bin/*.js' or 'binary' */
  readonly label: string;
  readonly isBinary: boolean;
  /** the program and its first arguments that run `name` (then add the command's arguments) */
  argv(name: CommandName): [string, ...string[]];
}

let binaryFolder: string | undefined;

/**
 * The folder with the binary (as ftpsessions-linux-x64) and its links
 * cpapi2, uapi and ftpsessions; made once per test process. Throws, saying
 * how to build it, when the binary is missing.
 */
export function binaryDir(): string {
  if (binaryFolder !== undefined) return binaryFolder;
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`npm run build:binary\``);
  const base = [os.tmpdir(), '/tmp', '/var/tmp'].find((d) => traversableByOthers(d));
  if (base === undefined) throw new Error('binaryDir: no temporary directory that other users can traverse');
  const dir = mkdtempSync(path.join(base, 'ftpsessions-binary-'));
  process.once('exit', removeBinaryDir); // should a test file not get to its afterAll
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'ftpsessions-linux-x64');
  try {
    linkSync(BINARY, file);
  } catch {
    copyFileSync(BINARY, file); // another file system
  }
  chmodSync(file, 0o755);
  for (const name of ['cpapi2', 'uapi', 'ftpsessions']) symlinkSync('ftpsessions-linux-x64', path.join(dir, name));
  binaryFolder = dir;
  return dir;
}

/** delete the binary's folder, if made (each test file that runs the binary: `afterAll(removeBinaryDir)`) */
export function removeBinaryDir(): void {
  if (binaryFolder === undefined) return;
  rmSync(binaryFolder, { recursive: true, force: true });
  process.removeListener('exit', removeBinaryDir);
  binaryFolder = undefined;
}

export const NODE_WAY: CommandWay = {
  label: 'node bin/*.js',
  isBinary: false,
  argv: (name) => [process.execPath, path.join(CHECKOUT, 'bin', `${name}.js`)],
};

export const BINARY_WAY: CommandWay = {
  label: 'binary',
  isBinary: true,
  argv: (name) => [path.join(binaryDir(), name)],
};

/** every way: `for (const way of WAYS) describe(way.label, ...)` */
export const WAYS: readonly CommandWay[] = [NODE_WAY, BINARY_WAY];
