import { Chalk } from 'chalk';
import { eastAsianWidth } from 'get-east-asian-width';
import type { Row } from '../envelope/types.js';
import type { Renderer } from './types.js';

/**
 * Columns people read, in order: the widest a value may be before it is cut,
 * the narrowest a terminal may make it, and in which round it gives way to a
 * narrow terminal (FILE and HOST first; PID and STATUS never).
 */
const COLUMNS: ReadonlyArray<{ key: string; head: string; width: number; min: number; round: number }> = [
  { key: 'pid', head: 'PID', width: 10, min: 10, round: 0 },
  { key: 'user', head: 'USER', width: 32, min: 8, round: 2 },
  { key: 'host', head: 'HOST', width: 40, min: 10, round: 1 },
  { key: 'status', head: 'STATUS', width: 6, min: 6, round: 0 },
  { key: 'file', head: 'FILE', width: 60, min: 12, round: 1 },
  { key: 'login', head: 'LOGIN', width: 24, min: 12, round: 3 },
  { key: 'cmdline', head: 'CMDLINE', width: 40, min: 12, round: 2 },
];
const ROUNDS = [1, 2, 3];
/** The object (key/value) table: its value column gives way first. */
const VALUE = { width: 80, min: 12 };

const BOX = {
  unicode: { top: ['┌', '─', '┬', '┐'], bottom: ['└', '─', '┴', '┘'], side: '│', cut: '…' },
  ascii: { top: ['+', '-', '+', '+'], bottom: ['+', '-', '+', '+'], side: '|', cut: '...' },
} as const;
type Box = (typeof BOX)[keyof typeof BOX];

/**
 * For people: PID, USER, HOST, STATUS, FILE, LOGIN (the columns the rows
 * have; CMDLINE only when asked for with api.columns_*). Warnings and a
 * failure go to stderr; an empty list is one plain line. Colour (the status
 * only) comes from the level the caller decided.
 *
 * Laid out here, in one pass over the rows (cli-table3's layout is quadratic
 * in the rows). The table fits `columns` when it is known: FILE and HOST
 * narrow first, then USER and CMDLINE, then LOGIN, none below its minimum
 * (a terminal narrower than that gets a wider table). Widths are display
 * widths: East Asian wide characters count 2, combining marks 0. With
 * `unicode` false the borders are `+ - |` and the cut marker `...`.
 */
export const renderTable: Renderer = (envelope, { colorLevel, program, columns, unicode }) => {
  const stderr = envelope.warnings.map((w) => `${program}: warning: ${w}`);
  if (envelope.error !== undefined) return { stdout: '', stderr: [...stderr, `${program}: ${envelope.error}`] };
  if (envelope.rows === undefined) {
    const box = unicode === false ? BOX.ascii : BOX.unicode;
    const entries = Object.entries(envelope.object ?? {});
    if (entries.length === 0) return { stdout: '\n', stderr };
    const rows = entries.map(([key, value]) => [measured(key), measured(typeof value === 'string' ? value : String(JSON.stringify(value)))]);
    const keyWidth = widest(rows, 0);
    const valueWidth = Math.min(VALUE.width, widest(rows, 1));
    const widths = fit([keyWidth, valueWidth], [keyWidth, Math.min(valueWidth, VALUE.min)], [0, 1], [1], columns);
    return { stdout: draw(rows, widths, box, undefined), stderr };
  }
  if (envelope.rows.length === 0) return { stdout: 'no active FTP sessions\n', stderr };

  const list = envelope.rows as readonly Row[];
  const present = (key: string) => list.some((r) => key in r);
  const shown = COLUMNS.filter((c) => present(c.key) && (c.key !== 'cmdline' || !present('status')));
  const cells = list.map((row) => shown.map(({ key }) => String(row[key] ?? '')));
  return { stdout: tableText(shown, cells, { colorLevel, columns, unicode, paintColumn: shown.findIndex((c) => c.key === 'status') }), stderr };
};

/** A column of a table: its head, the widest a value may be before it is cut, the narrowest it may get, its round (below). */
export interface ColumnSpec {
  readonly head: string;
  readonly width: number;
  readonly min: number;
  /** in which round it gives way to a narrow terminal (0: never) */
  readonly round: number;
}

/**
 * A boxed table of `cells` under the heads of `spec`, fitting `columns`
 * when given (round 1 narrows first, then 2, then 3; none below its
 * minimum). The cells of `paintColumn` are coloured by state (IDLE dim, DL
 * green, UL yellow) at the colour level given.
 */
export function tableText(
  spec: readonly ColumnSpec[],
  cellText: readonly (readonly string[])[],
  { colorLevel, columns, unicode, paintColumn = -1 }: { colorLevel: 0 | 1 | 2 | 3; columns?: number | undefined; unicode?: boolean | undefined; paintColumn?: number },
): string {
  const box = unicode === false ? BOX.ascii : BOX.unicode;
  const head = spec.map((c) => measured(c.head));
  const rows = cellText.map((row) => row.map(measured));
  const natural = spec.map((c, i) => Math.min(c.width, Math.max(head[i]?.width ?? 0, widest(rows, i))));
  const widths = fit(
    natural,
    spec.map((c, i) => Math.min(natural[i] ?? 0, Math.max(c.min, head[i]?.width ?? 0))),
    spec.map((c) => c.round),
    ROUNDS,
    columns,
  );
  const chalk = new Chalk({ level: colorLevel });
  const paint: Record<string, (s: string) => string> = { IDLE: chalk.dim, DL: chalk.green, UL: chalk.yellow, AUTH: chalk.magenta };
  const style = (text: string, column: number) => (column === paintColumn ? (paint[text]?.(text) ?? text) : text);
  return draw([head, ...rows], widths, box, style);
}

