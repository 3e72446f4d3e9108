import type { Observation } from '../model/observation.js';
import type { Runtime } from '../runtime.js';

/**
 * A daemon's own session list does not say which uid a session runs as;
 * /proc does (world-readable). A session whose process is gone by now is dropped.
 */
export async function withProcessOwners(observations: Observation[], runtime: Runtime): Promise<Observation[]> {
  const owned = await Promise.all(
    observations.map(async (o): Promise<Observation | undefined> => {
      try {
        const status = await runtime.readFile(`/proc/${o.pid}/status`);
        const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1];
        return uid === undefined ? undefined : { ...o, uid: Number(uid) };
      } catch {
        return undefined;
      }
    }),
  );
  return owned.filter((o): o is Observation => o !== undefined);
}
