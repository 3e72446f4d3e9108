import { type ProgramSpec, readCapture, runProgram } from '../program.js';
import type { Source } from '../types.js';
import { parsePs } from './parse.js';

/** Every process, wide: pid, ppid, euid, user, start time (local), title. */
export const PS_ARGS = ['-ww', '-eo', 'pid=,ppid=,uid=,user:64=,lstart=,args='] as const;
const PS: ProgramSpec = { name: 'ps', paths: ['/usr/bin/ps', '/bin/ps'], rootOnly: false, timeoutMs: 10_000, locale: 'C.UTF-8' };

export const source: Source = {
  id: 'ps',
  live: (context) => runProgram(PS, PS_ARGS, context),
  replay: (path, runtime) => readCapture('ps', path, runtime),
  parse: (text) => parsePs(text),
};
