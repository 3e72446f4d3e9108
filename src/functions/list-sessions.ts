import { collect } from '../collectors/index.js';
import type { Collection } from '../collectors/types.js';
import { loadScope, refuseOverrides, resolveAccount } from '../model/accounts.js';
import { normalise } from '../model/normalise.js';
import type { Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';
import { DEFAULT_SAMPLE_MS, nativeRow, type Reading, sampleRates } from './native.js';
import type { Detail, FunctionHandler } from './types.js';

/**
 * Ftp::list_sessions (UAPI) and Ftp::listftpsessions (API 2): the account's
 * FTP sessions. It takes no arguments; unknown ones are ignored, as cPanel does.
 */
export const listSessions: FunctionHandler = async (invocation, runtime) => {
  refuseOverrides(invocation.overrides, runtime);
  const account = await resolveAccount(invocation.user, runtime);
  const collection = await collect(
    invocation.collector,
    invocation.inputs,
    // --extended: idle times for the daemons that report none, from the control connections (ss)
    { proftpdScoreboard: invocation.proftpdScoreboard, descriptorsOf: account.uid, idleFromTcp: invocation.extended },
    runtime,
  );
  const { scope, warnings: fileWarnings } = await loadScope(account, invocation.accountFiles, collection.observations, runtime);
  const mine = collection.observations.filter(scope);
  const { sessions, warnings } = normalise(mine, account);
  const detail = invocation.extended ? await detailOf(mine, account.name, invocation.inputs.size === 0, runtime) : undefined;
  return {
    data: { kind: 'sessions', sessions, detail },
    warnings: [...collection.warnings, ...fileWarnings, ...gaps(mine, collection), ...warnings],
  };
};

/**
 * --extended: each session's transfer detail, as `ftpsessions list` gives
 * it (functions/native.ts), the rate measured over a second reading of each
 * transfer's byte count on the live system.
 */
async function detailOf(mine: readonly Observation[], account: string, live: boolean, runtime: Runtime): Promise<Map<number, Detail>> {
  const at = runtime.now();
  let reading: Reading = {
    rows: mine.map((o) => nativeRow(o, account, at)),
    at,
    warnings: [],
    observations: new Map(mine.map((o) => [o.pid, o])),
    running: [],
    sources: {},
  };
  if (live) reading = await sampleRates(reading, DEFAULT_SAMPLE_MS, runtime);
  const detail = new Map<number, Detail>();
  for (const { pid, cwd, idle_seconds, percent, rate_bytes_per_second, size_bytes, transferred_bytes } of reading.rows) {
    detail.set(pid, { cwd, idle_seconds, percent, rate_bytes_per_second, size_bytes, transferred_bytes });
  }
  return detail;
}

/**
 * Say which fields of the account's sessions no source could fill, and why:
 * the daemon's own list was not to be had here, or no source knows them.
 */
function gaps(mine: readonly Observation[], collection: Collection): string[] {
  const missing: Array<[string, (o: Observation) => boolean]> = [
    ['FTP login name (user is the system account)', (o) => o.login === undefined && o.daemon === 'pure-ftpd'],
    ['client host', (o) => o.host === undefined],
    ['file name', (o) => o.state !== 'IDLE' && o.file === undefined && o.filePath === undefined],
  ];
  const byWhy = new Map<string, string[]>();
  for (const [what, lacks] of missing) {
    const lacking = mine.filter(lacks);
    if (lacking.length === 0) continue;
    const daemons = new Set(lacking.map((o) => o.daemon));
    const reasons = [...collection.unused.values()]
      .filter((u) => u.serves === undefined || daemons.has(u.serves))
      .map((u) => u.reason);
    const why = reasons.length === 0 ? `${collection.used.join(' and ')} cannot tell` : reasons.join('; ');
    byWhy.set(why, [...(byWhy.get(why) ?? []), `${what} for ${lacking.length} session${lacking.length === 1 ? '' : 's'}`]);
  }
  return [...byWhy].map(([why, fields]) => `No ${fields.join(', no ')}: ${why}.`);
}
