import type { CollectorChoice, SourceId } from '../cli/invocation.js';
import { CollectorError } from '../errors.js';
import { mergeObservations, type Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';
import type { Collection, Source } from './types.js';

/** The registry: each source is loaded only when it is used. */
const SOURCES: Record<SourceId, () => Promise<Source>> = {
  ps: async () => (await import('./ps/index.js')).source,
  'pure-ftpwho': async () => (await import('./pure-ftpwho/index.js')).source,
};

/** Which sources each --collector uses: required ones fail the call, optional ones add a warning. */
const PLANS: Record<CollectorChoice, { required: SourceId[]; optional: SourceId[] }> = {
  ps: { required: ['ps'], optional: [] },
  'pure-ftpwho': { required: ['pure-ftpwho'], optional: [] },
  // ps sees every daemon's sessions and their owners; pure-ftpwho adds pure-ftpd's
  // login names, hosts and files. Without ps (a replay of pure-ftpwho alone) it stands alone.
  auto: { required: [], optional: ['ps', 'pure-ftpwho'] },
};

/** pure-ftpwho knows these better than a process title does. */
const PURE_FTPWHO_KNOWS: (keyof Observation)[] = ['login', 'host', 'file', 'state'];

const ENV = { LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

type Outcome = { ok: true; observations: Observation[]; warnings: string[] } | { ok: false; reason: string };

export async function collect(
  choice: CollectorChoice,
  inputs: ReadonlyMap<SourceId, string>,
  runtime: Runtime,
): Promise<Collection> {
  const plan = PLANS[choice];
  const results = new Map<SourceId, Outcome>();
  // Sources are independent: read them concurrently.
  await Promise.all(
    [...plan.required, ...plan.optional].map(async (id) => {
      try {
        results.set(id, await readSource(await SOURCES[id](), inputs, runtime));
      } catch (err) {
        // A live optional source that fails leaves the others standing; a replayed
        // capture the user named, or a required source, fails the call.
        if (inputs.size > 0 || plan.required.includes(id) || !(err instanceof CollectorError)) throw err;
        results.set(id, { ok: false, reason: err.message });
      }
    }),
  );

  const warnings: string[] = [];
  const unused = new Map<SourceId, string>();
  let merged: Observation[] | undefined;
  for (const id of [...plan.required, ...plan.optional]) {
    const outcome = results.get(id) as Outcome;
    if (!outcome.ok) {
      if (plan.required.includes(id)) throw new CollectorError('E_COLLECTOR_UNAVAILABLE', outcome.reason);
      unused.set(id, outcome.reason);
      continue;
    }
    warnings.push(...outcome.warnings);
    merged =
      merged === undefined ? outcome.observations : mergeObservations(merged, outcome.observations, PURE_FTPWHO_KNOWS);
  }
  if (merged === undefined) {
    throw new CollectorError(
      'E_COLLECTOR_UNAVAILABLE',
      `no session source could be read: ${[...unused].map(([id, why]) => `${id}: ${why}`).join('; ')}`,
    );
  }
  return { observations: merged, unused, warnings };
}

async function readSource(source: Source, inputs: ReadonlyMap<SourceId, string>, runtime: Runtime): Promise<Outcome> {
  const replay = inputs.size > 0;
  let text: string;
  if (replay) {
    const file = inputs.get(source.id);
    if (file === undefined) return { ok: false, reason: `${source.id} was not given with --input` };
    try {
      text = file === '-' ? await runtime.readStdin() : await runtime.readFile(file);
    } catch (err) {
      throw new CollectorError('E_COLLECTOR_FAILED', `cannot read --input ${source.id}=${file}: ${describeIoError(err)}`);
    }
  } else {
    const live = await runLive(source, runtime);
    if (!live.ok) return live;
    text = live.text;
  }

  const reading = source.parse(text, runtime.now());
  if (reading.recognised === 0 && reading.skippedLines.length > 0) {
    const what = replay ? `--input ${source.id}` : source.id;
    throw new CollectorError('E_COLLECTOR_GARBAGE', `${what} printed nothing that looks like ${source.id} output`);
  }
  const warnings = reading.skippedLines.length === 0 ? [] : [skippedWarning(source.id, reading.skippedLines)];
  const observations =
    !replay && source.enrichLive !== undefined
      ? await source.enrichLive(reading.observations, runtime)
      : reading.observations;
  return { ok: true, observations, warnings };
}

async function runLive(source: Source, runtime: Runtime): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const { paths, args, rootOnly, timeoutMs } = source.command;
  if (rootOnly && runtime.uid !== 0) return { ok: false, reason: `${source.id} needs root` };
  let path: string | undefined;
  for (const candidate of paths) {
    if (await runtime.isExecutable(candidate)) {
      path = candidate;
      break;
    }
  }
  if (path === undefined) return { ok: false, reason: `${source.id} is not installed (looked for ${paths.join(', ')})` };
  // ps prints start times in its local zone and we read them back in ours: the same zone.
  const env = runtime.env.TZ === undefined ? ENV : { ...ENV, TZ: runtime.env.TZ };
  const result = await runtime.exec(path, args, { timeoutMs, env });
  if (result.spawnError !== undefined) throw new CollectorError('E_COLLECTOR_FAILED', `cannot run ${path}: ${result.spawnError}`);
  if (result.timedOut) throw new CollectorError('E_COLLECTOR_FAILED', `${path} did not answer within ${timeoutMs / 1000} s`);
  if (result.exitCode !== 0) {
    const said = firstLine(result.stderr) || firstLine(result.stdout);
    const how = result.exitCode === null ? 'was killed' : `exited with status ${result.exitCode}`;
    throw new CollectorError('E_COLLECTOR_FAILED', `${path} ${how}${said === '' ? '' : `: ${said}`}`);
  }
  return { ok: true, text: result.stdout };
}

function skippedWarning(id: SourceId, lines: readonly number[]): string {
  const shown = lines.slice(0, 5).join(', ') + (lines.length > 5 ? `, ... (${lines.length} in all)` : '');
  return `${id}: skipped ${lines.length === 1 ? 'a line' : `${lines.length} lines`} that could not be parsed (line ${shown})`;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 200);
}

function describeIoError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.code ?? (err instanceof Error ? err.message : String(err));
}
