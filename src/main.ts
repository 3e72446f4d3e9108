import { access as accessCb, type Stats, closeSync, constants, fstatSync, mkdir as mkdirCb, openSync, readdir as readdirCb, readdirSync, readFileSync, readlink as readlinkCb, readlinkSync, readSync, statSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
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
  const stdout = new Output(1, () => process.stdout);
  const stderr = new Output(2, () => process.stderr, stdout);
  const code = await run(dialect, nodeRuntime(stdout, stderr));
  const failed = (await stdout.done()) ?? (await stderr.done());
  process.exitCode = failed === undefined ? code : await ioFailure(PROGRAM[dialect], failed, stdout === failed.output ? 'standard output' : 'standard error', stderr);
}

/**
 * Standard output or error, whose failures are recorded instead of thrown:
 * a file on a full disk (ENOSPC), a pipe whose reader has gone (EPIPE).
 * After the first failure nothing more is written to it. Each write starts
 * once the previous one (and, for stderr, what was written to stdout before
 * it) is done: with `2>&1` a warning comes after the output, not in the
 * middle of a line of it.
 *
 * A command that answers and ends writes straight to the descriptor
 * (write(2), blocking as a file or a terminal always is): Node's stream for
 * a pipe costs as much to set up as the rest of a start. A front that runs
 * on (it handles signals, draws on the terminal or waits for its reader)
 * switches to Node's stream for good, so a stalled reader never keeps it
 * from its signals; so does a descriptor that would block (O_NONBLOCK).
 */
class Output implements TextSink {
  private last: Promise<void> = Promise.resolve();
  private stream: NodeJS.WriteStream | undefined;
  failure: NodeJS.ErrnoException | undefined;
  constructor(
    private readonly fd: number,
    private readonly open: () => NodeJS.WriteStream,
    private readonly after?: Output,
  ) {}
  write(text: string): void {
    if (text === '') return;
    const before = this.after === undefined ? this.last : Promise.all([this.last, this.after.last]);
    this.last = before.then(() => (this.failure === undefined ? this.send(text) : undefined));
  }
  /** from now on, Node's stream */
  streaming(): NodeJS.WriteStream {
    if (this.stream === undefined) {
      this.stream = this.open();
      this.stream.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
    }
    return this.stream;
  }
  private send(text: string): Promise<void> {
    if (this.stream === undefined) {
      const bytes = Buffer.from(text, 'utf8');
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
        return Promise.resolve();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.fail(err as NodeJS.ErrnoException);
          return Promise.resolve();
        }
        // the rest waits for the reader in Node's stream
        return this.sendToStream(bytes.subarray(done));
      }
    }
    return this.sendToStream(text);
  }
  private sendToStream(data: string | Buffer): Promise<void> {
    const stream = this.streaming();
    return new Promise((resolve) => {
      try {
        stream.write(data, (err) => {
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

/**
 * Whether a standard descriptor is a terminal, asking Node's stream (which
 * loads the terminal and network modules) only for a character device that
 * may be one: a pipe, a socket or a file never is, nor Linux's memory
 * devices (major 1: /dev/null, /dev/zero, /dev/full, /dev/urandom), the
 * /dev/null that cron and systemd give a job as its standard input.
 */
function isTerminal(fd: 0 | 1, stream: () => { isTTY?: boolean }): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice() || majorOf(st.rdev) === MEMORY_DEVICES) return false;
  } catch {
    return false;
  }
  return stream().isTTY === true;
}

const MEMORY_DEVICES = 1;

/** the major number of a Linux device number (glibc's gnu_dev_major: bits 8-19 and 44-63) */
export function majorOf(rdev: number): number {
  return (Math.floor(rdev / 2 ** 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
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

const readdir = promisify(readdirCb);
const readlink = promisify(readlinkCb);
const access = promisify(accessCb);
const mkdir = promisify(mkdirCb);

function nodeRuntime(stdout: Output, stderr: Output): Runtime {
  const tty = isTerminal(1, () => process.stdout);
  // asked only by the fronts that read the keyboard (kill's question, top): cpapi2 and uapi never pay for it
  let stdinTTY: boolean | undefined;
  const stdinIsTTY = () => (stdinTTY ??= isTerminal(0, () => process.stdin));
  /** a front that runs on: both outputs through Node's streams from now on */
  const runningOn = () => {
    stdout.streaming();
    stderr.streaming();
  };
  return {
    argv: process.argv.slice(2),
    env: process.env,
    uid: process.geteuid?.() ?? process.getuid?.() ?? 0,
    stdout: {
      write: (text) => stdout.write(text),
      isTTY: tty,
      columns: tty ? process.stdout.columns || 80 : undefined,
      drain: async () => {
        runningOn();
        return (await stdout.done()) === undefined;
      },
    },
    stderr: { write: (text) => stderr.write(text) },
    now: () => Date.now(),
    exec,
    readFile: readTextFile,
    readDir: (path) => readdir(path),
    readFileNow,
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
    stdin: {
      get isTTY() {
        return stdinIsTTY();
      },
    },
    readLine: async (prompt) => {
      const { createInterface } = await import('node:readline');
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: stdinIsTTY() });
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
      runningOn();
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
      await mkdir(path, { recursive: true, mode });
    },
    terminal: async () => {
      if (!stdinIsTTY() || !tty) return undefined;
      runningOn();
      return (await import('./terminal/node.js')).nodeTerminal(process.stdin, process.stdout);
    },
  };
}

/** Runtime.writeFileAtomic: a temporary file in the same folder (O_EXCL: never a link), synced, renamed over the path. */
async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const { dirname, basename, join } = await import('node:path');
  const { randomBytes } = await import('node:crypto');
  const { open, rename, unlink } = await import('node:fs/promises');
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
 * /proc file says size 0) but no more than READ_LIMIT_BYTES. Synchronously:
 * what is read is small and local (captures, /etc/passwd, the tokens file,
 * a certificate), and the thread pool's round trips cost a start more than
 * the reads themselves.
 */
export async function readTextFile(path: string): Promise<string> {
  return decodeText(readRegularFile(path));
}

/** Runtime.readFileNow: the kernel's /proc at full speed; a file anyone may have put there as readTextFile reads it. */
function readFileNow(path: string, options?: { untrusted?: boolean }): string {
  if (options?.untrusted !== true) return readFileSync(path, 'utf8');
  const bytes = readRegularFile(path);
  if (bytes.length > READ_LIMIT_BYTES) throw new ReadRefused('E_TOO_LARGE', `is larger than ${READ_LIMIT_BYTES / 2 ** 20} MiB, the most read from one input`);
  return bytes.toString('utf8');
}

/** The bytes of a regular file, at most READ_LIMIT_BYTES + 1 of them (one more says it is too large); ReadRefused for anything else. */
function readRegularFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    // open(2) of a socket, or of a device with no driver behind it, is ENXIO: say what it is
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') {
      let facts: Stats | undefined;
      try {
        facts = statSync(path);
      } catch {
        // gone meanwhile
      }
      throw notAFile(facts);
    }
    throw err;
  }
  try {
    const facts = fstatSync(fd);
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
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
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
