/**
 * key=value arguments, decoded as cPanel's legacy form parser does:
 * `+` is a space, `%XX` is a byte (UTF-8 sequences are joined), and a
 * repeated key is stored as key, key-0, key-1, ...
 */
export function decodeFormComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replace(/\+/g, ' ');
  // Decode runs of %XX as bytes so that multi-byte UTF-8 survives; a stray
  // `%` that is not followed by two hex digits is kept as it is.
  return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    return bytes.toString('utf8');
  });
}

/**
 * The words -> arguments, in an object without a prototype (`__proto__` and
 * `constructor` arrive as data). Linear: each key remembers the first suffix
 * it has not tried yet, so 20,000 repeats of one key do not rescan key-0,
 * key-1, ... from the start each time. Every suffix below it is taken, and
 * names are never removed, so the name found is the one a rescan from 0
 * would find.
 */
export function parseFormArgs(words: readonly string[]): Record<string, string> {
  const args: Record<string, string> = Object.create(null);
  const nextSuffix = new Map<string, number>();
  for (const word of words) {
    const eq = word.indexOf('=');
    const key = decodeFormComponent(eq === -1 ? word : word.slice(0, eq));
    const value = eq === -1 ? '' : decodeFormComponent(word.slice(eq + 1));
    args[availableName(args, nextSuffix, key)] = value;
  }
  return args;
}

function availableName(args: Record<string, string>, nextSuffix: Map<string, number>, key: string): string {
  if (!(key in args)) return key;
  let i = nextSuffix.get(key) ?? 0;
  while (`${key}-${i}` in args) i++;
  nextSuffix.set(key, i + 1);
  return `${key}-${i}`;
}
