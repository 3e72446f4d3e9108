import { type ActionRequest, parseActionRequest } from './cli/action-request.js';
import type { Dialect, Invocation, NativeInvocation } from './cli/invocation.js';
import type { CommandEntry } from './commands/table.js';
import { parseArgv } from './cli/parse.js';
import { callFunction, postprocessFor } from './dispatch/answer.js';
import { buildEnvelope } from './envelope/index.js';
import type { Outcome } from './envelope/types.js';
import { ApiError, CliError, ExitCode, InternalError, PLUGIN_UNKNOWN, toCliError, UsageError } from './errors.js';
import { describeIoError } from './collectors/program.js';
import { colorLevel } from './render/color.js';
import { loadRenderer } from './render/index.js';
import type { RenderContext } from './render/types.js';
import type { Runtime } from './runtime.js';
import { terminalSafe } from './render/terminal-safe.js';

export { terminalSafe };

export const PROGRAM: Record<Dialect, string> = { api2: 'cpapi2', uapi: 'uapi', action: 'ftpsessions' };

/**
 * The whole pipeline: argv (and stdin) -> Invocation -> handler -> sessions
 * -> envelope -> rendered text -> the runtime's stdout/stderr. Returns the
 * exit code; never exits, never throws.
 */
export async function run(dialect: Dialect, runtime: Runtime): Promise<number> {
  try {
    return await pipeline(dialect, runtime);
  } catch (err) {
    // what the steps below do not turn into an answer themselves (a part of
    // the program that cannot be loaded): one line and its exit code all the same
    return report(toCliError(err), PROGRAM[dialect], runtime.argv.includes('--debug'), (lines) => writeLines(runtime, lines));
  }
}

async function pipeline(dialect: Dialect, runtime: Runtime): Promise<number> {
  // the completion scripts' hidden fast path: nothing else is parsed or loaded
  if (dialect === 'action' && runtime.argv[0] === '__complete') return (await import('./completion/complete.js')).complete(runtime.argv.slice(1), runtime);
  const program = PROGRAM[dialect];
  const say = (lines: readonly string[]) => writeLines(runtime, lines);
  let invocation: Invocation | undefined;
  let argv = runtime.argv;
  if (dialect === 'action') {
    // `ftpsessions COMMAND`: the native front; no command: the JSON action API, as before
    // (loaded only here: cpapi2 and uapi never pay for the native front's parser and command table)
    const { parseNative, PluginFailure } = await import('./cli/native.js');
    let native;
    try {
      native = parseNative(argv, runtime.env, { stdin: runtime.stdin.isTTY, stdout: runtime.stdout.isTTY });
    } catch (err) {
      if (err instanceof PluginFailure) return pluginUnknown(runtime, err.label, err.message);
      return report(toCliError(err), program, argv.includes('--debug'), say);
    }
    if (native.kind === 'info') {
      runtime.stdout.write(native.text);
      return ExitCode.ok;
    }
    if (native.kind === 'native') return runNative(native, runtime, say);
    argv = native.argv;
  }
  try {
    const parsed = parseArgv(dialect, argv, runtime.env);
    if (parsed.kind === 'info') {
      runtime.stdout.write(parsed.text);
      return ExitCode.ok;
    }
    invocation = parsed;
    let request: ActionRequest | undefined;
    let outcome: Outcome;
    try {
      if (dialect === 'action') {
        const text = await runtime.readStdin().catch((err: unknown) => {
          throw new ApiError('E_REQUEST_JSON', `The request cannot be read: standard input: ${describeIoError(err)}.`);
        });
        request = parseActionRequest(text);
        invocation = { ...invocation, module: request.api ?? 'admin', func: request.action };
      } else if (invocation.argsFromStdin) {
        const text = await runtime.readStdin().catch((err: unknown) => {
          throw new UsageError(`--input=json: standard input: ${describeIoError(err)}`);
        });
        // no prototype: `__proto__` and `constructor` are arguments like any other
        const args = Object.assign(Object.create(null) as Record<string, string>, jsonArgs(text), invocation.args);
        invocation = { ...invocation, args };
      }
      outcome = await callFunction(invocation, runtime);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const { requestId } = err as ApiError & { requestId?: { value: unknown } };
      outcome = { ok: false, message: err.message, warnings: [], code: err.code, ...(requestId ? { requestId } : {}) };
    }
    const postprocess = await postprocessFor(invocation, outcome);
    const envelope = buildEnvelope(invocation, outcome, { request, postprocess });
    const render = await loadRenderer(invocation.output);
    const context: RenderContext = {
      colorLevel: colorLevel(invocation.color, runtime.env, runtime.stdout.isTTY),
      program,
      columns: runtime.stdout.columns,
      unicode: unicodeLocale(runtime.env),
    };
    const rendered = render(envelope, context);
    const stderr = [...rendered.stderr];
    if (invocation.output !== 'table' && !envelope.warningsInDocument) {
      stderr.push(...envelope.warnings.map((w) => `${program}: warning: ${w}`));
    }
    if (rendered.stdout !== '') runtime.stdout.write(rendered.stdout);
    say(stderr);
    return envelope.error === undefined ? ExitCode.ok : ExitCode.failed;
  } catch (err) {
    return report(toCliError(err), program, invocation?.debug === true, say);
  }
}

