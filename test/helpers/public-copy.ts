/**
 * A copy of the BUILT commands that every account on the machine can run:
 * bin/, dist/, package.json and the run-time node_modules (the packages the
 * lockfile does not mark dev-only), in a fresh folder under a temporary
 * directory whose every ancestor others may traverse. The folder belongs to
 * whoever makes it (root in the lab), directories 0755, files 0644 (0755
 * where executable): readable by all, writable by nobody else.
 *
 * Tests that run the commands as other accounts (setpriv) use it: a checkout
 * under /root, or any folder other users cannot traverse, is out of their
 * reach. `remove()` deletes it; the folder is also removed when the process
 * exits, should a test never get that far.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout. */
export const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type CommandName = 'uapi' | 'cpapi2' | 'ftpsessions';

export interface PublicCopy {
  /** the copy's root: bin/, dist/, package.json, node_modules/ */
  readonly dir: string;
  /** the copy's bin/NAME.js, to run with node */
  bin(name: CommandName): string;
  /** delete the copy (again: no-op) */
  remove(): Promise<void>;
}

/** true when a process of another, unprivileged account may enter every directory of `dir`'s path */
export function traversableByOthers(dir: string): boolean {
  let p = path.resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch {
      return false;
    }
    if (!st.isDirectory() || (st.mode & 0o001) === 0) return false;
    const up = path.dirname(p);
    if (up === p) return true;
    p = up;
  }
}

/** where to make the copy: the first temporary directory everyone can traverse */
function publicBase(): string {
  const candidates = [os.tmpdir(), '/tmp', '/var/tmp', '/dev/shm'];
  const base = candidates.find((d) => traversableByOthers(d));
  if (base === undefined) throw new Error(`publicCopy: none of ${candidates.join(', ')} can be traversed by other users`);
  return base;
}

/** The lockfile's run-time packages (not dev-only) present under `root`, outermost first (root's lockfile, else this checkout's). */
function runtimePackages(root: string): string[] {
  const lockPath = [root, CHECKOUT].map((r) => path.join(r, 'package-lock.json')).find((p) => existsSync(p)) ?? path.join(root, 'package-lock.json');
  if (!existsSync(lockPath)) throw new Error(`publicCopy: ${lockPath} is missing`);
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, { dev?: boolean; link?: boolean }> };
  if (lock.packages === undefined) throw new Error(`publicCopy: ${lockPath} has no "packages" (lockfile version 2 or later needed)`);
  const keys = Object.entries(lock.packages)
    .filter(([key, meta]) => key.startsWith('node_modules/') && meta.dev !== true && meta.link !== true)
    .map(([key]) => key)
    .sort();
  const out: string[] = [];
  for (const key of keys) {
    if (out.some((kept) => key.startsWith(`${kept}/`))) continue; // copied with its parent
    if (existsSync(path.join(root, key))) out.push(key);
  }
  return out;
}

/** 0755 directories, 0644 files (0755 where anyone may execute), symbolic links left alone */
function openUp(p: string): void {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(p, 0o755);
    for (const name of readdirSync(p)) openUp(path.join(p, name));
  } else {
    chmodSync(p, (st.mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}

/**
 * Copy the built commands of `from` (default: this checkout; `npm run build`
 * first) where every account can run them, with the paths of `from` named in
 * `include` (e.g. `['scripts/demo.mjs', 'samples']`). node_modules comes from
 * `from` when it has one, else from this checkout.
 */
export async function publicCopy(from: string = CHECKOUT, include: readonly string[] = []): Promise<PublicCopy> {
  const src = path.resolve(from);
  for (const need of ['dist/ftpsessions.cjs', 'dist/cpanel.cjs', 'bin/uapi.js', 'package.json']) {
    if (!existsSync(path.join(src, need))) throw new Error(`publicCopy: ${path.join(src, need)} is missing (run \`npm run build\` first)`);
  }
  for (const need of include) if (!existsSync(path.join(src, need))) throw new Error(`publicCopy: ${path.join(src, need)} is missing`);
  const modulesRoot = existsSync(path.join(src, 'node_modules')) ? src : CHECKOUT;
  const packages = runtimePackages(modulesRoot);

  const dir = mkdtempSync(path.join(publicBase(), 'ftpsessions-public-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanup);
  try {
    for (const part of ['bin', 'dist']) cpSync(path.join(src, part), path.join(dir, part), { recursive: true, verbatimSymlinks: true });
    for (const part of ['package.json', ...include]) cpSync(path.join(src, part), path.join(dir, part), { recursive: true, verbatimSymlinks: true });
    for (const key of packages) cpSync(path.join(modulesRoot, key), path.join(dir, key), { recursive: true, verbatimSymlinks: true });
    openUp(dir);
  } catch (e) {
    cleanup();
    process.removeListener('exit', cleanup);
    throw e;
  }

  return {
    dir,
    bin: (name: CommandName) => path.join(dir, 'bin', `${name}.js`),
    async remove() {
      process.removeListener('exit', cleanup);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
