import type { Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';

/**
 * A daemon's own session list does not say which uid a session runs as;
 * /proc does (world-readable). A session whose process is gone by now is dropped.
 */
export async function withProcessOwners(observations: Observation[], runtime: Runtime): Promise<Observation[]> {
  // synchronous reads, as for the proc source: a promise per tiny /proc file costs more than the file
  const owned: Observation[] = [];
  for (const o of observations) {
    let status: string;
    try {
      status = runtime.readFileNow(`/proc/${o.pid}/status`);
    } catch {
      continue;
    }
    const uid = /(?:^|\n)Uid:[\t ]+\d+[\t ]+(\d+)/.exec(status)?.[1];
    if (uid !== undefined) owned.push({ ...o, uid: Number(uid) });
  }
  return owned;
}
