import { withProcessOwners } from '../owners.js';
import { type ProgramSpec, readCapture, runProgram } from '../program.js';
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
  live: async (context) => runProgram(FTPWHO, ['-f', await scoreboard(context), '-o', 'json'], context),
  replay: (path, runtime) => readCapture('ftpwho', path, runtime),
  parse: (text) => parseFtpwho(text),
  enrichLive: withProcessOwners,
};

/**
 * The scoreboard ftpwho must read is the one the running daemon uses: the one
 * given with --proftpd-scoreboard, else the one a running ProFTPD holds open
 * (seen in /proc), else its configuration's ScoreboardFile, else the default.
 */
async function scoreboard({ settings, hints, runtime }: LiveContext): Promise<string> {
  if (settings.proftpdScoreboard !== undefined) return settings.proftpdScoreboard;
  if (hints.proftpdScoreboard !== undefined) return hints.proftpdScoreboard;
  try {
    const conf = await runtime.readFile(CONFIG);
    const path = /^\s*ScoreboardFile\s+"?([^"\s]+)"?\s*$/im.exec(conf)?.[1];
    if (path !== undefined) return path;
  } catch {
    // no configuration here: the compiled-in default
  }
  return DEFAULT_SCOREBOARD;
}
