import { type Reading, sortRows } from '../../functions/native.js';
import type { NativeRow } from '../../model/native.js';
import type { Observation } from '../../model/observation.js';
import { displayWidth } from '../../render/table.js';
import type { Key } from '../../terminal/types.js';
import { clip, type Column, COLUMNS, daemonLines, heads, type Layout, layout, localTime, matchesText, rowTexts, type SortOrder, sortKeys, tableLine } from './layout.js';

/** What a key asks of the loop that runs the screen (screen state changes are the screen's own). */
export type Request = { readonly kind: 'quit' } | { readonly kind: 'refresh' } | { readonly kind: 'end'; readonly targets: readonly Observation[]; readonly rows: readonly NativeRow[] };

/** The longest filter text typed. */
const FILTER_MAX = 200;

/** The key bindings, as the help line and the `?` page show them. */
export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['q', 'quit'],
  ['?', 'help'],
  ['space', 'tag'],
  ['k', 'end tagged'],
  ['/', 'filter'],
  ['< >', 'sort'],
  ['r', 'reverse'],
  ['up/down', 'move'],
];

const HELP_PAGE = [
  'ftpsessions top: keys',
  '',
  '  q, Ctrl-C        quit (the screen is restored)',
  '  up, down         move the cursor; PgUp, PgDn, Home, End too',
  '  space            tag or untag the session under the cursor (and move down)',
  '  t                tag every session shown;  u  untag all',
  '  k                end the tagged sessions (none tagged: the one under the cursor),',
  '                   after a y at the line that names them: TERM, then KILL',
  '  /                filter: type text, Enter applies, Esc cancels (empty: no filter);',
  '                   matches login, host, file and account, any case',
  '  < >              sort by the column to the left or right;  r  reverse the order',
  `  ${COLUMNS.map((c) => c.letter).join(' ')}  sort by ${COLUMNS.map((c) => c.head).join(', ')} (again: reverse)`,
  '  Ctrl-L, l        refresh now',
  '  ?                this page (any key closes it)',
];

/** A line of the screen and how it is drawn. */
export interface Line {
  readonly text: string;
  readonly style?: 'bold' | 'reverse' | 'tagged' | 'cursor' | 'tagged-cursor' | 'error' | undefined;
}

/**
 * The state of top's screen: the latest reading, the sort, the filter
 * text, the tags, the cursor, the line at the bottom; `press` changes it
 * for a key, `lines` lays it out for a size. Rows are known by pid and
 * connection time, so a tag or the cursor stays on its session across
 * refreshes and never moves to a new process that got the same pid.
 */
export class TopScreen {
  private reading: Reading;
  private order: SortOrder;
  /** sortRows' keys: --sort's until a key changes the order */
  private keys: readonly string[];
  private filter = '';
  /** the filter being typed (after `/`), else undefined */
  private editing: string | undefined;
  private readonly tags = new Set<string>();
  private cursor = 0;
  private cursorId: string | undefined;
  private top = 0;
  private confirming: { readonly rows: readonly NativeRow[]; readonly targets: readonly Observation[] } | undefined;
  private message: Line | undefined;
  private help = false;
  private view: NativeRow[] = [];
  /** the lines per daemon, counted once per reading */
  private daemons: string[] = [];
  private laidOut: { readonly texts: string[][]; readonly columns: number; readonly head: readonly string[]; readonly at: Layout } | undefined;
  private texts: string[][] = [];

  constructor(
    reading: Reading,
    order: SortOrder,
    keys: readonly string[],
    private readonly options: { readonly delaySeconds: number; readonly unicode: boolean; readonly replay: boolean },
  ) {
    this.reading = reading;
    this.order = order;
    this.keys = keys;
    this.update(reading);
  }

  /** A new reading: the rows re-sorted and re-filtered; tags of sessions gone are dropped. */
  update(reading: Reading): void {
    this.reading = reading;
    this.daemons = daemonLines(reading);
    const present = new Set(reading.rows.map(id));
    for (const tag of this.tags) if (!present.has(tag)) this.tags.delete(tag);
    if (reading.warnings.length > 0) this.say(`warning: ${reading.warnings[0]}${reading.warnings.length > 1 ? ` (and ${reading.warnings.length - 1} more)` : ''}`);
    else if (this.message?.style === 'error' && this.message.text.startsWith('cannot read')) this.message = undefined;
    this.rebuild();
  }

  /** A reading failed: said at the bottom; the rows shown stay the last ones read. */
  failed(message: string): void {
    this.message = { text: `cannot read the sessions: ${message} (showing ${localTime(this.reading.at)}'s)`, style: 'error' };
  }

  say(text: string, error = false): void {
    this.message = { text, style: error ? 'error' : undefined };
  }

  get confirmingEnd(): boolean {
    return this.confirming !== undefined;
  }