/** The widest cell of a column (a loop: no spreading of 100,000 arguments). */
function widest(rows: readonly (readonly Cell[])[], column: number): number {
  let max = 0;
  for (const row of rows) max = Math.max(max, row[column]?.width ?? 0);
  return max;
}

/**
 * Column widths that fit `columns` (when known): each round in turn narrows
 * its widest column by one until the table fits or the round's columns are at
 * their minimums.
 */
function fit(natural: readonly number[], min: readonly number[], round: readonly number[], rounds: readonly number[], columns: number | undefined): number[] {
  const widths = [...natural];
  if (columns === undefined) return widths;
  let excess = widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1 - columns;
  for (const r of rounds) {
    while (excess > 0) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (round[i] === r && (widths[i] ?? 0) > (min[i] ?? 0) && (widest === -1 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
      }
      if (widest === -1) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
      excess--;
    }
  }
  return widths;
}

function draw(rows: readonly (readonly Cell[])[], widths: readonly number[], box: Box, style: ((text: string, column: number) => string) | undefined): string {
  const rule = ([left, line, cross, right]: readonly string[]) => `${left}${widths.map((w) => (line as string).repeat(w + 2)).join(cross)}${right}`;
  const pad = Array.from({ length: Math.max(0, ...widths) + 1 }, (_, n) => ' '.repeat(n));
  const open = `${box.side} `;
  const between = ` ${box.side} `;
  const close = ` ${box.side}`;
  const lines = [rule(box.top)];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly Cell[];
    let line = open;
    for (let i = 0; i < widths.length; i++) {
      const w = widths[i] as number;
      const { text, width } = cut(row[i] ?? EMPTY, w, box.cut);
      // the header is never styled
      line += (i === 0 ? '' : between) + (style !== undefined && r > 0 ? style(text, i) : text) + pad[w - width];
    }
    lines.push(line + close);
  }
  lines.push(rule(box.bottom));
  return `${lines.join('\n')}\n`;
}

interface Cell {
  readonly text: string;
  readonly width: number;
  /** printable ASCII only: one column per UTF-16 unit */
  readonly ascii: boolean;
}
const EMPTY: Cell = { text: '', width: 0, ascii: true };

/**
 * Characters that would move the cursor, change the terminal's state, reorder
 * the line or hide text: C0, DEL and C1 controls, format characters (bidi
 * controls, zero-width spaces, U+FEFF), U+2028/2029, lone surrogates. Shown
 * as `?`; the machine formats keep them.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;
/** Zero columns: combining marks, and Hangul vowels and finals that join the syllable before them. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u1160-\u11FF\uD7B0-\uD7FF]$/u;

function measured(raw: string): Cell {
  if (PRINTABLE_ASCII.test(raw)) return { text: raw, width: raw.length, ascii: true };
  const text = raw.replace(UNSAFE, '?');
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return { text, width, ascii: false };
}

function charWidth(ch: string): 0 | 1 | 2 {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x300) return 1; // Latin-1 and the letters before the combining marks (controls are gone by now)
  if (ZERO_WIDTH.test(ch)) return 0;
  return eastAsianWidth(code, { ambiguousAsWide: false });
}

/** A cell at most `width` columns wide: a longer one keeps its end behind the cut marker (the end of a path names the file). */
function cut(cell: Cell, width: number, marker: string): Cell {
  if (cell.width <= width) return cell;
  const room = width - marker.length;
  if (room <= 0) return { text: marker.slice(0, width), width: Math.min(width, marker.length), ascii: true };
  const { text } = cell;
  if (cell.ascii) return { text: marker + text.slice(text.length - room), width: width, ascii: false };
  // walk back from the end, a code point at a time, while the characters fit
  let used = 0;
  let start = text.length;
  while (start > 0) {
    const low = text.charCodeAt(start - 1);
    const size = low >= 0xdc00 && low <= 0xdfff && start > 1 ? 2 : 1;
    const w = charWidth(text.slice(start - size, start));
    if (used + w > room) break;
    used += w;
    start -= size;
  }
  // a combining mark without its base would join the marker
  while (start < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(start) ?? 0);
    if (charWidth(ch) !== 0) break;
    start += ch.length;
  }
  return { text: marker + text.slice(start), width: marker.length + used, ascii: false };
}

/**
 * One cell for a screen that lays itself out (top): `text` made safe for
 * the terminal (controls, bidi and format characters shown as `?`), cut
 * from the left to at most `width` columns behind the cut marker, and padded
 * with spaces to exactly `width` columns (`align` right pads on the left).
 */
export function cell(text: string, width: number, { unicode = true, align = 'left' }: { unicode?: boolean; align?: 'left' | 'right' } = {}): string {
  if (width <= 0) return '';
  const fitted = cut(measured(text), width, unicode ? BOX.unicode.cut : BOX.ascii.cut);
  const pad = ' '.repeat(Math.max(0, width - fitted.width));
  return align === 'right' ? pad + fitted.text : fitted.text + pad;
}

/** The number of terminal columns `text` takes once made safe (East Asian wide characters count 2). */
export function displayWidth(text: string): number {
  return measured(text).width;
}
