/**
 * The text of a program's output, read as the program wrote it. Every
 * character of a title or a file name is data: lines are split on LF only
 * (CR, U+0085, U+2028 and U+2029 are never line ends), and only the padding
 * a daemon or ps adds (spaces, NULs) is trimmed, never other white space
 * (`String.prototype.trim` would also eat U+2028, U+2029 and U+FEFF).
 */

/**
 * Split on LF. A capture whose every line ends in CRLF (one saved on or
 * for Windows) is read as if they ended in LF; otherwise a CR is data.
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  const last = lines.length - 1;
  if (last === 0) return lines;
  for (let i = 0; i < last; i++) if ((lines[i] as string).charCodeAt((lines[i] as string).length - 1) !== 0x0d) return lines;
  for (let i = 0; i < last; i++) lines[i] = (lines[i] as string).slice(0, -1);
  return lines;
}

/** Drop the trailing spaces and NULs a process title is padded with (in linear time, unlike a `[ \0]+$` regex). */
export function trimPadding(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** Is the line nothing but spaces (a blank line of a listing)? */
export function isBlank(line: string): boolean {
  return trimPadding(line) === '';
}
