/**
 * test/helpers/public-copy.ts: the copy of the built commands that the lab
 * and the attack tests run as other accounts. Root only (setpriv); skips
 * with a message otherwise.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { publicCopy, traversableByOthers } from '../helpers/public-copy.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('[public-copy] SKIPPING: not running as root (the copy is checked through the eyes of nobody)');

const asNobody = (argv: string[]) =>
  execa('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv], {
    reject: false,
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
    extendEnv: false,
  });

describe.skipIf(!isRoot)('publicCopy', () => {
  const privateTmp = mkdtempSync(path.join(tmpdir(), 'ftpsessions-private-tmp-')); // 0700
  afterAll(() => rmSync(privateTmp, { recursive: true, force: true }));

  it('nobody runs every command of the copy, and can change nothing of it; remove() deletes it', async () => {
    const copy = await publicCopy();
    try {
      expect(traversableByOthers(copy.dir)).toBe(true);
      const st = statSync(copy.dir);
      expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o755]);
      for (const name of ['uapi', 'cpapi2', 'ftpsessions'] as const) {
        const r = await asNobody([process.execPath, copy.bin(name), '--version']);
        expect(r.exitCode, `${name}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
      }
      for (const p of [copy.dir, path.join(copy.dir, 'bin'), path.join(copy.dir, 'dist'), copy.bin('uapi'), path.join(copy.dir, 'dist', 'ftpsessions.cjs')]) {
        expect((await asNobody(['/usr/bin/test', '-w', p])).exitCode, `${p} writable by nobody`).not.toBe(0);
      }
    } finally {
      await copy.remove();
    }
    expect(existsSync(copy.dir)).toBe(false);
    await copy.remove(); // again: nothing to do
  });

  it('lands in a folder others can traverse even when TMPDIR is not one', async () => {
    expect(traversableByOthers(privateTmp)).toBe(false);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      const copy = await publicCopy();
      try {
        expect(copy.dir.startsWith(privateTmp)).toBe(false);
        expect((await asNobody([process.execPath, copy.bin('uapi'), '--version'])).exitCode).toBe(0);
      } finally {
        await copy.remove();
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('says what is missing when the build is not there', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'ftpsessions-unbuilt-'));
    try {
      await expect(publicCopy(empty)).rejects.toThrow(/dist\/ftpsessions\.cjs is missing \(run `npm run build` first\)/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
