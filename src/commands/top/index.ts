import type { NativeInvocation } from '../../cli/invocation.js';
import { intOption } from '../../cli/native.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import { endSessions } from '../../functions/kill-session.js';
import { type Reading, readSessions } from '../../functions/native.js';
import { terminalSafe } from '../../render/terminal-safe.js';
import type { Runtime } from '../../runtime.js';
import type { Terminal } from '../../terminal/types.js';
import { nativeContext, warn } from '../output.js';
import type { CommandHandler } from '../table.js';
import { initialOrder, type SortOrder, snapshot } from './layout.js';
import { paint, type Painter } from './paint.js';
import { type Request, TopScreen } from './screen.js';

/** -d's default, and its bounds, in seconds. */
export const DEFAULT_DELAY_SECONDS = 2;
const MIN_DELAY_SECONDS = 0.5;
const MAX_DELAY_SECONDS = 3600;
/** The longest a wait between refreshes goes without looking whether it should end (a key, a signal). */
const SLICE_MS = 100;

/**
 * `ftpsessions top`: on a terminal, a full-screen view of the sessions,
 * read again every -d seconds (rates measured between two readings), to
 * sort, filter, tag and end (the verified TERM-then-KILL of
 * functions/kill-session.ts, after a confirmation line). `--batch`: -n
 * plain snapshots, -d apart, for scripts, as `top -b`. The first reading's
 * failure is the command's (exit 1, as list); a later one is shown on the
 * status line (on stderr in batch mode, exit 1 at the end).
 */
export const top: CommandHandler = async (invocation, runtime) => {
  const delaySeconds = delayOption(invocation.options.delay);
  const batch = invocation.options.batch === true;
  const iterations = intOption(invocation.options.iterations, 'top: -n/--iterations', batch ? 1 : Number.POSITIVE_INFINITY, 1, 1_000_000);
  const keys = invocation.query.sort;
  const order = initialOrder(keys);
  const { unicode } = nativeContext(invocation, runtime);
  let terminal: Terminal | undefined;
  if (!batch) {
    terminal = await runtime.terminal();
    if (terminal === undefined) {
      throw new UsageError('top: standard input and output are not both a terminal: use --batch (-b) for plain snapshots');
    }
  }
  let stop = false;
  const stopListening = runtime.onSignal(() => {
    stop = true;
  });
  try {
    const first = await readSessions(invocation.query, runtime);
    const run = { invocation, runtime, delayMs: delaySeconds * 1000, delaySeconds, iterations, order, keys, unicode: unicode === true, stopped: () => stop };
    return terminal === undefined ? await runBatch(first, run) : await runScreen(terminal, first, run, () => (stop = true));
  } finally {
    stopListening();
  }
};

interface Run {
  readonly invocation: NativeInvocation;
  readonly runtime: Runtime;
  readonly delayMs: number;
  readonly delaySeconds: number;
  readonly iterations: number;
  readonly order: SortOrder;
  readonly keys: readonly string[];
  readonly unicode: boolean;
  readonly stopped: () => boolean;
}

/** -d SECS: seconds, decimals allowed, from 0.5 to 3600. */
export function delayOption(value: string | boolean | string[] | undefined): number {
  if (value === undefined) return DEFAULT_DELAY_SECONDS;
  const text = String(value);
  const seconds = /^(?:\d{1,4}(?:\.\d{1,3})?|\.\d{1,3})$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= MIN_DELAY_SECONDS && seconds <= MAX_DELAY_SECONDS)) {
    throw new UsageError(`top: -d/--delay takes seconds from ${MIN_DELAY_SECONDS} to ${MAX_DELAY_SECONDS} (e.g. 2 or 0.5), not '${text}'`);
  }
  return seconds;
}

/** Wait `ms` in short slices, ending early when `done` says so. */
async function pause(runtime: Runtime, ms: number, done: () => boolean): Promise<void> {
  for (let waited = 0; waited < ms && !done(); waited += SLICE_MS) await runtime.sleep(Math.min(SLICE_MS, ms - waited));
}

