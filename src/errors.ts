/**
 * Typed errors. Every expected failure is a CliError with a stable string code
 * and the exit code it maps to; src/main.ts is the one place that turns them
 * into a process exit code.
 *
 *   0  success (also --help, --version and an empty list)
 *   1  the API function failed: a failure envelope was printed on stdout
 *   2  usage error: one line on stderr plus a pointer to --help
 *  70  internal error (a bug): one line on stderr, the stack only with --debug
 *  74  the output could not be written (EX_IOERR: a full disk, an I/O error):
 *      one line on stderr when stderr can still be written. A reader that
 *      went away (EPIPE on stdout or stderr, `| head`) is not an error: 0.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  internal: 70,
  ioError: 74,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** The command line cannot be understood: nothing was run, nothing on stdout. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('E_USAGE', message, ExitCode.usage);
  }
}

/**
 * The API function failed. The message becomes the envelope's error
 * (UAPI `errors`, API 2 `error`/`event.reason`) and the exit code is 1.
 */
export class ApiError extends CliError {
  constructor(code: string, message: string) {
    super(code, message, ExitCode.failed);
  }
}

/** A data source could not be run or read, or printed nothing we understand. */
export class CollectorError extends ApiError {
  constructor(code: 'E_COLLECTOR_UNAVAILABLE' | 'E_COLLECTOR_FAILED' | 'E_COLLECTOR_GARBAGE', message: string) {
    super(code, message);
  }
}

/** A bug. Reported as one line; the stack only with --debug. */
export class InternalError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INTERNAL', message, ExitCode.internal);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A failure of a monitoring-plugin command (check): printed on stdout as
 * the plugin protocol wants (`FTPSESSIONS UNKNOWN - why`) and exit 3,
 * whatever went wrong (bad arguments, a source, a bug): never 2 or 70.
 */
export const PLUGIN_UNKNOWN = 3;

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}
