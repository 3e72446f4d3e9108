import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { Session } from '../model/session.js';
import type { Renderer } from './types.js';

/**
 * For people: PID, USER, HOST, STATUS, FILE, LOGIN. Warnings and a failure
 * go to stderr; an empty list is one plain line. Colour (the status only)
 * comes from the level the caller decided; cli-table3's own colours are off.
 */
export const renderTable: Renderer = (envelope, { colorLevel, program }) => {
  const stderr = envelope.warnings.map((w) => `${program}: warning: ${w}`);
  if (envelope.error !== undefined) return { stdout: '', stderr: [...stderr, `${program}: ${envelope.error}`] };
  if (envelope.sessions.length === 0) return { stdout: 'no active FTP sessions\n', stderr };

  const chalk = new Chalk({ level: colorLevel });
  const paint: Record<Session['status'], (s: string) => string> = {
    IDLE: chalk.dim,
    DL: chalk.green,
    UL: chalk.yellow,
  };
  const table = new Table({
    head: ['PID', 'USER', 'HOST', 'STATUS', 'FILE', 'LOGIN'],
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const s of envelope.sessions) {
    table.push([
      String(s.pid),
      cell(s.user, 32),
      cell(s.host, 40),
      paint[s.status](s.status),
      cell(s.file, 60),
      s.login,
    ]);
  }
  return { stdout: `${table.toString()}\n`, stderr };
};

/**
 * A cell people can read: control characters (which would move the cursor)
 * shown as `?`, and a long value cut to its last `width` characters behind
 * `…` (the end of a path names the file). The machine formats keep it whole.
 */
function cell(text: string, width: number): string {
  const chars = [...text.replace(/[\u0000-\u001F\u007F-\u009F]/g, '?')];
  return chars.length <= width ? chars.join('') : `…${chars.slice(chars.length - width + 1).join('')}`;
}
