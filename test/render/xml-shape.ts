// How XML::Simple-shaped XML reads back: what the parser gives and what a JSON value becomes.

/** The parser keeps the pretty-printing's white space as `#text`: drop it. */
export function withoutIndentation(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIndentation);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === '#text' && typeof v === 'string' && v.trim() === ''))
      .map(([k, v]) => [k, withoutIndentation(v)]),
  );
}

/**
 * What XML::Simple-shaped XML can carry of a JSON value: text only (numbers
 * as strings), null as an empty element, an array as repeated elements (an
 * empty one as nothing; `data` of a failure is an object).
 */
export function asXmlSees(value: unknown): unknown {
  if (value === null) return '';
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(asXmlSees);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const x = asXmlSees(v);
      if (x === undefined) continue;
      out[k] = ['data', 'errors', 'warnings', 'messages'].includes(k) && !Array.isArray(x) ? [x] : x;
    }
    return Object.keys(out).length === 0 ? '' : out;
  }
  return String(value);
}
