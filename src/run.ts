import { type ActionRequest, parseActionRequest } from './cli/action-request.js';
import type { Dialect, Invocation } from './cli/invocation.js';
import { parseArgv } from './cli/parse.js';
import { dispatch } from './dispatch/dispatch.js';
import { buildEnvelope } from './envelope/index.js';
import { type Outcome, wantsPostprocess } from './envelope/types.js';
import { ApiError, CliError, ExitCode, toCliError, UsageError } from './errors.js';
import { colorLevel } from './render/color.js';
import { loadRenderer } from './render/index.js';
import type { Runtime } from './runtime.js';

const PROGRAM: Record<Dialect, string> = { api2: 'cpapi2', uapi: 'uapi', action: 'ftpsessions' };

/**
 * The whole pipeline: argv (and stdin) -> Invocation -> handler -> sessions
 * -> envelope -> rendered text -> the runtime's stdout/stderr. Returns the
 * exit code; never exits, never throws.
 */
export async function run(dialect: Dialect, runtime: Runtime): Promise<number> {
  const program = PROGRAM[dialect];
  let invocation: Invocation | undefined;
  try {
    const parsed = parseArgv(dialect, runtime.argv, runtime.env);
    if (parsed.kind === 'info') {
      runtime.stdout.write(parsed.text);
      return ExitCode.ok;
    }
    invocation = parsed;
    let request: ActionRequest | undefined;
    let outcome: Outcome;
    try {
      if (dialect === 'action') {
        request = parseActionRequest(await runtime.readStdin());
        invocation = { ...invocation, module: request.api ?? 'admin', func: request.action };
      } else if (invocation.argsFromStdin) {
        invocation = { ...invocation, args: { ...jsonArgs(await runtime.readStdin()), ...invocation.args } };
      }
      outcome = await call(invocation, runtime);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const { requestId } = err as ApiError & { requestId?: { value: unknown } };
      outcome = { ok: false, message: err.message, warnings: [], code: err.code, ...(requestId ? { requestId } : {}) };
    }
    const postprocess =
      outcome.ok && outcome.data.kind === 'sessions' && wantsPostprocess(invocation.dialect, invocation.args)
        ? await import('./postprocess/index.js')
        : undefined;
    const envelope = buildEnvelope(invocation, outcome, { request, postprocess });
    const render = await loadRenderer(invocation.output);
    const rendered = render(envelope, {
      colorLevel: colorLevel(invocation.color, runtime.env, runtime.stdout.isTTY),
      program,
    });
    const stderr = [...rendered.stderr];
    if (invocation.output !== 'table' && !envelope.warningsInDocument) {
      stderr.push(...envelope.warnings.map((w) => `${program}: warning: ${w}`));
    }
    if (rendered.stdout !== '') runtime.stdout.write(rendered.stdout);
    if (stderr.length > 0) runtime.stderr.write(`${stderr.join('\n')}\n`);
    return envelope.error === undefined ? ExitCode.ok : ExitCode.failed;
  } catch (err) {
    return report(toCliError(err), program, invocation?.debug === true, runtime);
  }
}

/** Run the function; an ApiError becomes a failure outcome, anything else goes up. */
async function call(invocation: Invocation, runtime: Runtime): Promise<Outcome> {
  try {
    const handler = await dispatch(invocation);
    const result = await handler(invocation, runtime);
    return { ok: true, data: result.data, warnings: result.warnings };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, message: err.message, warnings: [], code: err.code };
    throw err;
  }
}

/**
 * `--input=json`: the function's arguments as one JSON object on stdin, as
 * cPanel's command line takes them. Scalars become the strings a form would
 * carry (booleans 1 and 0, as cPanel's APIs want them); an array of scalars
 * becomes key, key-0, key-1, ...; nested data is refused.
 */
function jsonArgs(text: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--input=json: standard input is not JSON (${err instanceof SyntaxError ? err.message : String(err)})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError('--input=json: standard input must hold one JSON object');
  const args: Record<string, string> = {};
  const scalar = (key: string, value: unknown): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (value === null) return '';
    throw new UsageError(`--input=json: the value of “${key}” is nested data, which this function does not take`);
  };
  for (const [key, value] of Object.entries(doc)) {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        args[i === 0 ? key : `${key}-${i - 1}`] = scalar(key, v);
      });
    } else {
      args[key] = scalar(key, value);
    }
  }
  return args;
}

function report(err: CliError, program: string, debug: boolean, runtime: Runtime): number {
  if (err instanceof UsageError) {
    runtime.stderr.write(`${program}: ${err.message}\nTry '${program} --help' for more information.\n`);
  } else {
    const detail = debug && err.cause instanceof Error && err.cause.stack ? `\n${err.cause.stack}` : '';
    const hint = debug ? '' : ' (run with --debug for details)';
    runtime.stderr.write(`${program}: internal error: ${oneLine(err.message)}${hint}${detail}\n`);
  }
  return err.exitCode;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
