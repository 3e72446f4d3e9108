import type { NativeFormat } from '../commands/table.js';
import { NATIVE_KEYS, type NativeRow } from '../model/native.js';
import { type ColumnSpec, displayWidth, tableText } from './table.js';

/** How a native command's output is drawn: the colour level, the terminal's width and character set. */
export interface NativeContext {
  readonly colorLevel: 0 | 1 | 2 | 3;
  readonly columns?: number | undefined;
  readonly unicode?: boolean | undefined;
}

/**
 * Sessions in a native format: `json` one array, `ndjson` one object per
 * line, `yaml` one sequence (YAML::Syck's dialect, as the cPanel commands),
 * `csv` a header of the keys then a line per session (RFC 4180 quoting, LF
 * line ends, null as an empty field), `table` for people. Every format has
 * every key of every row (NATIVE_KEYS, in order) except the table.
 */
export async function renderSessions(rows: readonly NativeRow[], format: NativeFormat, context: NativeContext): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows)}\n`;
    case 'ndjson':
      return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    case 'yaml':
      return (await import('./yaml.js')).yamlText(rows);
    case 'csv':
      return csv([NATIVE_KEYS, ...rows.map((r) => NATIVE_KEYS.map((k) => r[k]))]);
    case 'table':
      return rows.length === 0 ? 'no active FTP sessions\n' : sessionTable(rows, context);
  }
}

/**
 * A report (count, kill) in a native format: a JSON object; `ndjson` and
 * `csv` flatten it to one record per leaf (`{"group","key","value"}`), the
 * table to two columns.
 */
export async function renderReport(doc: Readonly<Record<string, unknown>>, format: NativeFormat, context: NativeContext): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(doc)}\n`;
    case 'yaml':
      return (await import('./yaml.js')).yamlText(doc);
    case 'ndjson':
      return leaves(doc)
        .map(([group, key, value]) => `${JSON.stringify({ group, key, value })}\n`)
        .join('');
    case 'csv':
      return csv([['group', 'key', 'value'], ...leaves(doc)]);
    case 'table': {
      const cells = leaves(doc).map(([group, key, value]) => [group, key, typeof value === 'string' ? value : JSON.stringify(value)]);
      const spec: ColumnSpec[] = [
        { head: 'GROUP', width: 16, min: 6, round: 0 },
        { head: 'KEY', width: 48, min: 10, round: 1 },
        { head: 'VALUE', width: 60, min: 8, round: 1 },
      ];
      return tableText(spec, cells, context);
    }
  }
}

/** A report's values as [group, key, value]: a top-level scalar is its own group with key ''. */
function leaves(doc: Readonly<Record<string, unknown>>): Array<[string, string, unknown]> {
  const out: Array<[string, string, unknown]> = [];
  for (const [group, value] of Object.entries(doc)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value)) out.push([group, key, v]);
    } else out.push([group, '', value]);
  }
  return out;
}

/** RFC 4180: a field with a comma, quote, CR or LF (or space at either end) in double quotes, quotes doubled. */
function csv(records: ReadonlyArray<readonly unknown[]>): string {
  const field = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  let out = '';
  for (const r of records) out += `${r.map(field).join(',')}\n`;
  return out;
}

/**
 * The columns of the sessions table, in order, with the round in which each
 * gives way on a narrow terminal (0: never).
 */
const SESSION_COLUMNS: ReadonlyArray<ColumnSpec & { drop: number; value: (r: NativeRow) => string }> = [
  { head: 'ACCOUNT', width: 20, min: 7, round: 2, drop: 6, value: (r) => r.account ?? '-' },
  { head: 'PID', width: 10, min: 3, round: 0, drop: 0, value: (r) => String(r.pid) },
  { head: 'DAEMON', width: 9, min: 6, round: 3, drop: 2, value: (r) => r.daemon },
  { head: 'LOGIN', width: 28, min: 8, round: 2, drop: 0, value: (r) => r.login ?? '-' },
  { head: 'HOST', width: 39, min: 9, round: 1, drop: 5, value: (r) => r.host ?? '-' },
  { head: 'STATE', width: 5, min: 5, round: 0, drop: 0, value: (r) => r.state },
  { head: 'CONNECTED', width: 19, min: 9, round: 3, drop: 1, value: (r) => (r.connected_at ?? '-').replace('T', ' ').replace('Z', '') },
  { head: 'IDLE', width: 8, min: 4, round: 3, drop: 3, value: (r) => (r.idle_seconds === null ? '-' : duration(r.idle_seconds)) },
  { head: 'DONE', width: 21, min: 6, round: 2, drop: 4, value: progress },
  { head: 'RATE', width: 11, min: 6, round: 2, drop: 4, value: (r) => (r.rate_bytes_per_second === null ? '-' : `${bytes(r.rate_bytes_per_second)}/s`) },
  { head: 'FILE', width: 60, min: 8, round: 1, drop: 0, value: (r) => r.file ?? '' },
];

/**
 * The sessions table: on a terminal too narrow for every column at its
 * narrowest, columns drop by priority (CONNECTED first, then DAEMON, IDLE,
 * DONE and RATE, HOST, ACCOUNT; PID, LOGIN, STATE and FILE stay).
 */
function sessionTable(rows: readonly NativeRow[], context: NativeContext): string {
  const all = rows.map((r) => SESSION_COLUMNS.map((c) => c.value(r)));
  // each column at its narrowest: its natural width (the widest cell, capped), or its minimum if it may shrink
  const narrowest = SESSION_COLUMNS.map((c, i) => {
    let natural = c.head.length;
    for (const row of all) natural = Math.max(natural, Math.min(c.width, displayWidth(row[i] as string)));
    natural = Math.min(natural, c.width);
    return c.round === 0 ? natural : Math.min(natural, Math.max(c.min, c.head.length));
  });
  let keep = SESSION_COLUMNS.map(() => true);
  const width = () => narrowest.reduce((sum, w, i) => sum + (keep[i] ? w + 3 : 0), 1);
  for (let level = 1; context.columns !== undefined && width() > context.columns && level <= 6; level++) {
    keep = SESSION_COLUMNS.map((c, i) => (keep[i] as boolean) && (c.drop === 0 || c.drop > level));
  }
  const shown = SESSION_COLUMNS.filter((_, i) => keep[i]);
  const cells = all.map((row) => row.filter((_, i) => keep[i]));
  return tableText(shown, cells, { ...context, paintColumn: shown.findIndex((c) => c.head === 'STATE') });
}

/** `1.2 MiB of 2.0 GiB 0.1%`, `1.2 MiB`, or `-` */
export function progress(r: NativeRow): string {
  if (r.transferred_bytes === null) return r.percent === null ? '-' : `${r.percent}%`;
  const done = bytes(r.transferred_bytes);
  return r.percent === null ? done : `${done} ${r.percent}%`;
}

/** Bytes for people: `512 B`, `1.5 KiB`, `2.0 GiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds for people: `42s`, `5m03s`, `2h07m`, `3d04h`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}
