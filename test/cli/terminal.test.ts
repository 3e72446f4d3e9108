// Which standard descriptors may be terminals (src/main.ts): Linux's memory
// devices never are, so the /dev/null cron and systemd give a job as its
// stdin is settled without Node's tty stream (and the network and stream
// modules it loads).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { majorOf } from '../../src/main.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('majorOf', () => {
  it("reads the major number of real devices as the kernel numbers them", () => {
    for (const memory of ['/dev/null', '/dev/zero', '/dev/full', '/dev/urandom']) expect(majorOf(statSync(memory).rdev), memory).toBe(1);
    expect(majorOf(statSync('/dev/tty').rdev)).toBe(5);
  });

  it("decodes glibc's layout, majors past 4095 included", () => {
    // makedev(136, 7): a pseudo-terminal; makedev(4096, 0) and makedev(4097, 3): the high bits of a 64-bit dev_t
    expect(majorOf((136 << 8) | 7)).toBe(136);
    expect(majorOf(2 ** 44)).toBe(4096);
    expect(majorOf(2 ** 44 + (1 << 8) + 3)).toBe(4097);
  });
});

/** the built commands' bundle for cpapi2 and uapi: a missing build is a failure, never a skip */
function built(): void {
  if (!existsSync(join(ROOT, 'dist/cpanel.cjs'))) throw new Error('dist/cpanel.cjs is missing: npm run build first');
}

describe('a command run with /dev/null as its standard input (cron, systemd)', () => {
  it('answers as with a pipe: no terminal is assumed', () => {
    built();
    const args = [join(ROOT, 'bin/uapi.js'), '--output=json', '--input', `ps=${join(ROOT, 'samples/ps.txt')}`, '--input', `pure-ftpwho=${join(ROOT, 'samples/pure-ftpwho.txt')}`, ...(process.getuid?.() === 0 ? ['--user=nobody'] : []), 'Ftp', 'list_sessions'];
    const fromNull = spawnSync(process.execPath, args, { stdio: [openSync('/dev/null', 'r'), 'pipe', 'pipe'], encoding: 'utf8' });
    const fromPipe = spawnSync(process.execPath, args, { input: '', encoding: 'utf8' });
    expect([fromNull.status, fromNull.stderr]).toEqual([fromPipe.status, fromPipe.stderr]);
    expect(fromNull.stdout).toBe(fromPipe.stdout);
    expect(JSON.parse(fromNull.stdout).apiversion).toBe(3);
  });
});

describe('a command run with a terminal as its standard input', () => {
  it("uapi never asks it (only the fronts that read the keyboard do): Node's tty stream, and the network modules it needs, stay unloaded", () => {
    built();
    if (!existsSync('/usr/bin/script')) throw new Error('/usr/bin/script is missing: apt-get install bsdutils');
    const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-tty-'));
    try {
      // loaded before the command: says at exit whether Node's tty module was ever loaded
      writeFileSync(join(dir, 'probe.cjs'), "process.on('exit', () => require('node:fs').writeSync(2, `tty module: ${process.moduleLoadList.includes('NativeModule tty')}\\n`));\n");
      const account = process.getuid?.() === 0 ? ' --user=nobody' : '';
      const command = `${process.execPath} -r ${dir}/probe.cjs ${ROOT}bin/uapi.js --output=json${account} --input ps=${ROOT}samples/ps.txt --input pure-ftpwho=${ROOT}samples/pure-ftpwho.txt Ftp list_sessions >${dir}/out 2>${dir}/err`;
      // script(1) runs it on a new pseudo-terminal: stdin a terminal, stdout and stderr files
      const r = spawnSync('/usr/bin/script', ['-qec', command, '/dev/null'], { stdio: 'ignore', timeout: 30_000 });
      expect(r.status).toBe(0);
      expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('tty module: false\n');
      expect(JSON.parse(readFileSync(join(dir, 'out'), 'utf8')).apiversion).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
