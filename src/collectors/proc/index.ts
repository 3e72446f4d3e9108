import { CollectorError } from '../../errors.js';
import { describeIoError } from '../program.js';
import type { Source } from '../types.js';
import { parseProc } from './parse.js';
import { type ProcSnapshot, readProcTree } from './snapshot.js';
import { readTcpInfo } from './tcpinfo.js';

/**
 * /proc itself, read in-process: no program is run. Works without root for
 * the caller's own processes (their descriptors give host and file); other
 * users' sessions are still found, with what is world-readable.
 */
export const source: Source<ProcSnapshot> = {
  id: 'proc',
  live: async (context) => {
    const { runtime, settings } = context;
    let snapshot: ProcSnapshot;
    try {
      snapshot = readProcTree('/proc', runtime, settings.descriptorsOf);
    } catch (err) {
      return { ok: false, reason: `/proc cannot be read (${describeIoError(err)})` };
    }
    // idle times for the daemons that report none: one run of ss, only when asked and a session's sockets were read
    if (settings.idleFromTcp === true && snapshot.processes.some((p) => p.comm !== 'proftpd' && p.fds?.some((f) => f.target.startsWith('socket:')))) {
      const tcpInfo = await readTcpInfo(context);
      if (tcpInfo !== undefined) snapshot = { ...snapshot, tcpInfo };
    }
    return { ok: true, raw: snapshot };
  },
  replay: async (path, runtime, settings) => {
    if (path === '-') throw new CollectorError('E_COLLECTOR_FAILED', '--input proc= takes a directory, not standard input');
    try {
      const dir = path.replace(/\/+$/, '');
      // a capture is files anyone may have put there, not the kernel's: no FIFO, device or huge file is read
      const snapshot = readProcTree(dir, runtime, settings.descriptorsOf, { untrusted: true });
      // a capture may hold what ss said then (TCP_INFO_CAPTURE), for the idle times
      const tcpInfo = optional(() => runtime.readFileNow(`${dir}/${TCP_INFO_CAPTURE}`, { untrusted: true }));
      return tcpInfo === undefined ? snapshot : { ...snapshot, tcpInfo };
    } catch (err) {
      throw new CollectorError('E_COLLECTOR_FAILED', `cannot read --input proc=${path}: ${describeIoError(err)}`);
    }
  },
  parse: (snapshot, now) => parseProc(snapshot, now),
};

/** The file of a /proc capture that holds `ss -tineH state established` (tcpinfo.ts), taken with it. */
export const TCP_INFO_CAPTURE = 'ss-tinHe.txt';

function optional(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
