import { ApiError, UsageError } from '../errors.js';
import { endSessions } from '../functions/kill-session.js';
import { readSessions } from '../functions/native.js';
import type { NativeRow } from '../model/native.js';
import type { Observation } from '../model/observation.js';
import { renderReport, renderSessions } from '../render/native.js';
import { terminalSafe } from '../render/terminal-safe.js';
import { nativeContext, warn } from './output.js';
import type { CommandHandler } from './table.js';

/**
 * `ftpsessions kill (--pid N | --login NAME | --host ADDR | --all)`: end the
 * matching sessions (of the --user accounts; as an account, its own) with
 * the verified TERM-then-KILL every front shares (functions/kill-session.ts
 * endSessions). On a terminal it lists them and asks, unless --yes;
 * --dry-run only lists. Exit 0 when every matched session is gone; 1 when
 * nothing matched, the question was declined, or a session could not be
 * ended.
 */
export const kill: CommandHandler = async (invocation, runtime) => {
  const { options, query } = invocation;
  const pids = ((options.pid as string[] | undefined) ?? []).map((p) => {
    if (!/^[1-9]\d{0,9}$/.test(p)) throw new UsageError(`kill: --pid takes a process id, not '${p}'`);
    return Number(p);
  });
  const all = options.all === true;
  const selected = pids.length > 0 || query.filter.logins !== undefined || query.filter.hosts !== undefined;
  if (!all && !selected) throw new UsageError('kill: say which sessions: --pid N, --login NAME, --host ADDR or --all');
  if (all && selected) throw new UsageError('kill: --all ends every session: it does not go with --pid, --login or --host');
  if (query.inputs.size > 0) throw new UsageError('kill: acts on the live server: it cannot replay --input captures');
  const dryRun = options.dryRun === true;
  if (!dryRun && options.yes !== true && !runtime.stdin.isTTY) {
    throw new UsageError('kill: standard input is not a terminal to ask on: add --yes to end the sessions (or --dry-run to list them)');
  }

  const reading = await readSessions(query, runtime);
  warn(runtime, reading.warnings);
  const wanted = new Set(pids);
  const matched = reading.rows.filter((r) => wanted.size === 0 || wanted.has(r.pid));
  const format = invocation.output ?? 'json';
  const context = nativeContext(invocation, runtime);
  const report = (ended: number[], gone: number[], notEnded: Array<{ pid: number; reason: string }>) =>
    renderReport({ matched: matched.map((r) => r.pid), ended, gone, not_ended: notEnded, dry_run: dryRun }, format, context);
  if (matched.length === 0) {
    runtime.stdout.write(await report([], [], []));
    throw new ApiError('E_NO_MATCH', 'no session matched: nothing was ended');
  }
  if (dryRun) {
    runtime.stdout.write(format === 'table' ? await renderSessions(matched, 'table', context) : await report([], [], []));
    return 0;
  }
  if (options.yes !== true) {
    runtime.stderr.write(await renderSessions(matched, 'table', { ...context, colorLevel: 0 }));
    const answer = await runtime.readLine(terminalSafe(`End ${describe(matched)}? [y/N] `));
    if (answer === undefined || !/^\s*y(?:es)?\s*$/i.test(answer)) {
      throw new ApiError('E_DECLINED', 'not confirmed: nothing was ended');
    }
  }
  const targets = matched.map((r) => reading.observations.get(r.pid)).filter((o): o is Observation => o !== undefined);
  const { ended, gone, failures } = await endSessions(targets, runtime);
  runtime.stdout.write(await report(ended, gone, failures));
  if (gone.length > 0) warn(runtime, [`not signalled: ${gone.join(', ')} (no longer the session listed: it ended meanwhile, or its pid is another process now)`]);
  if (failures.length > 0) throw new ApiError('E_KILL_FAILED', `not ended: ${failures.map((f) => `${f.pid}: ${f.reason}`).join('; ')}`);
  return 0;
};

/** `3 sessions (pids 1201, 1202, 1203)`, the list cut after ten. */
function describe(rows: readonly NativeRow[]): string {
  const shown = rows.slice(0, 10).map((r) => [r.pid, r.login, r.host && `from ${r.host}`].filter((x) => x !== null && x !== '').join(' '));
  const more = rows.length > 10 ? `, and ${rows.length - 10} more` : '';
  return `${rows.length} session${rows.length === 1 ? '' : 's'} (${shown.join(', ')}${more})`;
}
