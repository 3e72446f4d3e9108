import type { Renderer } from './types.js';

/**
 * YAML as cPanel's YAML::Syck writes it: a `---` document start, sorted keys,
 * `~` for null, 4-space indent with sequence items under their key (a map in
 * a sequence starts on the line after its `-`).
 *
 * Our own emitter for this subset (maps, sequences, strings, numbers,
 * booleans, null), because the reader that matters is YAML::Syck (cPanel's
 * own scripts), a YAML 1.0/1.1 reader that a YAML 1.2 emitter (js-yaml)
 * writes wrongly for: Syck has no `\u`, `\N`, `\_`, `\L`, `\P` escapes, reads
 * any quoted `=` as the string "str", and types plain `1,000`, `06:06:28`,
 * `0777` and `y` as numbers and booleans. What is written here reads back to
 * exactly the JSON document through YAML::Syck (ImplicitTyping on or off,
 * ImplicitUnicode on or off) and through a YAML 1.2 reader (js-yaml):
 *
 * - plain when no reader can take the text for anything else;
 * - `=` always plain (the only form Syck reads as "=");
 * - single-quoted when plain would be misread and the text is one line of
 *   printable characters;
 * - otherwise double-quoted, with only the escapes both read (`\0 \a \b \t
 *   \n \v \f \r \e \" \\` and `\xNN` below 0x80); every other character is
 *   written as itself in UTF-8 (C1 controls, U+2028/2029, U+FEFF included:
 *   Syck's `\xNN` makes a byte, not a character). A lone surrogate, which no
 *   UTF-8 can carry, is written as U+FFFD.
 *
 * Cost is linear in the output: no regular expression here can backtrack.
 */
export const renderYaml: Renderer = (envelope) => {
  const lines: string[] = ['---'];
  emitMap(envelope.document, '', lines);
  return { stdout: `${lines.join('\n')}\n`, stderr: [] };
};

/** Any JSON document (a map, a sequence or a scalar) as YAML, in the same dialect (the native front's --output yaml). */
export function yamlText(doc: unknown): string {
  const lines: string[] = ['---'];
  if (Array.isArray(doc)) {
    if (doc.length === 0) lines[0] = '--- []';
    else emitSeq(doc, '', lines);
  } else if (doc !== null && typeof doc === 'object') {
    if (Object.keys(doc).length === 0) lines[0] = '--- {}';
    else emitMap(doc as Record<string, unknown>, '', lines);
  } else lines[0] = `--- ${scalarValue((doc ?? null) as null | boolean | number | string)}`;
  return `${lines.join('\n')}\n`;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

function emitMap(map: Readonly<Record<string, unknown>>, indent: string, lines: string[]): void {
  for (const key of Object.keys(map).sort()) {
    const value = map[key];
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue; // as JSON skips them
    emitEntry(`${indent}${scalar(key)}:`, value as Json, indent, indent + INDENT, lines);
  }
}

function emitSeq(items: readonly unknown[], indent: string, lines: string[]): void {
  for (const item of items) {
    const value = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : (item as Json);
    emitEntry(`${indent}-`, value, indent, indent + INDENT, lines);
  }
}

const INDENT = '    ';

/** `head` is `key:` or `-`; a scalar or an empty collection follows on its line, anything else below it. */
function emitEntry(head: string, value: Json, indent: string, inner: string, lines: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) lines.push(`${head} []`);
    else {
      lines.push(head);
      // a sequence under a key sits at the key's indent; one in a sequence goes in a level
      emitSeq(value, head.endsWith(':') ? indent : inner, lines);
    }
  } else if (value !== null && typeof value === 'object') {
    if (Object.keys(value).length === 0) lines.push(`${head} {}`);
    else {
      lines.push(head);
      emitMap(value as Record<string, unknown>, inner, lines);
    }
  } else lines.push(`${head} ${scalarValue(value)}`);
}

function scalarValue(value: null | boolean | number | string): string {
  if (value === null) return '~';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '~'; // JSON writes null
  return scalar(value);
}

/** Characters that only a double-quoted scalar can carry (or that plain and single-quoted would misread). */
const NEEDS_DOUBLE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF\uD800-\uDFFF]/;
/** Characters a double-quoted scalar writes as an escape. */
const ESCAPED = /[\u0000-\u001F\u007F"\\]/g;
const ESCAPES: Record<string, string> = {
  '\0': '\\0', '\u0007': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\u000B': '\\v', '\f': '\\f', '\r': '\\r', '\u001B': '\\e', '"': '\\"', '\\': '\\\\',
};
/** What YAML 1.1 (Syck, with its commas and base 60) or YAML 1.2 could read as a number. */
const NUMBER = /^[-+]?(?:[0-9][0-9_,]*(?::[0-9_,]*)*(?:\.[0-9_,]*)?|\.[0-9][0-9_,]*)(?:[eE][-+]?[0-9_]*)?$/;
/** Syck's float with an exponent also takes dots in its fraction (`1.1.0e+3` reads as 1.1). */
const FLOAT_EXP = /^[-+]?[0-9_,]*\.[0-9_,.]*[eE][-+]?[0-9_]*$/;
const RADIX = /^[-+]?0(?:x[0-9a-fA-F_,]*|o[0-7_]*|b[01_]*)$/;
const WORD = /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|<<|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const DATE = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;
/** A first character that starts something other than a plain scalar. */
const INDICATOR_FIRST = /^(?:[,[\]{}#&*!|>'"%@`]|[-?:](?:[ \u00A0]|$)|---|\.\.\.)/;

function scalar(text: string): string {
  if (NEEDS_DOUBLE.test(text)) return doubleQuoted(text);
  if (text === '=') return text; // quoted, Syck reads "str"
  if (plainSafe(text)) return text;
  return `'${text.replaceAll("'", "''")}'`;
}

function plainSafe(text: string): boolean {
  if (text === '' || WORD.test(text) || WORD.test(asciiPrefix(text)) || NUMBER.test(text) || FLOAT_EXP.test(text) || RADIX.test(text) || DATE.test(text)) return false;
  if (INDICATOR_FIRST.test(text)) return false;
  const first = text[0] as string;
  const last = text[text.length - 1] as string;
  if (first === ' ' || first === '\u00A0' || last === ' ' || last === '\u00A0' || last === ':') return false;
  return !text.includes(': ') && !text.includes(' #') && !text.includes(':\u00A0');
}

/**
 * The text before its first non-ASCII character: YAML::Syck (ImplicitTyping)
 * reads `Yesé` as 1 and `nullé` as undef, as if the word ended there.
 */
function asciiPrefix(text: string): string {
  const end = text.search(/[^\u0000-\u007F]/);
  return end === -1 ? '' : text.slice(0, end);
}

function doubleQuoted(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD');
  return `"${wellFormed.replace(ESCAPED, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}"`;
}
