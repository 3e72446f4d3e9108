/**
 * What could act on a terminal, shown escaped instead: C0 and C1 controls
 * and DEL (`\x1b`: an OSC 52 clipboard write, a screen clear), the bidi
 * controls (`\u202e`: text shown in another order than it is) and the line
 * and paragraph separators. A newline in a line is shown as `\n`: only the
 * writer ends lines.
 */
export function terminalSafe(line: string): string {
  return line.replace(UNSAFE, escapeChar);
}

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

