import type { CollectorChoice, SourceId } from '../cli/invocation.js';
import { CollectorError } from '../errors.js';
import { type Daemon, mergeObservations, type Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';
import { ProcessVetter, scoreboardOf } from './trust.js';
import type { CollectSettings, Collection, Hints, Source } from './types.js';

/**
 * The registry: which daemon each source speaks for (undefined: every
 * daemon), and its module, loaded only when the source is read.
 */
const SOURCES: Record<SourceId, { serves: Daemon | undefined; load: () => Promise<Source<unknown>> }> = {
  proc: { serves: undefined, load: async () => (await import('./proc/index.js')).source as Source<unknown> },
  ps: { serves: undefined, load: async () => (await import('./ps/index.js')).source as Source<unknown> },
  'pure-ftpwho': { serves: 'pure-ftpd', load: async () => (await import('./pure-ftpwho/index.js')).source as Source<unknown> },
  ftpwho: { serves: 'proftpd', load: async () => (await import('./ftpwho/index.js')).source as Source<unknown> },
};

/**
 * Which sources each --collector reads. `base`: the first of these that can be
 * read sees every daemon's session processes (when `required`, none readable
 * fails the call). `extras`: each daemon's own list, read when its daemon has
 * sessions (or, in a replay, when given), merged by pid.
 */
const PLANS: Record<CollectorChoice, { base: SourceId[]; required: boolean; extras: SourceId[] }> = {
  auto: { base: ['proc', 'ps'], required: false, extras: ['pure-ftpwho', 'ftpwho'] },
  proc: { base: ['proc'], required: true, extras: [] },
  ps: { base: ['ps'], required: true, extras: [] },
  'pure-ftpwho': { base: ['pure-ftpwho'], required: true, extras: [] },
  ftpwho: { base: ['ftpwho'], required: true, extras: [] },
};

/** A daemon's own list knows these better than a process title or /proc does. */
const DAEMON_LIST_KNOWS: (keyof Observation)[] = ['login', 'host', 'file', 'state'];

type Outcome =
  | { ok: true; observations: Observation[]; warnings: string[]; hints: Hints; running: readonly Daemon[] }
  | { ok: false; reason: string };

export async function collect(
  choice: CollectorChoice,
  inputs: ReadonlyMap<SourceId, string>,
  settings: CollectSettings,
  runtime: Runtime,
  { baseOnly = false }: { baseOnly?: boolean } = {},
): Promise<Collection> {
  const plan = baseOnly ? { ...PLANS[choice], extras: [] } : PLANS[choice];
  // As root on the live system, a session is only a process the kernel says
  // is a real daemon's (trust.ts); a replay is the data its caller chose.
  // Anyone else sees only their own uid's processes, so their look-alikes
  // harm no one (TRUST.md).
  const vetter = inputs.size === 0 && runtime.uid === 0 ? new ProcessVetter(runtime) : undefined;
  const masters = new Map<number, number>();
  const vetted = (observations: Observation[]): Observation[] => {
    if (vetter === undefined || observations.length === 0) return observations;
    try {
      runtime.readFileNow('/proc/stat');
    } catch {
      throw new CollectorError(
        'E_COLLECTOR_UNAVAILABLE',
        'as root, each session is checked in /proc (its program and the daemon it descends from), and /proc cannot be read here',
      );
    }
    return observations.filter((o) => {
      const verdict = vetter.vet(o.pid, o.daemon);
      if ('master' in verdict) masters.set(o.pid, verdict.master);
      return 'master' in verdict;
    });
  };
  const running = new Set<Daemon>();
  const unused = new Map<SourceId, { serves: Daemon | undefined; reason: string }>();
  const warnings: string[] = [];
  const hints: Hints = {};
  const used: SourceId[] = [];

  let merged: Observation[] | undefined;
  for (const id of plan.base) {
    const outcome = await read(id, inputs, settings, hints, runtime, plan.required || inputs.has(id));
    if (!outcome.ok) {
      unused.set(id, { serves: SOURCES[id].serves, reason: outcome.reason });
      continue;
    }
    merged = vetted(outcome.observations);
    if (id === 'proc' && inputs.size === 0) merged = await withSizes(merged, runtime, vetter !== undefined);
    for (const d of outcome.running) running.add(d);
    used.push(id);
    warnings.push(...outcome.warnings);
    // what the base source saw of the daemons' files counts only from a vetted master
    if (vetter !== undefined) Object.assign(hints, masterHints(merged, masters, runtime));
    // the other bases see the same processes: one is enough
    for (const other of plan.base) if (other !== id) unused.delete(other);
    break;
  }
  if (merged === undefined && plan.required) {
    const [id, why] = [...unused][0] as [SourceId, { reason: string }];
    throw new CollectorError('E_COLLECTOR_UNAVAILABLE', unused.size === 1 ? why.reason : `${id}: ${why.reason}`);
  }

  const base = merged;
  const extras = await Promise.all(
    plan.extras.map(async (id) => {
      // only for a daemon that has sessions (a replay of this source alone: always)
      if (base !== undefined && !base.some((o) => o.daemon === SOURCES[id].serves)) return undefined;
      return { id, outcome: await read(id, inputs, settings, hints, runtime, inputs.has(id)) };
    }),
  );
  for (const extra of extras) {
    if (extra === undefined) continue;
    const { id, outcome } = extra;
    if (!outcome.ok) {
      unused.set(id, { serves: SOURCES[id].serves, reason: outcome.reason });
      continue;
    }
    used.push(id);
    if (base === undefined) for (const d of outcome.running) running.add(d);
    warnings.push(...outcome.warnings);
    // a daemon's list adds nothing but facts about the base's (vetted) processes
    merged = merged === undefined ? vetted(outcome.observations) : mergeObservations(merged, outcome.observations, DAEMON_LIST_KNOWS);
  }

  if (merged === undefined) {
    throw new CollectorError(
      'E_COLLECTOR_UNAVAILABLE',
      `no session source could be read: ${[...unused].map(([id, u]) => `${id}: ${u.reason}`).join('; ')}`,
    );
  }
  return { observations: merged, used, unused, running, warnings };
}

/**
 * Downloads' file sizes from /proc, after the trust checks: the stat that
 * gives them follows the descriptor into the file system (proc/size.ts), so
 * only for vetted sessions (root) or the caller's own processes.
 */
async function withSizes(observations: Observation[], runtime: Runtime, vettedAll: boolean): Promise<Observation[]> {
  if (!observations.some((o) => o.transferFd !== undefined && o.state === 'DL')) return observations;
  const { withTransferSizes } = await import('./proc/size.js');
  return withTransferSizes(observations, runtime, vettedAll ? () => true : (o) => runtime.uid !== 0 && o.uid === runtime.uid);
}

/**
 * The scoreboard ftpwho should read: the one a vetted ProFTPD master holds
 * open (root's, or the daemon user's, writable by no one else). Never one an
 * unprivileged process names, whatever it calls itself.
 */
function masterHints(observations: readonly Observation[], masters: ReadonlyMap<number, number>, runtime: Runtime): Hints {
  const proftpdMasters = new Set<number>();
  for (const o of observations) if (o.daemon === 'proftpd') proftpdMasters.add(masters.get(o.pid) as number);
  // the daemon's own user: the uid its vetted not-yet-logged-in children run as
  const owners = [0];
  for (const o of observations) if (o.daemon === 'proftpd' && !o.loggedIn && o.uid !== undefined) owners.push(o.uid);
  for (const master of proftpdMasters) {
    const board = scoreboardOf(master, runtime, owners);
    if (board !== undefined) return { proftpdScoreboard: board };
  }
  return {};
}

/**
 * Read one source, live or replayed, and parse it. A source that cannot be had
 * here is an outcome; one that fails is an error when `mustWork` (the user
 * asked for it), else an outcome too, so the others still stand.
 */
async function read(
  id: SourceId,
  inputs: ReadonlyMap<SourceId, string>,
  settings: CollectSettings,
  hints: Hints,
  runtime: Runtime,
  mustWork: boolean,
): Promise<Outcome> {
  const replay = inputs.size > 0;
  const path = inputs.get(id);
  if (replay && path === undefined) return { ok: false, reason: `${id} was not given with --input` };
  try {
    const source = await SOURCES[id].load();
    let raw: unknown;
    if (replay) {
      raw = await source.replay(path as string, runtime, settings);
    } else {
      const live = await source.live({ runtime, settings, hints });
      if (!live.ok) return live;
      raw = live.raw;
    }
    const reading = source.parse(raw, runtime.now());
    if (reading.recognised === 0 && reading.skippedLines.length > 0) {
      throw new CollectorError(
        'E_COLLECTOR_GARBAGE',
        `${replay ? `--input ${source.id}` : source.id} gave nothing that looks like ${source.id} output`,
      );
    }
    const observations =
      !replay && source.enrichLive !== undefined ? await source.enrichLive(reading.observations, runtime) : reading.observations;
    const warnings = reading.skippedLines.length === 0 ? [] : [skippedWarning(source.id, reading.skippedLines)];
    const running = reading.running ?? [...new Set(observations.map((o) => o.daemon))];
    return { ok: true, observations, warnings, hints: reading.hints ?? {}, running };
  } catch (err) {
    if (mustWork || !(err instanceof CollectorError)) throw err;
    return { ok: false, reason: err.message };
  }
}

function skippedWarning(id: SourceId, lines: readonly number[]): string {
  const shown = lines.slice(0, 5).join(', ') + (lines.length > 5 ? `, ... (${lines.length} in all)` : '');
  const what = id === 'ftpwho' ? 'connection' : 'line';
  return `${id}: skipped ${lines.length === 1 ? `a ${what}` : `${lines.length} ${what}s`} that could not be parsed (${what} ${shown})`;
}