/** --batch: the snapshots on stdout, a blank line between them; warnings and later failures on stderr. */
async function runBatch(first: Reading, run: Run): Promise<number> {
  const { runtime, invocation } = run;
  let reading = first;
  let failed = false;
  let printed = false;
  for (let i = 0; i < run.iterations; i++) {
    if (i > 0) {
      await pause(runtime, run.delayMs, run.stopped);
      if (run.stopped()) break;
      try {
        reading = await readSessions(invocation.query, runtime, since(invocation, reading));
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        runtime.stderr.write(`${terminalSafe(`ftpsessions: top: cannot read the sessions: ${oneLine(err.message)}`)}\n`);
        failed = true;
        continue;
      }
    }
    runtime.stdout.write(`${printed ? '\n' : ''}${snapshot(reading, run.order, run.unicode, runtime.stdout.columns, run.delaySeconds)}`);
    printed = true;
    warn(runtime, reading.warnings);
  }
  return failed ? ExitCode.failed : ExitCode.ok;
}

/**
 * The full screen: drawn at once, again on each key, each refresh and each
 * resize (only the lines that changed are written). Whatever ends it (q,
 * Ctrl-C, SIGTERM, SIGHUP, SIGINT, -n refreshes, a bug), the terminal is
 * given back as it was before.
 */
async function runScreen(terminal: Terminal, first: Reading, run: Run, quit: () => void): Promise<number> {
  const { runtime, invocation } = run;
  const screen = new TopScreen(first, run.order, run.keys, { delaySeconds: run.delaySeconds, unicode: run.unicode, replay: invocation.query.inputs.size > 0 });
  const painter: Painter = paint(terminal);
  let wake = false;
  let ending: Promise<void> | undefined;
  let broken: unknown;
  const draw = () => painter.draw(screen.lines(terminal.columns, terminal.rows));

  const end = async (request: Extract<Request, { kind: 'end' }>): Promise<void> => {
    screen.say(`ending ${request.rows.map((r) => r.pid).join(', ')} (TERM, then KILL after 2 s)...`);
    draw();
    try {
      screen.ended(await endSessions(request.targets, runtime), request.rows);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      screen.say(`could not end the sessions: ${oneLine(err.message)}`, true);
    }
    ending = undefined;
    wake = true;
    draw();
  };
  const onKey = terminal.onKey((key) => {
    try {
      const request = screen.press(key);
      if (request?.kind === 'quit') quit();
      else if (request?.kind === 'refresh') {
        painter.invalidate();
        wake = true;
      } else if (request?.kind === 'end') {
        if (ending === undefined) ending = end(request).catch((err: unknown) => {
          broken ??= err;
          quit();
        });
        else screen.say('still ending the sessions asked for before');
      }
      draw();
    } catch (err) {
      broken ??= err;
      quit();
    }
  });
  const onResize = terminal.onResize(() => {
    try {
      painter.invalidate();
      draw();
    } catch (err) {
      broken ??= err;
      quit();
    }
  });

  terminal.enter();
  try {
    draw();
    let previous = first;
    for (let refreshes = 1; refreshes < run.iterations && !run.stopped(); refreshes++) {
      await pause(runtime, run.delayMs, () => wake || run.stopped());
      if (run.stopped()) break;
      wake = false;
      try {
        previous = await readSessions(invocation.query, runtime, since(invocation, previous));
        screen.update(previous);
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        screen.failed(oneLine(err.message));
      }
      draw();
    }
    await ending;
  } finally {
    onKey();
    onResize();
    terminal.leave();
  }
  if (broken !== undefined) throw broken;
  return 0;
}

/**
 * The reading rates are measured against: the one before; none for a
 * replay (a capture read again has not moved: its rates are its source's).
 */
function since(invocation: NativeInvocation, previous: Reading): Reading | undefined {
  return invocation.query.inputs.size > 0 ? undefined : previous;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
