import { Chalk } from 'chalk';
import { intOption } from '../cli/native.js';
import { CliError, CollectorError, UsageError } from '../errors.js';
import { readSessions, type Reading } from '../functions/native.js';
import { bytes } from '../render/native.js';
import { terminalSafe } from '../render/terminal-safe.js';
import type { Runtime, StopSignal } from '../runtime.js';
import type { CommandHandler } from './table.js';
import { nativeContext, warn } from './output.js';
import { matchesFilter, type SessionEvent, type Sessions, sessionEvents, sessionsOf } from './watch/events.js';

/** Milliseconds from the start of one reading to the start of the next, by default, and the bounds of --interval. */
export const DEFAULT_INTERVAL_MS = 1000;
export const MIN_INTERVAL_MS = 100;
export const MAX_INTERVAL_MS = 3_600_000;
/** The longest watch sleeps in one go: a stop signal is answered within this (the timer left behind is no longer). */
const TICK_MS = 200;
/** How many different warnings watch remembers having printed (each is printed once). */
const WARNINGS_KEPT = 1024;

/**
 * `ftpsessions watch`: read the sessions every --interval ms and write an
 * event for each change (watch/events.ts says which), a JSON object per line
 * (ndjson) or a line for people (table). Only the previous reading is kept.
 *
 * Readings never overlap: the next starts --interval ms after the start of
 * the one before, or at once when a reading took longer. The first reading
 * gives every session as `opened`. A failed reading is an `error` event (not
 * repeated while the same error recurs) and watch carries on from the last
 * good reading; only a first reading that fails for a reason other than a
 * source (a bad --user, a path option, --include-unauthenticated as an
 * account) ends watch, as it would end list. SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE end it with 0, and so does a reader that went away (found at the
 * next write: the output says it is gone): the events of a reading under way are written
 * (all of them, whole lines), a wait is cut short. --input files are
 * read again at every reading (a capture rewritten in place is watched);
 * standard input (`-`) cannot be.
 */
export const watch: CommandHandler = async (invocation, runtime) => {
  const interval = intOption(invocation.options.interval, '--interval', DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS, MAX_INTERVAL_MS);
  for (const [source, path] of invocation.query.inputs) {
    if (path === '-') throw new UsageError(`watch reads its inputs again at every reading, and standard input only once: give --input ${source}=FILE`);
  }
  const { filter } = invocation.query;
  // every session is read, the filters choose events: a session leaving --state DL has not closed
  const query = { ...invocation.query, filter: {} };
  const write = writer(invocation.output === 'table' ? 'table' : 'ndjson', nativeContext(invocation, runtime).colorLevel);

  let stop: StopSignal | undefined;
  const nap: Nap = { wake: undefined };
  const unlisten = runtime.onSignal((signal) => {
    stop ??= signal;
    nap.wake?.();
  });
  try {
    let previous: { reading: Reading; sessions: Sessions } | undefined;
    let lastError: string | undefined;
    const warned = new Set<string>();
    for (let first = true; stop === undefined; first = false) {
      const start = runtime.now();
      let reading: Reading | undefined;
      try {
        reading = await readSessions(query, runtime, previous?.reading);
      } catch (err) {
        if (first && !(err instanceof CollectorError)) throw err;
        if (stop !== undefined) break;
        const message = errorMessage(err);
        if (message !== lastError) runtime.stdout.write(write.error(runtime.now(), message));
        lastError = message;
        if (!(await runtime.stdout.drain())) break; // the reader has gone
      }
      // a reading done when a stop signal came is still written: what it saw happened
      if (reading !== undefined) {
        lastError = undefined;
        warn(runtime, reading.warnings.filter((w) => once(warned, w)));
        const sessions = sessionsOf(reading);
        // --no-initial: the first reading is only what later ones compare with
        const quiet = first && invocation.options.initial === false;
        const events = quiet ? [] : sessionEvents(previous?.sessions, sessions).filter((e) => matchesFilter(e.session, filter));
        const at = reading.at;
        if (events.length > 0) runtime.stdout.write(events.map((e) => write.event(at, e)).join(''));
        previous = { reading, sessions };
        // at most one reading's text waits for a slow reader; none is written once the reader has gone
        if (events.length > 0 && !(await runtime.stdout.drain())) break;
      }
      if (stop !== undefined) break;
      const elapsed = runtime.now() - start;
      await pause(Math.min(interval, Math.max(0, interval - elapsed)), runtime, nap, () => stop !== undefined);
    }
  } finally {
    unlisten();
  }
  return 0;
};

/** Whether `warning` is new (then remembered; the oldest forgotten past WARNINGS_KEPT). */
function once(warned: Set<string>, warning: string): boolean {
  if (warned.has(warning)) return false;
  warned.add(warning);
  if (warned.size > WARNINGS_KEPT) warned.delete(warned.values().next().value as string);
  return true;
}

/** The wait under way: a stop signal resolves it at once. */
interface Nap {
  wake: (() => void) | undefined;
}

/**
 * Sleep `ms` in steps of TICK_MS, until a stop signal. Each step is a
 * promise of its own, gone when it is over (racing every step against one
 * promise that lives as long as watch would pile reactions on it: a leak).
 */
async function pause(ms: number, runtime: Runtime, nap: Nap, isStopped: () => boolean): Promise<void> {
  for (let left = ms; left > 0 && !isStopped(); left -= TICK_MS) {
    await new Promise<void>((resolve) => {
      nap.wake = resolve;
      void runtime.sleep(Math.min(left, TICK_MS)).then(resolve);
    });
    nap.wake = undefined;
  }
}

function errorMessage(err: unknown): string {
  const text = err instanceof CliError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

interface Writer {
  event(at: number, event: SessionEvent): string;
  error(at: number, message: string): string;
}

function writer(format: 'table' | 'ndjson', colorLevel: 0 | 1 | 2 | 3): Writer {
  if (format === 'ndjson') {
    return {
      event: (at, { event, session }) => `${JSON.stringify({ event, at: iso(at), session })}\n`,
      error: (at, message) => `${JSON.stringify({ event: 'error', at: iso(at), message })}\n`,
    };
  }
  const chalk = new Chalk({ level: colorLevel });
  const paint: Record<string, (s: string) => string> = {
    opened: chalk.green,
    closed: chalk.red,
    state: chalk.cyan,
    transfer_started: chalk.yellow,
    transfer_finished: chalk.yellow,
    error: chalk.red.bold,
  };
  const name = (event: string) => (paint[event] ?? String)(event.padEnd(17));
  return {
    event: (at, e) => `${human(at)}  ${name(e.event)}  ${terminalSafe(humanRow(e))}\n`,
    error: (at, message) => `${human(at)}  ${name('error')}  ${terminalSafe(message)}\n`,
  };
}

/**
 * The human line: pid, account, login, host, state (`IDLE->DL` for a state
 * event), file (with the bytes moved, for transfer events). `-` for what no
 * source gave.
 */
function humanRow({ event, session: r, before }: SessionEvent): string {
  const state = before === undefined ? r.state : `${before.state}->${r.state}`;
  const moved = (event === 'transfer_finished' || event === 'transfer_started') && r.transferred_bytes !== null ? ` (${bytes(r.transferred_bytes)})` : '';
  return [String(r.pid).padStart(7), (r.account ?? '-').padEnd(12), (r.login ?? '-').padEnd(20), (r.host ?? '-').padEnd(15), state.padEnd(4), `${r.file ?? '-'}${moved}`].join('  ');
}

/** `2026-12-01T12:00:03.120Z` */
function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-12-01 12:00:03` (UTC, as list's CONNECTED) */
function human(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
