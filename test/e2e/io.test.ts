// The built commands at their I/O edges, spawned as users run them (after
// `npm run build`): a full disk on stdout or stderr (exit 74, one line), a
// reader gone away on stdout or stderr (exit 0, quietly), inputs that are not
// files or not text, usage errors that must stay one line and never drive
// the terminal, and 20,000 repeated key=value words. Each case runs both
// ways the commands ship (test/helpers/commands.ts): `node bin/NAME.js` and
// the single executable through its links.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/generate.mjs';
import { type CommandName, removeBinaryDir, WAYS } from '../helpers/commands.js';

afterAll(removeBinaryDir);

const isRoot = process.getuid?.() === 0;
const ACCOUNT = isRoot ? { uid: 65534, args: ['--user=nobody'] } : { uid: process.getuid?.() ?? 0, args: [] as string[] };
const ENV = { TZ: 'UTC' };

const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-io-'));
/** 3,000 sessions of the account: about a megabyte of jsonpretty, more than a pipe holds */
const PS = join(dir, 'ps.txt');
writeFileSync(PS, generate(3000, ACCOUNT.uid).ps);
/** ps alone: the listing warns that pure-ftpwho was not given (on stderr for API 2) */
const WARNS = ['cpapi2', [...ACCOUNT.args, '--output=json', '--input', `ps=${PS}`, 'Ftp', 'listftpsessions']] as const;
const LISTS = ['uapi', [...ACCOUNT.args, '--output=jsonpretty', '--input', `ps=${PS}`, 'Ftp', 'list_sessions']] as const;

type Stdio = 'ignore' | 'pipe' | number;

