import { constants, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { access, open, readdir, readlink, stat } from 'node:fs/promises';
import type { Dialect } from './cli/invocation.js';
import { ExitCode } from './errors.js';
import { PROGRAM, run, terminalSafe } from './run.js';
import { decodeText, type ExecResult, READ_LIMIT_BYTES, ReadRefused, type Runtime, type TextSink } from './runtime.js';

/**
 * The only module that touches `process`: it builds the Node runtime, runs
 * the pipeline, waits until what it wrote has been written, and sets the
 * exit code.
 */
export async function main(dialect: Dialect): Promise<void> {
  const stdout = new Output(process.stdout);
  const stderr = new Output(process.stderr, stdout);
  const code = await run(dialect, nodeRuntime(stdout, stderr));
  const failed = (await stdout.done()) ?? (await stderr.done());
  process.exitCode = failed === undefined ? code : await ioFailure(PROGRAM[dialect], failed, stdout === failed.output ? 'standard output' : 'standard error', stderr);
}

/**
 * A writable stream whose failures are recorded instead of thrown: a file on
 * a full disk throws from write() (ENOSPC), a pipe calls back with EPIPE and
 * emits 'error'. After the first failure nothing more is written to it.
 * Each write starts once the previous one (and, for stderr, what was written
 * to stdout before it) is done: with `2>&1` a warning comes after the
 * output, not in the middle of a line of it.
 */
class Output implements TextSink {
  private last: Promise<void> = Promise.resolve();
  failure: NodeJS.ErrnoException | undefined;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly after?: Output,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
  }
  write(text: string): void {
    if (text === '') return;
    const before = this.after === undefined ? this.last : Promise.all([this.last, this.after.last]);
    this.last = before.then(() => (this.failure === undefined ? this.send(text) : undefined));
  }
  private send(text: string): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.stream.write(text, (err) => {
          if (err) this.fail(err);
          resolve();
        });
      } catch (err) {
        this.fail(err as NodeJS.ErrnoException);
        resolve();
      }
    });
  }
  /** once every write has completed (the kernel has the bytes): the failure, if any */
  async done(): Promise<{ output: Output; error: NodeJS.ErrnoException } | undefined> {
    await this.last;
    return this.failure === undefined ? undefined : { output: this, error: this.failure };
  }
  private fail(err: NodeJS.ErrnoException): void {
    this.failure ??= err;
  }
}

const IO_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EBADF: 'not open for writing',
  EAGAIN: 'it would block',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
};

/**
 * A write failed. A reader that went away (EPIPE: `| head`, on either
 * stream) has all it wanted: 0, quietly. Anything else is EX_IOERR, said in
 * one line on stderr if stderr can still take it.
 */
async function ioFailure(program: string, { error }: { error: NodeJS.ErrnoException }, stream: string, stderr: Output): Promise<number> {
  if (error.code === 'EPIPE') return ExitCode.ok;
  const why = error.code !== undefined && IO_ERRORS[error.code] !== undefined ? `${IO_ERRORS[error.code]} (${error.code})` : (error.code ?? error.message);
  stderr.write(`${terminalSafe(`${program}: cannot write ${stream}: ${why}`)}\n`);
  await stderr.done();
  return ExitCode.ioError;
}

