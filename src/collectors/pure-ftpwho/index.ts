import type { Observation } from '../../model/observation.js';
import type { Runtime } from '../../runtime.js';
import type { Source } from '../types.js';
import { parsePureFtpwho } from './parse.js';

/**
 * `-s`: the line format meant for scripts. `-H`: numeric hosts, so a slow or
 * unreachable resolver can never stall the listing (the address is the truth;
 * a name would be looked up again on every call).
 */
export const PURE_FTPWHO_ARGS = ['-s', '-H'] as const;

export const source: Source = {
  id: 'pure-ftpwho',
  command: {
    paths: ['/usr/sbin/pure-ftpwho', '/usr/bin/pure-ftpwho', '/usr/local/sbin/pure-ftpwho'],
    args: PURE_FTPWHO_ARGS,
    rootOnly: true,
    timeoutMs: 10_000,
  },
  parse: parsePureFtpwho,
  enrichLive: withProcessOwners,
};

/**
 * pure-ftpwho does not say which uid a session runs as; /proc does. A session
 * whose process is gone by now is dropped.
 */
async function withProcessOwners(observations: Observation[], runtime: Runtime): Promise<Observation[]> {
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
