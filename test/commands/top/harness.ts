// A fake terminal that keeps a screen as a terminal would (cursor addressing, erase, SGR dropped),
// a clock the test moves, and the runtime around them: top driven key by key without a tty.
import type { Key, Terminal } from '../../../src/terminal/types.js';
import { createTestRuntime, fixture, ok, procFromPs, type TestRuntime, type TestRuntimeOptions } from '../../helpers/runtime.js';

export const PS = fixture('pure-ftpd/02-tricky.ps.txt');
export const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');
/** replay the 02-tricky captures (kept in the fake file system at these paths) */
export const REPLAY = ['--input', 'ps=/captures/ps.txt', '--input', 'pure-ftpwho=/captures/who.txt'];

export class FakeTerminal implements Terminal {
  columns: number;
  rows: number;
  grid: string[][];
  /** everything written, escapes included */
  written = '';
  entered = 0;
  left = 0;
  private row = 0;
  private col = 0;
  private keyHandlers: Array<(key: Key) => void> = [];
  private resizeHandlers: Array<() => void> = [];
  constructor(columns = 100, rows = 24) {
    this.columns = columns;
    this.rows = rows;
    this.grid = this.blank();
  }
  private blank(): string[][] {
    return Array.from({ length: this.rows }, () => Array<string>(this.columns).fill(' '));
  }
  write(text: string): void {
    this.written += text;
    // eslint-disable-next-line no-control-regex
    const re = /\x1b\[([?\d;]*)([A-Za-z])|([^\x1b])/gsu;
    for (const m of text.matchAll(re)) {
      if (m[3] !== undefined) {
        const ch = m[3];
        if (ch === '\n' || ch === '\r') throw new Error(`a line break was written: ${JSON.stringify(text.slice(0, 80))}`);
        if (this.col >= this.columns) throw new Error(`written past the right edge at row ${this.row + 1}`);
        (this.grid[this.row] as string[])[this.col++] = ch;
        continue;
      }
      const [, params = '', cmd] = m;
      if (cmd === 'H') {
        const [r = '1', c = '1'] = params.split(';');
        this.row = Number(r || 1) - 1;
        this.col = Number(c || 1) - 1;
      } else if (cmd === 'K') {
        for (let c = this.col; c < this.columns; c++) (this.grid[this.row] as string[])[c] = ' ';
      } else if (cmd === 'J') {
        if (params === '2') this.grid = this.blank();
        else for (let r = this.row; r < this.rows; r++) for (let c = r === this.row ? this.col : 0; c < this.columns; c++) (this.grid[r] as string[])[c] = ' ';
      }
      // m (SGR), h/l (modes): no effect on the text
    }
  }
  /** the screen as text, one string per row, trailing spaces dropped */
  screen(): string[] {
    return this.grid.map((r) => r.join('').trimEnd());
  }
  enter(): void {
    this.entered++;
  }
  leave(): void {
    this.left++;
  }
  onKey(handler: (key: Key) => void): () => void {
    this.keyHandlers.push(handler);
    return () => {
      this.keyHandlers = this.keyHandlers.filter((h) => h !== handler);
    };
  }
  onResize(handler: () => void): () => void {
    this.resizeHandlers.push(handler);
    return () => {
      this.resizeHandlers = this.resizeHandlers.filter((h) => h !== handler);
    };
  }
  get listening(): number {
    return this.keyHandlers.length + this.resizeHandlers.length;
  }
  /** a key as node:readline names it: press('q'), press('down'), press('c', { ctrl: true }) */
  press(name: string, { ctrl = false, sequence }: { ctrl?: boolean; sequence?: string } = {}): void {
    const named: Record<string, string> = { space: ' ', return: '\r', escape: '\x1b', backspace: '\x7f', up: '\x1b[A', down: '\x1b[B' };
    const seq = sequence ?? named[name] ?? (ctrl ? String.fromCharCode(name.charCodeAt(0) & 0x1f) : name);
    const key: Key = { name: /^[a-z]$/.test(name) || name.length > 1 ? name : undefined, sequence: seq, ctrl, shift: /^[A-Z]$/.test(name) };
    for (const h of [...this.keyHandlers]) h(key);
  }
  /** type text, a character at a time (as a paste arrives) */
  type(text: string): void {
    for (const ch of text) this.press(/^[a-z]$/.test(ch) ? ch : ch === ' ' ? 'space' : ch, { sequence: ch });
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.grid = this.blank();
    for (const h of [...this.resizeHandlers]) h();
  }
}

/** A clock the test moves: sleep() waits until advance() passes its time. */
export class FakeClock {
  now: number;
  private sleepers: Array<{ until: number; wake: () => void }> = [];
  constructor(now: number) {
    this.now = now;
  }
  sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.sleepers.push({ until: this.now + ms, wake });
    });
  /** move time on in small steps, letting what wakes run between them */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + 50);
      const due = this.sleepers.filter((s) => s.until <= this.now);
      this.sleepers = this.sleepers.filter((s) => s.until > this.now);
      for (const s of due) s.wake();
      await settle();
    }
  }
}

/** let pending promises run (a reading of fake files takes a few turns) */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** A process that ends on TERM: its /proc entry goes. */
export const diesOnTerm: NonNullable<TestRuntimeOptions['kill']> = (pid, _signal, files) => {
  for (const path of Object.keys(files)) if (path.startsWith(`/proc/${pid}/`)) delete files[path];
};

/**
 * A runtime for top: the fake server of 02-tricky (its /proc and pure-ftpwho, so sessions can
 * be ended) or a replay (REPLAY in argv), a fake terminal and clock.
 */
export function topRuntime(argv: string[], { terminal, clock, ...options }: Partial<TestRuntimeOptions> & { terminal?: FakeTerminal; clock?: FakeClock } = {}): TestRuntime {
  const rt = createTestRuntime({
    programs: { '/usr/sbin/pure-ftpwho': ok(WHO) },
    files: { ...procFromPs(PS), '/captures/ps.txt': PS, '/captures/who.txt': WHO },
    kill: diesOnTerm,
    argv: ['top', ...argv],
    ...(terminal === undefined ? {} : { terminal, isTTY: true, stdinIsTTY: true, columns: terminal.columns }),
    ...options,
  });
  if (clock !== undefined) {
    rt.sleep = clock.sleep;
    rt.now = () => clock.now;
  }
  return rt;
}

/** wait (really) until `ready` holds: module loads and file reads take real turns */
export async function until(ready: () => boolean, what = 'the condition'): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
