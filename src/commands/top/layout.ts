import type { Reading } from '../../functions/native.js';
import type { NativeKey, NativeRow } from '../../model/native.js';
import type { Daemon } from '../../model/observation.js';
import { bytes, duration, progress } from '../../render/native.js';
import { cell, displayWidth } from '../../render/table.js';

/**
 * The columns of top's table, in order. `rank`: how much the column matters
 * when the terminal is narrow (the highest rank is dropped first; 0 never);
 * `min`..`max`: its width in columns; `letter`: the key that sorts by it;
 * `key` and `invert`: the native key it sorts by (TIME, the time since the
 * client connected, sorts the other way round from connected_at).
 */
export interface Column {
  readonly head: string;
  readonly key: NativeKey;
  readonly invert?: boolean;
  readonly letter: string;
  readonly align: 'left' | 'right';
  readonly min: number;
  readonly max: number;
  readonly rank: number;
  readonly value: (row: NativeRow, now: number) => string;
}

export const COLUMNS: readonly Column[] = [
  { head: 'PID', key: 'pid', letter: 'P', align: 'right', min: 5, max: 10, rank: 0, value: (r) => String(r.pid) },
  { head: 'ACCOUNT', key: 'account', letter: 'A', align: 'left', min: 8, max: 20, rank: 5, value: (r) => r.account ?? '-' },
  { head: 'LOGIN', key: 'login', letter: 'L', align: 'left', min: 8, max: 28, rank: 1, value: (r) => r.login ?? '-' },
  { head: 'HOST', key: 'host', letter: 'H', align: 'left', min: 9, max: 39, rank: 4, value: (r) => r.host ?? '-' },
  { head: 'DAEMON', key: 'daemon', letter: 'D', align: 'left', min: 9, max: 9, rank: 9, value: (r) => r.daemon },
  { head: 'S', key: 'state', letter: 'S', align: 'left', min: 4, max: 4, rank: 0, value: (r) => r.state },
  { head: 'TIME', key: 'connected_at', invert: true, letter: 'T', align: 'right', min: 5, max: 8, rank: 8, value: connectedFor },
  { head: 'IDLE', key: 'idle_seconds', letter: 'I', align: 'right', min: 5, max: 7, rank: 7, value: (r) => (r.idle_seconds === null ? '-' : duration(r.idle_seconds)) },
  { head: 'DONE', key: 'transferred_bytes', letter: 'B', align: 'right', min: 12, max: 21, rank: 6, value: progress },
  { head: 'RATE', key: 'rate_bytes_per_second', letter: 'R', align: 'right', min: 11, max: 12, rank: 3, value: (r) => (r.rate_bytes_per_second === null ? '-' : `${bytes(r.rate_bytes_per_second)}/s`) },
  { head: 'FILE', key: 'file', letter: 'F', align: 'left', min: 16, max: Number.POSITIVE_INFINITY, rank: 2, value: (r) => r.file ?? '' },
];

function connectedFor(r: NativeRow, now: number): string {
  if (r.connected_at === null) return '-';
  const since = Date.parse(r.connected_at);
  return Number.isFinite(since) && since <= now ? duration((now - since) / 1000) : '-';
}

/** The sort the screen shows: a column (by index in COLUMNS) and a direction; `keys` for sortRows. */
export interface SortOrder {
  readonly column: number;
  readonly descending: boolean;
}

/** sortRows' keys for a sort order: the column's key (`-key` descending, TIME the other way). */
export function sortKeys(order: SortOrder): string[] {
  const c = COLUMNS[order.column] as Column;
  return [order.descending !== (c.invert === true) ? `-${c.key}` : c.key];
}

/** The sort order --sort starts with: its first key's column (account when not given), the direction it says. */
export function initialOrder(sort: readonly string[]): SortOrder {
  const first = sort[0] ?? 'account';
  const key = first.replace(/^-/, '');
  const index = COLUMNS.findIndex((c) => c.key === key);
  if (index === -1) return { column: 1, descending: false };
  const c = COLUMNS[index] as Column;
  return { column: index, descending: first.startsWith('-') !== (c.invert === true) };
}

