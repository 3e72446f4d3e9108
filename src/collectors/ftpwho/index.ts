import { CollectorError } from '../../errors.js';
import { withProcessOwners } from '../owners.js';
import { describeIoError, type ProgramSpec, readCapture, runProgram } from '../program.js';
import { isRegular, kindOf, trustedFile } from '../../model/files.js';
import type { LiveContext, Source } from '../types.js';
import { parseFtpwho } from './parse.js';

const FTPWHO: ProgramSpec = {
  name: 'ftpwho',
  paths: ['/usr/bin/ftpwho', '/usr/local/bin/ftpwho', '/usr/sbin/ftpwho'],
  rootOnly: false, // the scoreboard is world-readable
  timeoutMs: 10_000,
};
const CONFIG = '/etc/proftpd/proftpd.conf';
const DEFAULT_SCOREBOARD = '/run/proftpd.scoreboard';

export const source: Source = {
  id: 'ftpwho',
  serves: 'proftpd',
  live: async (context) => {
    // not installed says more than a missing scoreboard: ask in that order
    const installed = (await Promise.all(FTPWHO.paths.map((p) => context.runtime.isExecutable(p)))).some(Boolean);
    return runProgram(FTPWHO, ['-f', installed ? scoreboard(context) : '', '-o', 'json'], context);
  },
  replay: (path, runtime) => readCapture('ftpwho', path, runtime),
  parse: (text) => parseFtpwho(text),
  enrichLive: withProcessOwners,
};

/**
 * The scoreboard ftpwho must read is the one the running daemon uses: the one
 * root gave with --proftpd-scoreboard, else the one a vetted ProFTPD master
 * holds open (collectors/index.ts), else the ScoreboardFile of a
 * configuration only root may write, else the compiled-in default. Never a
 * file an unprivileged process names; never anything but a regular file
 * (a FIFO would make ftpwho wait).
 */
function scoreboard({ settings, hints, runtime }: LiveContext): string {
  const path = settings.proftpdScoreboard ?? hints.proftpdScoreboard ?? configured(runtime) ?? DEFAULT_SCOREBOARD;
  let facts;
  try {
    facts = runtime.statNow(path);
  } catch (err) {
    throw new CollectorError('E_COLLECTOR_FAILED', `cannot read ProFTPD's scoreboard ${path}: ${describeIoError(err)}`);
  }
  if (!isRegular(facts)) throw new CollectorError('E_COLLECTOR_FAILED', `ProFTPD's scoreboard ${path}: ${kindOf(facts.mode)}, not a file`);
  return path;
}

function configured(runtime: LiveContext['runtime']): string | undefined {
  try {
    if (!trustedFile(runtime.statNow(CONFIG))) return undefined;
    const conf = runtime.readFileNow(CONFIG);
    return /^[ \t]*ScoreboardFile[ \t]+"?([^"\s]+)"?[ \t]*$/im.exec(conf)?.[1];
  } catch {
    return undefined; // no configuration here: the compiled-in default
  }
}
