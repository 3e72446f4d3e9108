/**
 * The small world every step of the pipeline sees instead of `process`.
 * src/main.ts builds the real one; tests build their own.
 */
export interface ExecResult {
  /** null when the process was killed by a signal or never started */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** set when the program could not be started at all (ENOENT, EACCES, ...) */
  spawnError?: string;
}

export interface ExecOptions {
  timeoutMs: number;
  /** the complete environment of the child; nothing is inherited */
  env: Record<string, string>;
}

/** What stat(2) says of a file, for the trust checks. */
export interface FileFacts {
  readonly dev: number;
  readonly ino: number;
  /** owner uid */
  readonly uid: number;
  /** st_mode: type and permission bits */
  readonly mode: number;
  /** st_size: bytes (the real runtime always gives it) */
  readonly size?: number;
  /** st_mtime in ms (the real runtime always gives it) */
  readonly mtimeMs?: number;
}

/**
 * Where output goes. write() hands the text over and returns at once; a
 * failure to write (a full disk, a reader gone away) is src/main.ts's to
 * report once the pipeline is done, not the caller's.
 */
export interface TextSink {
  write(text: string): void;
}

/** The most readFile and readStdin read: 64 MiB (a 10,000-session capture is about 6 MiB). */
export const READ_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Why readFile or readStdin refused what they found (its message reads after
 * the path: `/tmp/f: is a FIFO, not a file`):
 *   E_NOT_FILE   a directory, FIFO, socket or device where a file is expected
 *   E_TOO_LARGE  more than READ_LIMIT_BYTES
 *   E_NOT_TEXT   not UTF-8, or NUL bytes in it
 */
export class ReadRefused extends Error {
  readonly code: 'E_NOT_FILE' | 'E_TOO_LARGE' | 'E_NOT_TEXT';
  constructor(code: ReadRefused['code'], message: string) {
    super(message);
    this.name = 'ReadRefused';
    this.code = code;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes read whole -> text, or ReadRefused: the check readFile and readStdin share (and the tests' fake). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length > READ_LIMIT_BYTES) throw new ReadRefused('E_TOO_LARGE', `is larger than ${READ_LIMIT_BYTES / 2 ** 20} MiB, the most read from one input`);
  if (bytes.indexOf(0) !== -1) throw new ReadRefused('E_NOT_TEXT', 'holds NUL bytes: not text');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ReadRefused('E_NOT_TEXT', 'is not UTF-8 text');
  }
}

/** The signals that end a long-running command (top, watch) cleanly. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGPIPE';

export interface Runtime {
  /** arguments after the program name */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** effective uid of the caller */
  readonly uid: number;
  /**
   * columns: the terminal's width when stdout is one (80 when it does not
   * say); undefined when stdout is not a terminal
   */
  readonly stdout: TextSink & {
    readonly isTTY: boolean;
    readonly columns?: number | undefined;
    /**
     * Wait until what was written has been taken (backpressure for a
     * long-running writer: watch); false once the output is gone (a reader
     * that went away, a full disk): nothing more will be written.
     */
    drain(): Promise<boolean>;
  };
  readonly stderr: TextSink;
  /** milliseconds since the epoch */
  now(): number;
  /** run a program by absolute path with an argv array; never a shell */
  exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /**
   * Read a whole file as UTF-8 text, without blocking on what is not a file:
   * rejects with ReadRefused (a directory, FIFO, socket or device; more than
   * READ_LIMIT_BYTES; not UTF-8 or NUL bytes in it) or the usual Node
   * errors (ENOENT, EACCES, ...). A file that says it is empty (/proc) is
   * read to its end.
   */
  readFile(path: string): Promise<string>;
  /**
   * The same three reads, synchronous: for /proc, where thousands of tiny
   * files each cost less to read than a promise and a thread-pool trip.
   * Throw the usual Node errors. `untrusted`: a file anyone may have put
   * there (a replayed /proc capture), not one the kernel serves: refused
   * with ReadRefused as readFile refuses it (not a regular file, more than
   * READ_LIMIT_BYTES), never blocking on a FIFO or reading a device; NUL
   * bytes and other text are kept, as /proc files hold them.
   */
  readFileNow(path: string, options?: { untrusted?: boolean }): string;
  readDirNow(path: string): string[];
  readLinkNow(path: string): string;
  /**
   * stat(2), following links (`/proc/PID/exe` gives the running program's
   * file): what the trust checks need. Throws the usual Node errors.
   */
  statNow(path: string): FileFacts;
  /** the names in a directory; rejects with the usual Node errors */
  readDir(path: string): Promise<string[]>;
  /** the target of a symbolic link; rejects with the usual Node errors */
  readLink(path: string): Promise<string>;
  /** read all of standard input as UTF-8 text: as readFile, at most READ_LIMIT_BYTES */
  readStdin(): Promise<string>;
  /** send a signal; rejects with the errno error (ESRCH: no such process, EPERM: not ours) */
  kill(pid: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** wait */
  sleep(ms: number): Promise<void>;
  /** whether path exists and the caller may execute it */
  isExecutable(path: string): Promise<boolean>;
  /** standard input: whether it is a terminal (a person who can be asked) */
  readonly stdin: { readonly isTTY: boolean };
  /**
   * Ask a person on the terminal: `prompt` on stderr, one line read from
   * standard input; undefined at end of input.
   */
  readLine(prompt: string): Promise<string | undefined>;
  /**
   * Call `handler` when one of the stop signals arrives (instead of the
   * default of dying); returns the function that stops listening.
   */
  onSignal(handler: (signal: StopSignal) => void): () => void;
  /** this process's id (for log lines: `ftpsessions[PID]: ...`) */
  readonly pid: number;
  /**
   * Write a whole file atomically: a new file beside it (created with
   * `mode`, never following a link), its data synced, then renamed over
   * `path`. Rejects with the usual Node errors.
   */
  writeFileAtomic(path: string, text: string, mode: number): Promise<void>;
  /** create a folder (and its parents) with `mode` where missing; rejects with the usual Node errors */
  makeDir(path: string, mode: number): Promise<void>;
  /** the interactive terminal, when standard input and output are both one (top) */
  terminal(): Promise<import('./terminal/types.js').Terminal | undefined>;
}
