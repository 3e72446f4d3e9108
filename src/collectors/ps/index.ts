import type { Source } from '../types.js';
import { parsePs } from './parse.js';

/** Every process, wide, in the C locale: pid, ppid, euid, user, start time, title. */
export const PS_ARGS = ['-ww', '-eo', 'pid=,ppid=,uid=,user:64=,lstart=,args='] as const;

export const source: Source = {
  id: 'ps',
  command: {
    paths: ['/usr/bin/ps', '/bin/ps'],
    args: PS_ARGS,
    rootOnly: false,
    timeoutMs: 10_000,
  },
  parse: (text) => parsePs(text),
};