  /** What a key does. */
  press(key: Key): Request | undefined {
    if (key.ctrl && key.name === 'c') return { kind: 'quit' };
    if (this.help) {
      this.help = false;
      return undefined;
    }
    if (this.editing !== undefined) return this.edit(key);
    if (this.confirming !== undefined) {
      const { rows, targets } = this.confirming;
      this.confirming = undefined;
      if (key.sequence === 'y' || key.sequence === 'Y') return { kind: 'end', rows, targets };
      this.say('nothing ended');
      return undefined;
    }
    if (key.ctrl) return key.name === 'l' ? { kind: 'refresh' } : undefined;
    switch (key.name) {
      case 'up':
        return this.move(this.cursor - 1);
      case 'down':
        return this.move(this.cursor + 1);
      case 'pageup':
        return this.move(this.cursor - this.pageRows);
      case 'pagedown':
        return this.move(this.cursor + this.pageRows);
      case 'home':
        return this.move(0);
      case 'end':
        return this.move(this.view.length - 1);
      case 'space':
        return this.toggle();
    }
    const letter = COLUMNS.findIndex((c) => c.letter === key.sequence);
    if (letter !== -1) return this.sortBy(letter === this.order.column ? { column: letter, descending: !this.order.descending } : { column: letter, descending: false });
    switch (key.sequence) {
      case 'q':
        return { kind: 'quit' };
      case ' ':
        return this.toggle();
      case '<':
      case ',':
        return this.sortBy({ column: (this.order.column + COLUMNS.length - 1) % COLUMNS.length, descending: this.order.descending });
      case '>':
      case '.':
        return this.sortBy({ column: (this.order.column + 1) % COLUMNS.length, descending: this.order.descending });
      case 'r':
        return this.sortBy({ column: this.order.column, descending: !this.order.descending });
      case '/':
        this.editing = this.filter;
        return undefined;
      case 't':
        for (const r of this.view) this.tags.add(id(r));
        return undefined;
      case 'u':
        this.tags.clear();
        return undefined;
      case 'k':
        return this.askEnd();
      case 'l':
        return { kind: 'refresh' };
      case '?':
      case 'h':
        this.help = true;
        return undefined;
    }
    return undefined;
  }

  /** What endSessions did, said at the bottom; the sessions ended are untagged. */
  ended(outcome: { ended: readonly number[]; gone: readonly number[]; failures: ReadonlyArray<{ pid: number; reason: string }> }, rows: readonly NativeRow[]): void {
    const done = new Set(outcome.ended);
    for (const r of rows) if (done.has(r.pid)) this.tags.delete(id(r));
    const parts: string[] = [];
    if (outcome.ended.length > 0) parts.push(`ended ${outcome.ended.join(', ')}`);
    if (outcome.gone.length > 0) parts.push(`not signalled (no longer the session listed) ${outcome.gone.join(', ')}`);
    if (outcome.failures.length > 0) parts.push(`not ended: ${outcome.failures.map((f) => `${f.pid} (${f.reason})`).join(', ')}`);
    this.say(parts.join('; ') || 'nothing ended', outcome.failures.length > 0);
  }

  /** The screen, `rows` lines of at most `columns` columns each. */
  lines(columns: number, rows: number): Line[] {
    const { unicode } = this.options;
    const out: Line[] = [];
    const shown = this.view.length === this.reading.rows.length ? `${this.view.length}` : `${this.view.length} of ${this.reading.rows.length}`;
    out.push({ text: clip(`ftpsessions top - ${localTime(this.reading.at)}, every ${this.options.delaySeconds}s, ${shown} shown, ${this.tags.size} tagged`, columns, unicode), style: 'bold' });
    for (const l of this.daemons) out.push({ text: clip(l, columns, unicode) });
    out.push({ text: clip(KEYS.map(([k, what]) => `${k} ${what}`).join('  '), columns, unicode) });
    if (this.help) {
      for (const l of HELP_PAGE) out.push({ text: clip(l, columns, unicode) });
    } else {
      const head = heads(this.order, unicode);
      // laid out again only when the rows, the sort or the width change (not for each key that moves the cursor)
      if (this.laidOut?.texts !== this.texts || this.laidOut.columns !== columns || this.laidOut.head.join() !== head.join()) {
        this.laidOut = { texts: this.texts, columns, head, at: layout(head, this.texts, columns, new Set(this.reading.rows.map((r) => r.daemon)).size) };
      }
      const { at } = this.laidOut;
      out.push({ text: tableLine(' ', head, at, unicode, columns), style: 'reverse' });
      const room = Math.max(0, rows - out.length - 1);
      this.scrollTo(room);
      for (let i = this.top; i < Math.min(this.view.length, this.top + room); i++) {
        const tagged = this.tags.has(id(this.view[i] as NativeRow));
        const here = i === this.cursor;
        out.push({
          text: tableLine(tagged ? '*' : ' ', this.texts[i] as string[], at, unicode, columns),
          style: here ? (tagged ? 'tagged-cursor' : 'cursor') : tagged ? 'tagged' : undefined,
        });
      }
      if (this.view.length === 0) out.push({ text: clip(this.filter === '' ? 'no active FTP sessions' : `no session matches “${this.filter}”`, columns, unicode) });
    }
    while (out.length < rows - 1) out.push({ text: '' });
    out.length = Math.max(0, rows - 1);
    out.push(this.bottom(columns));
    return out.slice(0, rows);
  }