function nodeRuntime(stdout: Output, stderr: Output): Runtime {
  const tty = process.stdout.isTTY === true;
  return {
    argv: process.argv.slice(2),
    env: process.env,
    uid: process.geteuid?.() ?? process.getuid?.() ?? 0,
    stdout: {
      write: (text) => stdout.write(text),
      isTTY: tty,
      columns: tty ? process.stdout.columns || 80 : undefined,
      drain: async () => (await stdout.done()) === undefined,
    },
    stderr: { write: (text) => stderr.write(text) },
    now: () => Date.now(),
    exec,
    readFile: readTextFile,
    readDir: (path) => readdir(path),
    readFileNow: (path) => readFileSync(path, 'utf8'),
    readDirNow: (path) => readdirSync(path),
    readLinkNow: (path) => readlinkSync(path),
    statNow: (path) => {
      const { dev, ino, uid, mode, size, mtimeMs } = statSync(path);
      return { dev, ino, uid, mode, size, mtimeMs };
    },
    readLink: (path) => readlink(path),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size > READ_LIMIT_BYTES) break;
      }
      return decodeText(Buffer.concat(chunks));
    },
    kill: async (pid, signal) => {
      process.kill(pid, signal);
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    isExecutable: (path) =>
      access(path, constants.X_OK).then(
        () => true,
        () => false,
      ),
    stdin: { isTTY: process.stdin.isTTY === true },
    readLine: async (prompt) => {
      const { createInterface } = await import('node:readline');
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
      return new Promise<string | undefined>((resolve) => {
        let answered = false;
        rl.once('line', (line) => {
          answered = true;
          rl.close();
          resolve(line);
        });
        rl.once('close', () => {
          if (!answered) resolve(undefined);
        });
        rl.setPrompt(terminalSafe(prompt));
        rl.prompt();
      });
    },
    onSignal: (handler) => {
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'] as const;
      const listeners = signals.map((signal) => [signal, () => handler(signal)] as const);
      for (const [signal, listener] of listeners) process.on(signal, listener);
      return () => {
        for (const [signal, listener] of listeners) process.off(signal, listener);
      };
    },
    pid: process.pid,
    writeFileAtomic,
    makeDir: async (path, mode) => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(path, { recursive: true, mode });
    },
    terminal: async () =>
      process.stdin.isTTY === true && process.stdout.isTTY === true
        ? (await import('./terminal/node.js')).nodeTerminal(process.stdin, process.stdout)
        : undefined,
  };
}

/** Runtime.writeFileAtomic: a temporary file in the same folder (O_EXCL: never a link), synced, renamed over the path. */
async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const { dirname, basename, join } = await import('node:path');
  const { randomBytes } = await import('node:crypto');
  const { rename, unlink } = await import('node:fs/promises');
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode); // the umask may have taken bits away
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Runtime.readFile: open without blocking (a FIFO with no writer, a
 * terminal), refuse what is not a regular file, then read to the end (a
 * /proc file says size 0) but no more than READ_LIMIT_BYTES.
 */
export async function readTextFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    // open(2) of a socket, or of a device with no driver behind it, is ENXIO: say what it is
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw notAFile(await stat(path).catch(() => undefined));
    throw err;
  }
  try {
    const facts = await handle.stat();
    if (!facts.isFile()) throw notAFile(facts);
    let buffer = Buffer.allocUnsafe(Math.min(Math.max(facts.size + 1, 64 * 1024), READ_LIMIT_BYTES + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > READ_LIMIT_BYTES) break;
        const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, READ_LIMIT_BYTES + 1));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return decodeText(buffer.subarray(0, length));
  } finally {
    await handle.close();
  }
}

function notAFile(facts: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean } | undefined): ReadRefused {
  const what =
    facts === undefined ? 'a socket or a device'
    : facts.isDirectory() ? 'a directory'
    : facts.isFIFO() ? 'a FIFO'
    : facts.isSocket() ? 'a socket'
    : facts.isCharacterDevice() ? 'a character device'
    : facts.isBlockDevice() ? 'a block device'
    : 'not a regular file';
  return new ReadRefused('E_NOT_FILE', what === 'not a regular file' ? 'is not a regular file' : `is ${what}, not a file`);
}

/** execFile with an argv array, no shell; node:child_process is loaded only when a source is run. */
async function exec(file: string, args: readonly string[], options: { timeoutMs: number; env: Record<string, string> }) {
  const { execFile } = await import('node:child_process');
  return new Promise<ExecResult>((resolve) => {
    execFile(
      file,
      [...args],
      { env: options.env, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', shell: false },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ exitCode: 0, stdout, stderr, timedOut: false });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string; signal?: string };
        if (typeof e.code === 'string') {
          return resolve({ exitCode: null, stdout, stderr, timedOut: false, spawnError: e.code });
        }
        const timedOut = e.killed === true && e.signal === 'SIGKILL';
        resolve({ exitCode: typeof e.code === 'number' ? e.code : null, stdout, stderr, timedOut });
      },
    );
  });
}
