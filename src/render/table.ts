import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { Row } from '../envelope/types.js';
import type { Renderer } from './types.js';

/** Columns people read, in order, with the widest a value may be before it is cut. */
const COLUMNS: Array<{ key: string; head: string; width: number }> = [
  { key: 'pid', head: 'PID', width: 10 },
  { key: 'user', head: 'USER', width: 32 },
  { key: 'host', head: 'HOST', width: 40 },
  { key: 'status', head: 'STATUS', width: 6 },
  { key: 'file', head: 'FILE', width: 60 },
  { key: 'login', head: 'LOGIN', width: 24 },
  { key: 'cmdline', head: 'CMDLINE', width: 40 },
];

/**
 * For people: PID, USER, HOST, STATUS, FILE, LOGIN (the columns the rows
 * have; CMDLINE only when asked for with api.columns_*). Warnings and a
 * failure go to stderr; an empty list is one plain line. Colour (the status
 * only) comes from the level the caller decided; cli-table3's own colours are off.
 */
export const renderTable: Renderer = (envelope, { colorLevel, program }) => {
  const stderr = envelope.warnings.map((w) => `${program}: warning: ${w}`);
  if (envelope.error !== undefined) return { stdout: '', stderr: [...stderr, `${program}: ${envelope.error}`] };
  const style = { head: [] as string[], border: [] as string[], compact: true };
  const chars = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

  if (envelope.rows === undefined) {
    const table = new Table({ style, chars });
    for (const [key, value] of Object.entries(envelope.object ?? {})) {
      table.push({ [key]: cell(typeof value === 'string' ? value : JSON.stringify(value), 80) });
    }
    return { stdout: `${table.toString()}\n`, stderr };
  }
  if (envelope.rows.length === 0) return { stdout: 'no active FTP sessions\n', stderr };

  const chalk = new Chalk({ level: colorLevel });
  const paint: Record<string, (s: string) => string> = { IDLE: chalk.dim, DL: chalk.green, UL: chalk.yellow };
  const present = (key: string) => envelope.rows?.some((r) => key in r) === true;
  const columns = COLUMNS.filter((c) => present(c.key) && (c.key !== 'cmdline' || !present('status')));
  const table = new Table({ head: columns.map((c) => c.head), style, chars });
  for (const row of envelope.rows as readonly Row[]) {
    table.push(
      columns.map(({ key, width }) => {
        const text = cell(String(row[key] ?? ''), width);
        return key === 'status' ? (paint[text]?.(text) ?? text) : text;
      }),
    );
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
