import { CollectorError } from '../../errors.js';
import { describeIoError } from '../program.js';
import type { Source } from '../types.js';
import { parseProc } from './parse.js';
import { type ProcSnapshot, readProcTree } from './snapshot.js';

/**
 * /proc itself, read in-process: no program is run. Works without root for
 * the caller's own processes (their descriptors give host and file); other
 * users' sessions are still found, with what is world-readable.
 */
export const source: Source<ProcSnapshot> = {
  id: 'proc',
  live: async ({ runtime, settings }) => {
    try {
      return { ok: true, raw: readProcTree('/proc', runtime, settings.descriptorsOf) };
    } catch (err) {
      return { ok: false, reason: `/proc cannot be read (${describeIoError(err)})` };
    }
  },
  replay: async (path, runtime, settings) => {
    if (path === '-') throw new CollectorError('E_COLLECTOR_FAILED', '--input proc= takes a directory, not standard input');
    try {
      return readProcTree(path.replace(/\/+$/, ''), runtime, settings.descriptorsOf);
    } catch (err) {
      throw new CollectorError('E_COLLECTOR_FAILED', `cannot read --input proc=${path}: ${describeIoError(err)}`);
    }
  },
  parse: (snapshot) => parseProc(snapshot),
};
