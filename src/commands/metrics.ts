import { join } from 'node:path';
import { intOption } from '../cli/native.js';
import { ApiError, CollectorError, UsageError } from '../errors.js';
import { DEFAULT_SAMPLE_MS, type Reading, readSessions, sampleRates } from '../functions/native.js';
import { terminalSafe } from '../render/terminal-safe.js';
import type { Runtime } from '../runtime.js';
import { warn } from './output.js';
import type { CommandHandler } from './table.js';

/** The file node_exporter's textfile collector reads, in the --textfile folder. */
export const TEXTFILE_NAME = 'ftpsessions.prom';

/**
 * `ftpsessions metrics`: the sessions as Prometheus metrics (src/serve/metrics.ts),
 * on stdout or atomically into DIR/ftpsessions.prom.
 *
 * Live, the transfers' rates are measured as `list` does (a second reading
 * of each transfer's file position DEFAULT_SAMPLE_MS later; no wait when
 * nothing is being transferred); collect_duration includes that wait.
 *
 * As root the reading includes the sessions not logged in (state AUTH),
 * unless --user narrows it. --per-account is root's (an account sees only
 * its own sessions): refused to anyone else, as --include-unauthenticated is.
 *
 * When no session source can be read, the metrics are still given (written)
 * with ftpsessions_source_up 0 and no session series, the reason goes to
 * stderr and the exit code is 1: Prometheus sees the failure as a metric
 * (an exporter's `up`-style gauge), a timer's unit as a failure, and a
 * textfile never keeps the last good counts as if they were current.
 */
export const metrics: CommandHandler = async (invocation, runtime) => {
  const options = invocation.options;
  const root = runtime.uid === 0;
  const perAccount = options.perAccount === true;
  if (options.maxAccounts !== undefined && !perAccount) throw new UsageError('--max-accounts goes with --per-account');
  const maxAccounts = intOption(options.maxAccounts, '--max-accounts', 100, 1, 100_000);
  if (perAccount && !root) {
    throw new ApiError('E_FORBIDDEN', 'Only root counts the sessions per account (--per-account): an account sees only its own.');
  }
  const textfile = typeof options.textfile === 'string' ? textfilePath(options.textfile, runtime) : undefined;

  // as root, every session: the ones not logged in too (AUTH); --user narrows to logged-in ones
  const authCounted = root && invocation.query.users.length === 0;
  const started = runtime.now();
  let reading: Reading | undefined;
  let failure: string | undefined;
  try {
    // the metrics carry no idle time: no run of ss
    reading = await readSessions({ ...invocation.query, includeUnauthenticated: authCounted || invocation.query.includeUnauthenticated, idle: false }, runtime);
    // a transfer whose daemon gives no rate (vsftpd, a title): its byte count read again 1 s later, as list does
    if (invocation.query.inputs.size === 0) reading = await sampleRates(reading, DEFAULT_SAMPLE_MS, runtime);
  } catch (err) {
    if (!(err instanceof CollectorError)) throw err;
    failure = err.message;
  }
  const collectSeconds = Math.max(0, runtime.now() - started) / 1000;

  const { renderMetrics, sourcesTried, sourcesUpOf } = await import('../serve/metrics.js');
  const { text } = await renderMetrics(reading, {
    openmetrics: options.openmetrics === true,
    perAccount,
    maxAccounts,
    collectSeconds,
    sourcesUp: reading === undefined ? sourcesTried(invocation.query) : sourcesUpOf(reading),
    authCounted,
  });
  if (textfile === undefined) {
    runtime.stdout.write(text);
  } else {
    try {
      await runtime.writeFileAtomic(textfile, text, 0o644);
    } catch (err) {
      throw new ApiError('E_TEXTFILE', `--textfile: cannot write ${textfile}: ${errnoText(err)}`);
    }
  }
  if (reading !== undefined) warn(runtime, reading.warnings);
  if (failure !== undefined) {
    runtime.stderr.write(`${terminalSafe(`ftpsessions: the sessions could not be read (ftpsessions_source_up 0): ${failure}`)}\n`);
    return 1;
  }
  return 0;
};

/** DIR/ftpsessions.prom, once DIR is known to be a folder (node_exporter's; never created here). */
function textfilePath(dir: string, runtime: Runtime): string {
  if (dir === '') throw new UsageError('--textfile takes a folder, not an empty string');
  let isDir: boolean;
  try {
    isDir = (runtime.statNow(dir).mode & 0o170000) === 0o040000;
  } catch (err) {
    throw new ApiError('E_TEXTFILE', `--textfile ${dir}: ${errnoText(err)}`);
  }
  if (!isDir) throw new ApiError('E_TEXTFILE', `--textfile ${dir}: not a folder`);
  return join(dir, TEXTFILE_NAME);
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such folder',
  ENOTDIR: 'not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EROFS: 'a read-only file system',
  EISDIR: 'a folder is in the way',
  ELOOP: 'a symbolic link is in the way',
};

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && Object.hasOwn(ERRNO, code) ? (ERRNO[code] as string) : code ?? String((err as Error)?.message ?? err);
}
