import { emitKeypressEvents } from 'node:readline';
import type { Key, Terminal } from './types.js';

/** ESC sequences: the alternate screen (1049 saves and restores the cursor too), cursor visibility. */
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';

/**
 * The real terminal: node:readline's key decoding and raw mode, ANSI
 * sequences for the rest. Given the process's streams by src/main.ts (the
 * only module that touches `process`).
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
      emitKeypressEvents(input);
      input.setRawMode(true);
      input.resume();
      output.write(ENTER);
    },
    leave: () => {
      if (!entered) return;
      entered = false;
      output.write(LEAVE);
      input.setRawMode(wasRaw);
      input.pause();
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
