import { displayWidth } from '../../render/table.js';
import type { Terminal } from '../../terminal/types.js';
import type { Line } from './screen.js';

/** SGR for each style of line (bold, reverse video: no colours to clash with a theme). */
const SGR: Record<NonNullable<Line['style']>, string> = {
  bold: '\x1b[1m',
  reverse: '\x1b[7m',
  cursor: '\x1b[7m',
  tagged: '\x1b[1m',
  'tagged-cursor': '\x1b[1;7m',
  error: '\x1b[1m',
};
/** Styles whose line is filled to the right edge (a bar). */
const BARS = new Set<Line['style']>(['reverse', 'cursor', 'tagged-cursor']);

export interface Painter {
  /** write the lines that differ from what the screen shows */
  draw(lines: readonly Line[]): void;
  /** forget what the screen shows: the next draw writes every line (after a resize, Ctrl-L) */
  invalidate(): void;
}

/**
 * Draws on `terminal` line by line: each changed line is written at its
 * row (cursor addressing, so a line that a terminal measured wider than we
 * did cannot push the others down; the terminal's auto-wrap is off while
 * the screen is shown: src/terminal/node.ts), then the rest of the row
 * cleared when the line ends short of it. Lines arrive made safe and no wider than the terminal.
 */
export function paint(terminal: Terminal): Painter {
  let shown: string[] = [];
  let size = '';
  return {
    invalidate: () => {
      shown = [];
    },
    draw: (lines) => {
      const columns = terminal.columns;
      let out = '';
      const now = `${columns}x${terminal.rows}`;
      if (now !== size) {
        size = now;
        shown = [];
        out += '\x1b[H\x1b[2J';
      }
      lines.forEach((line, i) => {
        const key = `${line.style ?? ''}\n${line.text}`;
        if (shown[i] === key) return;
        shown[i] = key;
        const sgr = line.style === undefined ? '' : SGR[line.style];
        const width = displayWidth(line.text);
        const fill = BARS.has(line.style) ? ' '.repeat(Math.max(0, columns - width)) : '';
        // erase the rest of the row only when the text ends short of the edge (at the edge, EL would erase the last character)
        const rest = width + fill.length < columns ? '\x1b[K' : '';
        out += `\x1b[${i + 1};1H${sgr}${line.text}${fill}${sgr === '' ? '' : '\x1b[0m'}${rest}`;
      });
      if (shown.length > lines.length) {
        out += `\x1b[${lines.length + 1};1H\x1b[J`;
        shown.length = lines.length;
      }
      if (out !== '') terminal.write(out);
    },
  };
}