/**
 * A native command: it writes its own output through the runtime; its
 * typed errors become one line on stderr and their exit code here.
 */
async function runNative(invocation: NativeInvocation, runtime: Runtime, say: (lines: readonly string[]) => void): Promise<number> {
  const { COMMANDS } = await import('./commands/table.js');
  const entry = COMMANDS[invocation.command] as CommandEntry;
  try {
    const handler = await entry.load();
    return await handler(invocation, runtime);
  } catch (err) {
    const error = toCliError(err);
    const plugin = entry.plugin;
    if (plugin !== undefined) {
      if (invocation.debug && error.cause instanceof Error && error.cause.stack) say(error.cause.stack.split('\n'));
      return pluginUnknown(runtime, plugin.label, error instanceof CliError && !(error instanceof InternalError) ? error.message : `internal error: ${error.message}`);
    }
    if (error instanceof ApiError) {
      say([`ftpsessions: ${oneLine(error.message)}`]);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      say([`ftpsessions: ${error.message}`, `Try 'ftpsessions ${invocation.command} --help' for more information.`]);
      return error.exitCode;
    }
    return report(error, 'ftpsessions', invocation.debug, say);
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
  const args: Record<string, string> = Object.create(null);
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

/** The monitoring-plugin protocol's UNKNOWN: one line on stdout (what the monitoring system shows), exit 3. */
function pluginUnknown(runtime: Runtime, label: string, message: string): number {
  // `|` starts the perfdata in the plugin protocol: a message (an argument, a path) must not forge it
  runtime.stdout.write(`${terminalSafe(`${label} UNKNOWN - ${oneLine(message)}`).replace(/\|/g, '\\x7c')}\n`);
  return PLUGIN_UNKNOWN;
}

function report(err: CliError, program: string, debug: boolean, say: (lines: readonly string[]) => void): number {
  if (err instanceof UsageError) {
    say([`${program}: ${err.message}`, `Try '${program} --help' for more information.`]);
  } else {
    const detail = debug && err.cause instanceof Error && err.cause.stack ? err.cause.stack.split('\n') : [];
    const hint = debug ? '' : ' (run with --debug for details)';
    say([`${program}: internal error: ${oneLine(err.message)}${hint}`, ...detail]);
  }
  return err.exitCode;
}

/**
 * The one way to stderr: each line made safe for a terminal, a newline after
 * each. Messages carry arguments, file names and process titles, and none of
 * them may drive the terminal.
 */
function writeLines(runtime: Runtime, lines: readonly string[]): void {
  if (lines.length > 0) runtime.stderr.write(lines.map((line) => `${terminalSafe(line)}\n`).join(''));
}

/**
 * Whether the terminal's character set is UTF-8, as the C library decides
 * it: the first of LC_ALL, LC_CTYPE and LANG that is set and not empty; no
 * locale is the C locale, ASCII.
 */
export function unicodeLocale(env: Readonly<Record<string, string | undefined>>): boolean {
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '');
  return locale !== undefined && /utf-?8/i.test(locale);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
