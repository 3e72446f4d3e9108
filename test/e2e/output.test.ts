/**
 * How the built commands write their answer (src/main.ts, Output): straight
 * to the descriptor with write(2) while the command answers and ends, Node's
 * stream once a descriptor would block. A reader that set its pipe
 * O_NONBLOCK and reads slowly still gets every byte, in order, exit 0; a
 * reader that goes away gets what it read and the command exits 0 quietly.
 * python3 makes the non-blocking pipe (Node gives a child a blocking one).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../scripts/lib/generate.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const UAPI = join(ROOT, 'bin/uapi.js');
const PYTHON = '/usr/bin/python3';
const work = mkdtempSync(join(tmpdir(), 'ftpsessions-output-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;
const made = generate(10_000, isRoot ? 65534 : (process.getuid?.() ?? 0));
writeFileSync(join(work, 'ps.txt'), made.ps);
writeFileSync(join(work, 'who.txt'), made.who);
const ARGV = [UAPI, ...(isRoot ? ['--user=nobody'] : []), '--output=json', '--input', `ps=${join(work, 'ps.txt')}`, '--input', `pure-ftpwho=${join(work, 'who.txt')}`, 'Ftp', 'list_sessions'];

// the reader: a pipe whose write end is O_NONBLOCK, read slowly after a pause; prints rc, the bytes' length and sha256, stderr
const READER = `
import os, fcntl, subprocess, sys, time, hashlib
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
os.close(w)
time.sleep(0.5)
data = b''
while True:
    chunk = os.read(r, 4096)
    if not chunk: break
    data += chunk
    time.sleep(0.0005)
p.wait()
print(p.returncode, len(data), hashlib.sha256(data).hexdigest(), repr(p.stderr.read()))
`;

describe.skipIf(!existsSync(PYTHON))('the answer written to stdout', () => {
  it('a non-blocking pipe read slowly gets every byte of a 2 MB answer, exit 0', async () => {
    const direct = await execa(process.execPath, ARGV, { encoding: 'buffer', stripFinalNewline: false });
    const bytes = Buffer.from(direct.stdout as Uint8Array);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    const r = await execa(PYTHON, ['-c', READER, process.execPath, ...ARGV]);
    const { createHash } = await import('node:crypto');
    expect(r.stdout.trim()).toBe(`0 ${bytes.length} ${createHash('sha256').update(bytes).digest('hex')} b''`);
  }, 60_000);

  it('a reader that goes away after 10 bytes: exit 0, nothing on stderr', async () => {
    const r = await execa(PYTHON, ['-c', 'import subprocess,sys; p=subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE); print(len(p.stdout.read(10))); p.stdout.close(); print(p.wait(), repr(p.stderr.read()))', process.execPath, ...ARGV]);
    expect(r.stdout.split('\n')).toEqual(['10', "0 b''"]);
  }, 60_000);
});
