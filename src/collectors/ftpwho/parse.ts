import { type Observation, stateOfCommand } from '../../model/observation.js';
import type { SourceReading } from '../types.js';

/**
 * `ftpwho -o json` (ProFTPD 1.3.6+): `{"server": {...}, "connections": [...]}`,
 * one object per session process (ftp-servers.md §3.2). A session that has not
 * logged in has `authenticating: true` and no `user`. Its quirks
 * (`transfer_completed` a string, `transfer_duration_ms` 1000 times too big)
 * are in fields we do not read.
 */
interface Connection {
  pid?: unknown;
  connected_since_ms?: unknown;
  remote_address?: unknown;
  user?: unknown;
  authenticating?: unknown;
  command?: unknown;
  command_args?: unknown;
}

export function parseFtpwho(text: string): SourceReading {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return garbage(text);
  }
  const connections = (doc as { connections?: unknown } | null)?.connections;
  if (!Array.isArray(connections)) return garbage(text);

  const observations: Observation[] = [];
  const skippedLines: number[] = [];
  connections.forEach((raw: unknown, i) => {
    const c = (raw ?? {}) as Connection;
    if (!Number.isSafeInteger(c.pid) || (c.pid as number) <= 0) {
      skippedLines.push(i + 1);
      return;
    }
    const loggedIn = typeof c.user === 'string' && c.user !== '' && c.authenticating !== true;
    const state = typeof c.command === 'string' ? stateOfCommand(c.command) : 'IDLE';
    observations.push({
      pid: c.pid as number,
      daemon: 'proftpd',
      loggedIn,
      state,
      ...(loggedIn ? { login: c.user as string } : {}),
      ...(typeof c.remote_address === 'string' && c.remote_address !== '' ? { host: c.remote_address } : {}),
      ...(state !== 'IDLE' && typeof c.command_args === 'string' ? { file: c.command_args } : {}),
      // any number, in range or not (1e400 reads as Infinity): normalise keeps only a valid time, and says so
      ...(typeof c.connected_since_ms === 'number' ? { startedAt: c.connected_since_ms } : {}),
    });
  });
  // `skippedLines` here counts connections (1-based) that made no sense
  return { observations, recognised: 1 + connections.length - skippedLines.length, skippedLines };
}

function garbage(text: string): SourceReading {
  // empty means JSON's white space only (not U+2028 and the like, which `trim` would eat)
  return { observations: [], recognised: 0, skippedLines: /^[ \t\r\n]*$/.test(text) ? [] : [1] };
}
