import type { Renderer } from './types.js';

/** Compact JSON, one line, keys in the envelope's fixed order. */
export const renderJson: Renderer = (envelope) => ({ stdout: `${JSON.stringify(envelope.document)}\n`, stderr: [] });

/** JSON::XS `pretty`, as cPanel's jsonpretty: 3-space indent and `"key" : value`. */
export const renderJsonPretty: Renderer = (envelope) => ({
  stdout: `${prettyJson(envelope.document, '')}\n`,
  stderr: [],
});

const INDENT = '   ';

export function prettyJson(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + INDENT;
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = indent + INDENT;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