/**
 * One line per daemon, as ftptop's: `pure-ftpd: 3 sessions: 1 downloading,
 * 1 uploading, 1 idle` (and `N not logged in` when there are such), for
 * each daemon running or with sessions; `no FTP daemon running` when none.
 */
export function daemonLines(reading: Pick<Reading, 'rows' | 'running'>): string[] {
  const counts = new Map<Daemon, { total: number; DL: number; UL: number; IDLE: number; AUTH: number }>();
  for (const d of reading.running) counts.set(d, { total: 0, DL: 0, UL: 0, IDLE: 0, AUTH: 0 });
  for (const r of reading.rows) {
    let c = counts.get(r.daemon);
    if (c === undefined) counts.set(r.daemon, (c = { total: 0, DL: 0, UL: 0, IDLE: 0, AUTH: 0 }));
    c.total++;
    c[r.state]++;
  }
  if (counts.size === 0) return ['no FTP daemon running'];
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([d, c]) =>
        `${d}: ${c.total} session${c.total === 1 ? '' : 's'}: ${c.DL} downloading, ${c.UL} uploading, ${c.IDLE} idle${c.AUTH > 0 ? `, ${c.AUTH} not logged in` : ''}`,
    );
}

/** The columns shown and their widths. */
export interface Layout {
  readonly columns: readonly number[];
  readonly widths: readonly number[];
}

/** Two spaces: the tag mark and a space before the first column; one space between columns. */
export const MARK_WIDTH = 2;

/**
 * Which columns fit `width` (undefined: every column at its natural width,
 * its widest value or head, at most its max) and how wide each is. DAEMON
 * only when the rows are of more than one daemon (the lines above the
 * table say which). On a narrow terminal the columns of the highest rank go
 * first until every column left fits at its minimum (never narrower than
 * its head); then each, most important first, grows toward its natural
 * width, and FILE takes what is left. Never wider than `width` (unless the
 * columns that are never dropped do not fit: then tableLine cuts the line).
 */
export function layout(heads: readonly string[], cells: readonly (readonly string[])[], width: number | undefined, daemons = 2): Layout {
  const headWidths = heads.map((h) => displayWidth(h));
  const natural = COLUMNS.map((c, i) => {
    let w = headWidths[i] as number;
    for (const row of cells) w = Math.max(w, displayWidth(row[i] as string));
    return Math.min(c.max, w);
  });
  let shown = COLUMNS.map((_, i) => i).filter((i) => daemons > 1 || (COLUMNS[i] as Column).key !== 'daemon');
  if (width === undefined) return { columns: shown, widths: shown.map((i) => natural[i] as number) };
  const gaps = (n: number) => MARK_WIDTH + Math.max(0, n - 1);
  const mins = COLUMNS.map((c, i) => Math.max(headWidths[i] as number, Math.min(c.min, natural[i] as number)));
  const need = (cols: readonly number[]) => gaps(cols.length) + cols.reduce((sum, i) => sum + (mins[i] as number), 0);
  while (need(shown) > width) {
    const drop = shown.reduce((worst, i) => ((COLUMNS[i] as Column).rank > (COLUMNS[worst] as Column).rank ? i : worst), shown[0] as number);
    if ((COLUMNS[drop] as Column).rank === 0) break;
    shown = shown.filter((i) => i !== drop);
  }
  const widths = new Map(shown.map((i) => [i, mins[i] as number]));
  let room = width - need(shown);
  const file = COLUMNS.findIndex((c) => c.key === 'file');
  const order = [...shown].sort((a, b) => (a === file ? 1 : b === file ? -1 : (COLUMNS[a] as Column).rank - (COLUMNS[b] as Column).rank));
  for (const i of order) {
    if (room <= 0) break;
    const grow = Math.max(0, Math.min(room, (natural[i] as number) - (widths.get(i) as number)));
    widths.set(i, (widths.get(i) as number) + grow);
    room -= grow;
  }
  return { columns: shown, widths: shown.map((i) => widths.get(i) as number) };
}

