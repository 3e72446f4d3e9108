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
}

export interface TextSink {
  write(text: string): void;
}

export interface Runtime {
  /** arguments after the program name */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** effective uid of the caller */
  readonly uid: number;
  readonly stdout: TextSink & { readonly isTTY: boolean };
  readonly stderr: TextSink;
  /** milliseconds since the epoch */
  now(): number;
  /** run a program by absolute path with an argv array; never a shell */
  exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** read a whole file as UTF-8; rejects with the usual Node errors */
  readFile(path: string): Promise<string>;
  /**
   * The same three reads, synchronous: for /proc, where thousands of tiny
   * files each cost less to read than a promise and a thread-pool trip.
   * Throw the usual Node errors.
   */
  readFileNow(path: string): string;
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
  /** read all of standard input as UTF-8 */
  readStdin(): Promise<string>;
  /** send a signal; rejects with the errno error (ESRCH: no such process, EPERM: not ours) */
  kill(pid: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** wait */
  sleep(ms: number): Promise<void>;
  /** whether path exists and the caller may execute it */
  isExecutable(path: string): Promise<boolean>;
}
