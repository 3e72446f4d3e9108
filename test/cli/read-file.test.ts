// The real Runtime.readFile (src/main.ts) on real files: what is not a file is
// refused without blocking, a /proc file is read to its end, the size is
// capped, and what is not text is refused.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeIoError } from '../../src/collectors/program.js';
import { readTextFile } from '../../src/main.js';
import { READ_LIMIT_BYTES, ReadRefused } from '../../src/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-read-'));
const server = createServer();
afterAll(() => server.close());

async function refusal(path: string): Promise<string> {
  try {
    await readTextFile(path);
  } catch (err) {
    return `${err instanceof ReadRefused ? err.code : 'errno'}: ${describeIoError(err)}`;
  }
  throw new Error(`${path} was read`);
}

describe('Runtime.readFile', () => {
  it('reads a file as UTF-8 text', async () => {
    writeFileSync(join(dir, 'ok.txt'), 'über\n');
    expect(await readTextFile(join(dir, 'ok.txt'))).toBe('über\n');
    writeFileSync(join(dir, 'empty.txt'), '');
    expect(await readTextFile(join(dir, 'empty.txt'))).toBe('');
  });

  it('reads a /proc file, which says it is empty, to its end', async () => {
    const text = await readTextFile('/proc/self/status');
    expect(text).toMatch(/^Name:\t/);
    expect(text).toMatch(/\nUid:\t/);
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('/usr/bin/mkfifo', [fifo]).status).toBe(0);
    const t0 = Date.now();
    expect(await refusal(fifo)).toBe('E_NOT_FILE: is a FIFO, not a file');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses a socket, devices and a directory', async () => {
    const socket = join(dir, 'socket');
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    expect(await refusal(socket)).toBe('E_NOT_FILE: is a socket, not a file');
    expect(await refusal('/dev/zero')).toBe('E_NOT_FILE: is a character device, not a file');
    expect(await refusal('/dev/urandom')).toBe('E_NOT_FILE: is a character device, not a file');
    expect(await refusal(dir)).toBe('E_NOT_FILE: is a directory, not a file');
  });

  it('says the usual errors in words', async () => {
    expect(await refusal(join(dir, 'missing'))).toBe('errno: no such file');
    writeFileSync(join(dir, 'plain'), 'x');
    expect(await refusal(join(dir, 'plain', 'below'))).toBe('errno: not a directory');
  });

  it(`reads at most ${READ_LIMIT_BYTES / 2 ** 20} MiB`, async () => {
    const at = join(dir, 'at-limit');
    const over = join(dir, 'over-limit');
    for (const [path, size] of [[at, READ_LIMIT_BYTES], [over, READ_LIMIT_BYTES + 1]] as const) {
      const fd = openSync(path, 'w');
      ftruncateSync(fd, size);
      closeSync(fd);
    }
    // a sparse file of NULs: at the limit it is read (and refused as not text), past it refused for its size
    expect(await refusal(at)).toBe('E_NOT_TEXT: holds NUL bytes: not text');
    expect(await refusal(over)).toBe('E_TOO_LARGE: is larger than 64 MiB, the most read from one input');
  });

  it('refuses what is not text: NUL bytes, bytes that are not UTF-8', async () => {
    writeFileSync(join(dir, 'nul'), Buffer.from('a\0b'));
    expect(await refusal(join(dir, 'nul'))).toBe('E_NOT_TEXT: holds NUL bytes: not text');
    writeFileSync(join(dir, 'latin1'), Buffer.from('caf\xe9\n', 'latin1'));
    expect(await refusal(join(dir, 'latin1'))).toBe('E_NOT_TEXT: is not UTF-8 text');
  });
});
