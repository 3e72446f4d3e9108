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

export function parseFormArgs(words: readonly string[]): Record<string, string> {
  const args: Record<string, string> = Object.create(null);
  for (const word of words) {
    const eq = word.indexOf('=');
    const key = decodeFormComponent(eq === -1 ? word : word.slice(0, eq));
    const value = eq === -1 ? '' : decodeFormComponent(word.slice(eq + 1));
    args[availableName(args, key)] = value;
  }
  return args;
}

function availableName(args: Record<string, string>, key: string): string {
  if (!(key in args)) return key;
  for (let i = 0; ; i++) {
    const name = `${key}-${i}`;
    if (!(name in args)) return name;
  }
}
