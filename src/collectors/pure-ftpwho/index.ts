import { withProcessOwners } from '../owners.js';
import { type ProgramSpec, readCapture, runProgram } from '../program.js';
import type { Source } from '../types.js';
import { parsePureFtpwho } from './parse.js';

/**
 * `-s`: the line format meant for scripts. `-H`: numeric hosts, so a slow or
 * unreachable resolver can never stall the listing.
 */
export const PURE_FTPWHO_ARGS = ['-s', '-H'] as const;
const PURE_FTPWHO: ProgramSpec = {
  name: 'pure-ftpwho',
  paths: ['/usr/sbin/pure-ftpwho', '/usr/bin/pure-ftpwho', '/usr/local/sbin/pure-ftpwho'],
  rootOnly: true,
  timeoutMs: 10_000,
};

export const source: Source = {
  id: 'pure-ftpwho',
  serves: 'pure-ftpd',
  live: (context) => runProgram(PURE_FTPWHO, PURE_FTPWHO_ARGS, context),
  replay: (path, runtime) => readCapture('pure-ftpwho', path, runtime),
  parse: parsePureFtpwho,
  enrichLive: withProcessOwners,
};