for (const way of WAYS) describe(way.label, () => {
  /** the program and arguments that run `bin` with `args` this way */
  function command(bin: CommandName, args: readonly string[]): [string, string[]] {
    const [file, ...pre] = way.argv(bin);
    return [file, [...pre, ...args]];
  }

  /** Run a built command with the given stdout and stderr; what it wrote on the pipes, and how it ended. */
  function spawnWith(bin: CommandName, args: readonly string[], stdout: Stdio, stderr: Stdio, onSpawn?: (child: ReturnType<typeof spawn>) => void) {
    const child = spawn(...command(bin, args), { stdio: ['ignore', stdout, stderr], env: ENV });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    onSpawn?.(child);
    return new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, out, err })),
    );
  }

  function openFull(): number {
    return openSync('/dev/full', 'w');
  }

  describe('a write that fails: one line on stderr, exit 74', () => {
    it('stdout on a full disk (/dev/full)', async () => {
      const full = openFull();
      const r = await spawnWith(...LISTS, full, 'pipe');
      closeSync(full);
      expect([r.code, r.err]).toEqual([74, 'uapi: cannot write standard output: no space left on device (ENOSPC)\n']);
    });

    it('stdout on a full disk, the output small (a usage answer: --help)', async () => {
      const full = openFull();
      const r = await spawnWith('uapi', ['--help'], full, 'pipe');
      closeSync(full);
      expect([r.code, r.err]).toEqual([74, 'uapi: cannot write standard output: no space left on device (ENOSPC)\n']);
    });

    it('stderr on a full disk: the listing is on stdout, the exit code says the warning was lost', async () => {
      const full = openFull();
      const r = await spawnWith(...WARNS, 'pipe', full);
      closeSync(full);
      expect(r.code).toBe(74);
      expect(JSON.parse(r.out).cpanelresult.data).toHaveLength(3000);
    });

    it('both on a full disk: nothing to say it on, still 74', async () => {
      const full = openFull();
      const r = await spawnWith(...LISTS, full, full);
      closeSync(full);
      expect(r.code).toBe(74);
    });
  });

  describe('a reader that went away (EPIPE): exit 0, quietly', () => {
    it('stdout closed after the first bytes (| head -c)', async () => {
      const r = await spawnWith(...LISTS, 'pipe', 'pipe', (child) => child.stdout?.once('data', () => child.stdout?.destroy()));
      expect([r.code, r.signal, r.err]).toEqual([0, null, '']);
    });

    it('stderr closed before a warning is written', async () => {
      const r = await spawnWith(...WARNS, 'pipe', 'pipe', (child) => child.stderr?.destroy());
      expect([r.code, r.signal]).toEqual([0, null]);
      expect(JSON.parse(r.out).cpanelresult.data).toHaveLength(3000);
    });

    it.each([
      ['uapi --output=jsonpretty: the first line of many', LISTS, '{\n'],
      ['cpapi2 --output=json: one line, then warnings on stderr', WARNS, undefined],
    ] as const)('2>&1 | head -1: stdout and stderr on one pipe, closed after a line (%s)', async (_name, [bin, args], line) => {
      // a real head reads the pipe both streams write to
      const head = spawn('/usr/bin/head', ['-1'], { stdio: ['pipe', 'pipe', 'inherit'] });
      let first = '';
      head.stdout.on('data', (d) => (first += d));
      const headDone = new Promise((resolve) => head.on('close', resolve));
      const child = spawn(...command(bin, args), { stdio: ['ignore', head.stdin, head.stdin], env: ENV });
      head.stdin.destroy();
      const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(signal ?? c)));
      expect(code).toBe(0);
      await headDone;
      if (line !== undefined) expect(first).toBe(line);
      else expect(JSON.parse(first).cpanelresult.data).toHaveLength(3000);
    });
  });

  describe('inputs that are not files, or not text: the failure envelope, at once', () => {
    const server = createServer();
    afterAll(() => server.close());

    async function replay(file: string) {
      const t0 = Date.now();
      const r = await execa(...command('uapi', [...ACCOUNT.args, '--output=json', '--input', `ps=${file}`, 'Ftp', 'list_sessions']), {
        reject: false,
        env: ENV,
        extendEnv: false,
        timeout: 10_000,
      });
      return { code: r.exitCode, errors: r.stdout === '' ? r.stderr : JSON.parse(r.stdout).result.errors, ms: Date.now() - t0 };
    }

    it('a FIFO, without waiting for a writer', async () => {
      const fifo = join(dir, `fifo-${way.isBinary ? 'binary' : 'node'}`);
      expect(spawnSync('/usr/bin/mkfifo', [fifo]).status).toBe(0);
      const r = await replay(fifo);
      expect([r.code, r.errors]).toEqual([1, [`cannot read --input ps=${fifo}: is a FIFO, not a file`]]);
      expect(r.ms).toBeLessThan(5000);
    });

    it('a socket, a device, a directory', async () => {
      const socket = join(dir, `socket-${way.isBinary ? 'binary' : 'node'}`);
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      expect(await replay(socket)).toMatchObject({ code: 1, errors: [`cannot read --input ps=${socket}: is a socket, not a file`] });
      expect(await replay('/dev/zero')).toMatchObject({ code: 1, errors: ['cannot read --input ps=/dev/zero: is a character device, not a file'] });
      expect(await replay(dir)).toMatchObject({ code: 1, errors: [`cannot read --input ps=${dir}: is a directory, not a file`] });
    });

    it('random bytes in a regular file', async () => {
      const random = join(dir, 'random');
      writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
      expect(await replay(random)).toMatchObject({ code: 1, errors: [`cannot read --input ps=${random}: holds NUL bytes: not text`] });
      const latin1 = join(dir, 'latin1');
      writeFileSync(latin1, Buffer.from('caf\xe9\n', 'latin1'));
      expect(await replay(latin1)).toMatchObject({ code: 1, errors: [`cannot read --input ps=${latin1}: is not UTF-8 text`] });
    });

    it('standard input past 64 MiB', async () => {
      const r = await execa(...command('uapi', [...ACCOUNT.args, '--output=json', '--input', 'ps=-', 'Ftp', 'list_sessions']), {
        reject: false,
        env: ENV,
        extendEnv: false,
        input: Buffer.alloc(64 * 1024 * 1024 + 1, 0x20),
      });
      expect(r.exitCode).toBe(1);
      expect(JSON.parse(r.stdout).result.errors).toEqual(['cannot read --input ps=-: is larger than 64 MiB, the most read from one input']);
    });
  });

  describe('usage errors: one line, escaped, and the pointer to --help', () => {
    it.each([
      [['--user=bob', '--output', 'Ftp', 'list_sessions'], "uapi: 'Ftp' is not an output format; did --output miss its value? (--output takes one of yaml, json, jsonpretty, xml, table)"],
      [['Ftp', 'list_sessions', '--colector', 'ps'], "uapi: unknown option '--colector' (Did you mean --collector?)"],
      [['--\x1b]52;c;aGk=\x07\n\u202e', 'Ftp', 'list_sessions'], "uapi: unknown option '--\\x1b]52;c;aGk=\\x07\\n\\u202e'"],
    ])('%j', async (argv, line) => {
      const r = await execa(...command('uapi', argv), { reject: false, env: ENV, extendEnv: false, stripFinalNewline: false });
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([2, '', `${line}\nTry 'uapi --help' for more information.\n`]);
    });
  });

  describe('20,000 repeated key=value words', () => {
    it('are named key, key-0, ... in linear time', async () => {
      const small = join(dir, 'small.ps.txt');
      writeFileSync(small, generate(1, ACCOUNT.uid).ps);
      const base = [...ACCOUNT.args, '--output=json', '--input', `ps=${small}`, 'Ftp', 'list_sessions'];
      const time = async (words: string[]) => {
        const t0 = performance.now();
        const r = await execa(...command('uapi', [...base, ...words]), { reject: false, env: ENV, extendEnv: false });
        expect(r.exitCode).toBe(0);
        return performance.now() - t0;
      };
      const one = await time(['k=1']);
      const many = await time(Array.from({ length: 20_000 }, (_, i) => `k=${i}`));
      // rescanning from key-0 for each repeat took 19.6 s; the target is under 0.5 s (npm run bench)
      expect(many - one).toBeLessThan(2000);
    });
  });
});
