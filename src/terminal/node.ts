import { emitKeypressEvents } from 'node:readline';
import type { Key, Terminal } from './types.js';

/**
 * ESC sequences. Entering: the alternate screen (1049 also saves the
 * cursor and restores it on leaving), auto-wrap off (a line the terminal
 * finds wider than we measured is cut at the edge instead of wrapping and
 * scrolling the screen), the cursor hidden, the screen cleared. Leaving:
 * attributes reset, cursor shown, auto-wrap on (every terminal's default),
 * the alternate screen left.
 */
export const ENTER = '\x1b[?1049h\x1b[?7l\x1b[?25l\x1b[H\x1b[2J';
export const LEAVE = '\x1b[0m\x1b[?25h\x1b[?7h\x1b[?1049l';

/**
 * The real terminal: node:readline's key decoding (emitKeypressEvents:
 * arrows, PgUp/PgDn, Home/End, Esc, Ctrl-keys, UTF-8 text) and raw mode,
 * ANSI sequences for the rest. Given the process's streams by src/main.ts
 * (the only module that touches `process`). leave() gives back exactly
 * what enter() took: raw mode as it was, stdin paused (so nothing holds
 * the process open), the main screen and a visible cursor; on a terminal
 * that has gone away (SIGHUP), each step is tried on its own.
 */
export function nodeTerminal(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Terminal {
  let entered = false;
  let wasRaw = false;
  return {
    get columns() {
      return output.columns || 80;
    },
    get rows() {
      return output.rows || 24;
    },
    write: (text) => {
      output.write(text);
    },
    enter: () => {
      if (entered) return;
      entered = true;
      wasRaw = input.isRaw === true;
      emitKeypressEvents(input); // once per stream, however often called
      input.setRawMode(true);
      input.resume();
      output.write(ENTER);
    },
    leave: () => {
      if (!entered) return;
      entered = false;
      attempt(() => output.write(LEAVE));
      attempt(() => input.setRawMode(wasRaw));
      attempt(() => input.pause());
    },
    onKey: (handler) => {
      const listener = (sequence: string | undefined, key: { name?: string; sequence?: string; ctrl?: boolean; shift?: boolean } | undefined) => {
        const k: Key = { name: key?.name, sequence: key?.sequence ?? sequence ?? '', ctrl: key?.ctrl === true, shift: key?.shift === true };
        handler(k);
      };
      input.on('keypress', listener);
      return () => {
        input.off('keypress', listener);
      };
    },
    onResize: (handler) => {
      output.on('resize', handler);
      return () => {
        output.off('resize', handler);
      };
    },
  };
}

/** A step of restoring the terminal: one that fails (EIO: the terminal is gone) does not stop the others. */
function attempt(step: () => unknown): void {
  try {
    step();
  } catch {
    // the terminal is gone: nothing left to restore on it
  }
}
