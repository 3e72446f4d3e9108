import type { Dialect, Invocation } from './cli/invocation.js';
import { parseArgv } from './cli/parse.js';
import { dispatch } from './dispatch/dispatch.js';
import { buildEnvelope } from './envelope/index.js';
import type { Outcome } from './envelope/types.js';
import { ApiError, CliError, ExitCode, toCliError, UsageError } from './errors.js';
import { colorLevel } from './render/color.js';
import { loadRenderer } from './render/index.js';
import type { Runtime } from './runtime.js';

const PROGRAM: Record<Dialect, string> = { api2: 'cpapi2', uapi: 'uapi' };

/**
 * The whole pipeline: argv -> Invocation -> handler -> sessions -> envelope
 * -> rendered text -> the runtime's stdout/stderr. Returns the exit code;
 * never exits, never throws.
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
    const outcome = await call(invocation, runtime);
    const envelope = buildEnvelope(invocation, outcome);
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
    if (err instanceof ApiError) return { ok: false, message: err.message, warnings: [] };
    throw err;
  }
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