  private bottom(columns: number): Line {
    const { unicode } = this.options;
    if (this.editing !== undefined) {
      // the end of what is typed stays in view
      const prompt = 'filter (Enter applies, Esc cancels): ';
      const room = Math.max(1, columns - prompt.length - 1);
      const text = this.editing === '' ? '' : clipStart(this.editing, room, unicode);
      return { text: clip(`${prompt}${text}_`, columns, unicode), style: 'bold' };
    }
    if (this.confirming !== undefined) {
      const rows = this.confirming.rows;
      const who = rows.map((r) => `${r.pid} ${r.login ?? r.account ?? '?'}`).join(', ');
      return { text: clip(`End ${rows.length} session${rows.length === 1 ? '' : 's'}? [y/N] ${who}`, columns, unicode), style: 'bold' };
    }
    if (this.message !== undefined) return { text: clip(this.message.text, columns, unicode), style: this.message.style };
    const c = COLUMNS[this.order.column] as Column;
    const filter = this.filter === '' ? '' : `, filter “${this.filter}”`;
    return { text: clip(`sort ${c.head} ${this.order.descending ? 'descending' : 'ascending'}${filter}`, columns, unicode) };
  }

  private edit(key: Key): Request | undefined {
    const typed = this.editing as string;
    if (key.name === 'escape') {
      this.editing = undefined;
      return undefined;
    }
    if (key.name === 'return' || key.name === 'enter') {
      this.filter = typed;
      this.editing = undefined;
      this.message = undefined;
      // a new filter starts at the top of what it shows
      this.cursor = 0;
      this.cursorId = undefined;
      this.rebuild();
      return undefined;
    }
    if (key.name === 'backspace') {
      this.editing = [...typed].slice(0, -1).join('');
      return undefined;
    }
    if (key.ctrl && key.name === 'u') {
      this.editing = '';
      return undefined;
    }
    // printable text only (a paste comes a character at a time); a control or escape sequence is not text
    if (!key.ctrl && key.sequence !== '' && !/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u.test(key.sequence) && [...typed].length < FILTER_MAX) this.editing = typed + key.sequence;
    return undefined;
  }

  private move(to: number): undefined {
    this.cursor = Math.max(0, Math.min(this.view.length - 1, to));
    this.cursorId = this.view[this.cursor] === undefined ? undefined : id(this.view[this.cursor] as NativeRow);
    return undefined;
  }

  private toggle(): undefined {
    const row = this.view[this.cursor];
    if (row === undefined) return undefined;
    const key = id(row);
    if (this.tags.has(key)) this.tags.delete(key);
    else this.tags.add(key);
    return this.move(this.cursor + 1);
  }

  private sortBy(order: SortOrder): undefined {
    this.order = order;
    this.keys = sortKeys(order);
    this.rebuild();
    return undefined;
  }

  private askEnd(): undefined {
    if (this.options.replay) {
      this.say('replayed captures (--input): nothing here can be ended', true);
      return undefined;
    }
    const tagged = this.reading.rows.filter((r) => this.tags.has(id(r)));
    const rows = tagged.length > 0 ? tagged : this.view[this.cursor] === undefined ? [] : [this.view[this.cursor] as NativeRow];
    if (rows.length === 0) {
      this.say('nothing to end: tag sessions with space, or put the cursor on one');
      return undefined;
    }
    const targets = rows.map((r) => this.reading.observations.get(r.pid)).filter((o): o is Observation => o !== undefined);
    this.confirming = { rows, targets };
    return undefined;
  }

  /** The rows shown: filtered by the typed text, sorted; the cursor kept on its session. */
  private rebuild(): void {
    const rows = this.filter === '' ? [...this.reading.rows] : this.reading.rows.filter((r) => matchesText(r, this.filter));
    sortRows(rows, this.keys);
    this.view = rows;
    this.texts = rowTexts(rows, this.reading.at);
    const at = this.cursorId === undefined ? -1 : rows.findIndex((r) => id(r) === this.cursorId);
    this.move(at === -1 ? this.cursor : at);
  }

  /** The last page height drawn (PgUp/PgDn move by it). */
  private pageRows = 10;

  private scrollTo(room: number): void {
    this.pageRows = Math.max(1, room);
    if (this.cursor < this.top) this.top = this.cursor;
    if (this.cursor >= this.top + room) this.top = this.cursor - room + 1;
    this.top = Math.max(0, Math.min(this.top, this.view.length - room));
  }
}

/** A session across readings: its pid and when it connected. */
function id(r: NativeRow): string {
  return `${r.pid}:${r.connected_at ?? ''}`;
}

/** The end of `text` in at most `width` columns, made safe (the start cut, marked). */
function clipStart(text: string, width: number, unicode: boolean): string {
  const safe = clip(text, Number.MAX_SAFE_INTEGER, unicode);
  if (displayWidth(safe) <= width) return safe;
  const chars = [...safe];
  let used = 0;
  let start = chars.length;
  while (start > 0 && used + displayWidth(chars[start - 1] as string) <= width - 1) used += displayWidth(chars[--start] as string);
  return `${unicode ? '…' : '<'}${chars.slice(start).join('')}`;
}