/**
 * A line of the table: the tag mark, then each shown column's text made
 * safe for the terminal and cut or padded to its width (a value too long
 * keeps its end: the end of a path names the file). At most `width`
 * columns: a terminal narrower than the columns that are never dropped gets
 * the line cut.
 */
export function tableLine(mark: string, texts: readonly string[], at: Layout, unicode: boolean, width: number | undefined): string {
  let line = `${mark} `;
  at.columns.forEach((c, n) => {
    const col = COLUMNS[c] as Column;
    line += (n === 0 ? '' : ' ') + cell(texts[c] as string, at.widths[n] as number, { unicode, align: col.align });
  });
  return width === undefined ? line.trimEnd() : clip(line.trimEnd(), width);
}

/** The heads, the sorted column's marked with its direction. */
export function heads(order: SortOrder, unicode: boolean): string[] {
  return COLUMNS.map((c, i) => (i === order.column ? `${c.head}${order.descending ? (unicode ? '▼' : 'v') : unicode ? '▲' : '^'}` : c.head));
}

/** Each row's text per column (all of COLUMNS). */
export function rowTexts(rows: readonly NativeRow[], now: number): string[][] {
  return rows.map((r) => COLUMNS.map((c) => c.value(r, now)));
}

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;

/**
 * `text` made safe (controls, bidi and format characters as `?`, as in the
 * table) and cut at its end to at most `width` columns (the cut marked),
 * not padded: for the lines that read from the start (header, status).
 */
export function clip(text: string, width: number, unicode = true): string {
  const safe = text.replace(UNSAFE, '?');
  if (width <= 0) return '';
  if (/^[\u0020-\u007E]*$/.test(safe)) return safe.length <= width ? safe : `${safe.slice(0, Math.max(0, width - 1))}${unicode ? '…' : '>'}`;
  if (displayWidth(safe) <= width) return safe;
  let used = 0;
  let out = '';
  for (const ch of safe) {
    const w = displayWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}${unicode ? '…' : '>'}`;
}

/** The local time of day and date, `2026-11-22 06:06:48` (the zone is the process's). */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Whether a row matches the screen's filter text: in its login, host, file or account, case-insensitive. */
export function matchesText(row: NativeRow, needle: string): boolean {
  if (needle === '') return true;
  const n = needle.toLowerCase();
  return [row.login, row.host, row.file, row.account].some((v) => v !== null && v.toLowerCase().includes(n));
}

/**
 * A plain snapshot (--batch): the title, a line per daemon, a blank line,
 * the table's head and rows, no escape sequences. `width`: the terminal's
 * when standard output is one; otherwise every column at its natural width.
 */
export function snapshot(reading: Reading, order: SortOrder, unicode: boolean, width: number | undefined, delaySeconds: number): string {
  const texts = rowTexts(reading.rows, reading.at);
  const head = heads(order, unicode);
  const at = layout(head, texts, width, new Set(reading.rows.map((r) => r.daemon)).size);
  const lines = [
    fit(`ftpsessions top - ${localTime(reading.at)}, every ${delaySeconds}s`, width, unicode),
    ...daemonLines(reading).map((l) => fit(l, width, unicode)),
    '',
    tableLine(' ', head, at, unicode, width),
    ...texts.map((t) => tableLine(' ', t, at, unicode, width)),
  ];
  return `${lines.join('\n')}\n`;
}

function fit(text: string, width: number | undefined, unicode: boolean): string {
  return clip(text, width ?? Number.MAX_SAFE_INTEGER, unicode);
}
