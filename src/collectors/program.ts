import { CollectorError } from '../errors.js';
import { ReadRefused, type Runtime } from '../runtime.js';
import type { Live, LiveContext } from './types.js';

/** A program a source runs: absolute paths tried in order, an argv array, never a shell. */
export interface ProgramSpec {
  readonly name: string;
  /**
   * LC_ALL for the run: C by default; C.UTF-8 for ps, which in the C locale
   * shows every non-ASCII byte of a title as `?` (day and month names are
   * the same English ones in both)
   */
  readonly locale?: 'C' | 'C.UTF-8';
  readonly paths: readonly string[];
  readonly rootOnly: boolean;
  readonly timeoutMs: number;
}

const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Run a source's program in the C locale and the caller's time zone (the zone
 * its times are read back in), with a time-out: its stdout, or why it is not
 * to be had here; a failure to run is a CollectorError.
 */
export async function runProgram(spec: ProgramSpec, args: readonly string[], { runtime }: LiveContext): Promise<Live<string>> {
  if (spec.rootOnly && runtime.uid !== 0) return { ok: false, reason: `${spec.name} needs root` };
  let path: string | undefined;
  for (const candidate of spec.paths) {
    if (await runtime.isExecutable(candidate)) {
      path = candidate;
      break;
    }
  }
  if (path === undefined) return { ok: false, reason: `${spec.name} is not installed (looked for ${spec.paths.join(', ')})` };
  const env: Record<string, string> = { LC_ALL: spec.locale ?? 'C', PATH };
  if (runtime.env.TZ !== undefined) env.TZ = runtime.env.TZ;
  const result = await runtime.exec(path, args, { timeoutMs: spec.timeoutMs, env });
  if (result.spawnError !== undefined) throw new CollectorError('E_COLLECTOR_FAILED', `cannot run ${path}: ${result.spawnError}`);
  if (result.timedOut) throw new CollectorError('E_COLLECTOR_FAILED', `${path} did not answer within ${spec.timeoutMs / 1000} s`);
  if (result.exitCode !== 0) {
    const said = firstLine(result.stderr) || firstLine(result.stdout);
    const how = result.exitCode === null ? 'was killed' : `exited with status ${result.exitCode}`;
    throw new CollectorError('E_COLLECTOR_FAILED', `${path} ${how}${said === '' ? '' : `: ${said}`}`);
  }
  return { ok: true, raw: result.stdout };
}

/** A captured program output, from a file or standard input. */
export async function readCapture(id: string, path: string, runtime: Runtime): Promise<string> {
  try {
    return path === '-' ? await runtime.readStdin() : await runtime.readFile(path);
  } catch (err) {
    throw new CollectorError('E_COLLECTOR_FAILED', `cannot read --input ${id}=${path}: ${describeIoError(err)}`);
  }
}

/**
 * Why a read failed, in words that read after the path (`/tmp/f: is a FIFO,
 * not a file`): Runtime.readFile's own refusals say it themselves, the
 * usual errno codes are put in words, anything else is its code.
 */
export function describeIoError(err: unknown): string {
  if (err instanceof ReadRefused) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e.code !== undefined && IO_WORDS[e.code] !== undefined) return IO_WORDS[e.code] as string;
  return e.code ?? (err instanceof Error ? err.message : String(err));
}

const IO_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'not a directory',
  ENXIO: 'is a socket or a device, not a file',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 200);
}
