/**
 * Perl regular expressions for the `matches` filter (`m{$term}` in cPanel's
 * `Cpanel::Args::Filter::Utils`), run by re2js, a port of RE2: time linear
 * in the subject by construction, whatever the pattern.
 *
 * The pattern is parsed with Perl's grammar (Perl's own wording for syntax
 * errors) and written out as an RE2 pattern that means, on the same input,
 * what perl means. cPanel's rows and arguments are byte strings: subject and
 * pattern are matched as UTF-8 bytes (each a character 0-255 for re2js), and
 * every character class, every literal under /i, `.`, `\w`, `\s`, `\d`,
 * POSIX classes and `\p{...}` are computed here as explicit sets of bytes,
 * with Perl's rules: /d (ASCII `\w`, `\s`, `\d`, ASCII case folding) unless
 * the pattern turns on Unicode rules (`\p{}`, `\N{U+...}`, a code point above
 * 0xFF, `(?u)`), which apply Unicode's definitions to the byte's Latin-1 code
 * point; `\h`, `\v`, `\R` are Unicode's always. Perl's `$` and `\Z` (also
 * before a final newline) become `\n?\z`; `(?m)$` and `(?m)^` are RE2's,
 * except that Perl's `(?m)^` never matches at the very end.
 *
 * Refused with a one-line message naming the construct (RegexError
 * 'unsupported'), because RE2 cannot run them in linear time or because RE2
 * does not mean the same thing: back-references, look-around, atomic groups,
 * possessive quantifiers, recursion, conditionals, `\G`, embedded code,
 * backtracking verbs, `\X`, `\b{...}`, `\N{NAME}`, `(?l)`, repetition counts
 * above 1000, `$`/`\Z`/`\R` with more pattern after them, `(?m)^` where
 * the rest of the pattern can match nothing, `\b` under Unicode rules, and
 * /i under Unicode rules where perl folds "ss" and "ß" or a code point above
 * 0xFF (the last five need a look-ahead that RE2 does not have).
 */

import { fromByteString, toByteString } from './perl.js';

export type RegexErrorKind = 'syntax' | 'unsupported';

export class RegexError extends Error {
  override readonly name = 'RegexError';
  constructor(
    readonly kind: RegexErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** RE2's largest repetition count. */
export const MAX_REPEAT = 1000;
/** Group nesting limit (the parser and the writer recurse). */
const MAX_NESTING = 200;
/** Perl's own limit for `{n,m}` counts. */
const MAX_QUANTIFIER = 65534;

export interface CompiledRegex {
  /** Whether the pattern matches anywhere in `subject` (a Perl string: cPanel's cell value). */
  test(subject: string): boolean;
}

/** The regex engine: re2js, loaded on first use by loadRegexEngine(). */
export interface RegexEngine {
  /** Compiles a Perl pattern; throws RegexError for a syntax error or an unsupported construct. */
  compile(pattern: string): CompiledRegex;
}

/**
 * Loads re2js (a dynamic import: about 25 ms, paid only by a call that has
 * a `matches` filter) and returns the engine.
 */
export async function loadRegexEngine(): Promise<RegexEngine> {
  const { RE2JS } = await import('re2js');
  return {
    compile(pattern: string): CompiledRegex {
      const source = translatePerlRegex(pattern);
      let re: { test(input: string): boolean };
      try {
        re = RE2JS.compile(source);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        if (/invalid repeat count/.test(detail)) throw new RegexError('unsupported', `nested repetition counts multiplying past ${MAX_REPEAT} are not supported by the matches filter`);
        throw new RegexError('unsupported', `this pattern is too large for the matches filter (${detail})`);
      }
      return { test: (subject: string): boolean => re.test(toByteString(subject)) };
    },
  };
}

/**
 * The RE2 pattern that means on a byte string (characters 0-255) what the
 * Perl pattern means: no flags, no captures, explicit byte sets.
 */
export function translatePerlRegex(pattern: string): string {
  const bytes = toByteString(pattern);
  let parser = new Parser(bytes, false);
  let ast = parser.parse();
  if (parser.unicodeTriggered) {
    parser = new Parser(bytes, true);
    ast = parser.parse();
  }
  return emit(ast, { tail: true, followMin: 0 });
}

// ---------------------------------------------------------------------------
// Syntax tree

type AssertKind = 'bol' | 'mbol' | 'eol' | 'meol' | 'A' | 'z' | 'Z' | 'b' | 'B';

type Node =
  /** `literal`: a character of the pattern (not a class), which perl may fold with its neighbours ("ss" to "ß"). */
  | { readonly t: 'set'; readonly set: Uint8Array; readonly literal?: true }
  | { readonly t: 'never' }
  | { readonly t: 'empty' }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'group'; readonly body: Node }
  /** Greedy or lazy: the same for a yes/no match. */
  | { readonly t: 'repeat'; readonly body: Node; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: AssertKind }
  /** `\R`: perl's `(?>\r\n|\v)`, atomic. */
  | { readonly t: 'linebreak' };

/** Perl's character-set modifiers: /d (the default), /u, /a, /aa, /l. */
type Charset = 'd' | 'u' | 'a' | 'aa' | 'l';

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  xx: boolean;
  n: boolean;
  cs: Charset;
}

type ByteSet = Uint8Array;

function emptySet(): ByteSet {
  return new Uint8Array(256);
}

function setOf(predicate: (b: number) => boolean): ByteSet {
  const set = emptySet();
  for (let b = 0; b < 256; b++) if (predicate(b)) set[b] = 1;
  return set;
}

function negate(set: ByteSet): ByteSet {
  return set.map((v) => 1 - v);
}

function addAll(target: ByteSet, source: ByteSet): void {
  for (let b = 0; b < 256; b++) if (source[b]) target[b] = 1;
}

function addByte(set: ByteSet, byte: number | undefined): void {
  if (byte !== undefined) set[byte] = 1;
}

/** /i under /d: ASCII letters only. */
function foldAscii(set: ByteSet): ByteSet {
  const out = set.slice();
  for (let b = 0x41; b <= 0x5a; b++) {
    if (set[b] || set[b + 0x20]) out[b] = out[b + 0x20] = 1;
  }
  return out;
}

/** /i under Unicode rules, on Latin-1: ASCII letters and À-Þ with à-þ (not × and ÷); µ and ÿ fold only with code points above 0xFF. */
function foldLatin1(set: ByteSet): ByteSet {
  const out = foldAscii(set);
  for (let b = 0xc0; b <= 0xde; b++) {
    if (b === 0xd7) continue;
    if (set[b] || set[b + 0x20]) out[b] = out[b + 0x20] = 1;
  }
  return out;
}

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isUpper = (b: number): boolean => b >= 0x41 && b <= 0x5a;
const isLower = (b: number): boolean => b >= 0x61 && b <= 0x7a;
const isAlpha = (b: number): boolean => isUpper(b) || isLower(b);
const isWordByte = (b: number): boolean => isAlpha(b) || isDigit(b) || b === 0x5f;

/** The bytes whose Latin-1 character matches a JavaScript class (`[\p{L}]`), computed once per class. */
function unicodeSet(jsClass: string): ByteSet {
  let set = unicodeSets.get(jsClass);
  if (set === undefined) {
    const re = new RegExp(`^(?:${jsClass})$`, 'u');
    set = setOf((b) => re.test(String.fromCharCode(b)));
    unicodeSets.set(jsClass, set);
  }
  return set;
}

/**
 * What perl's /i makes of a class about case (perlunicode): `\p{Lu}`,
 * `\p{Ll}`, `\p{Lt}` match `\p{Cased_Letter}`; `\p{Uppercase}`,
 * `\p{Lowercase}` (and `[[:upper:]]`, `[[:lower:]]` under Unicode rules)
 * match `\p{Cased}`; their ASCII forms match ASCII letters. Any other class
 * is left as it is (`(?i)\p{Greek}` does not match "µ").
 */
function caselessClass(jsClass: string): string {
  if (/^\\p\{(?:Lu|Ll|Lt|Uppercase_Letter|Lowercase_Letter|Titlecase_Letter)\}$/.test(jsClass)) return '\\p{LC}';
  if (jsClass === '\\p{Uppercase}' || jsClass === '\\p{Lowercase}') return '\\p{Cased}';
  if (jsClass === '[A-Z]' || jsClass === '[a-z]') return '[A-Za-z]';
  return jsClass;
}
const unicodeSets = new Map<string, ByteSet>();

const DIGIT = setOf(isDigit);
const WORD = setOf(isWordByte);
const SPACE = setOf((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d));
const HSPACE = setOf((b) => b === 0x09 || b === 0x20 || b === 0xa0);
const VSPACE = setOf((b) => (b >= 0x0a && b <= 0x0d) || b === 0x85);
const NOT_NEWLINE = setOf((b) => b !== 0x0a);
const ANY = setOf(() => true);

const U_WORD = '[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}]';
const U_SPACE = '\\p{White_Space}';

/** `\d`, `\w`, `\s` and their negations under the rules in force; undefined for any other letter. */
function namedClass(letter: string, rules: Charset): ByteSet | undefined {
  const unicode = rules === 'u';
  switch (letter) {
    case 'd':
      return DIGIT; // Latin-1 has no other decimal digits
    case 'D':
      return negate(DIGIT);
    case 'w':
      return unicode ? unicodeSet(U_WORD) : WORD;
    case 'W':
      return negate(unicode ? unicodeSet(U_WORD) : WORD);
    case 's':
      return unicode ? unicodeSet(U_SPACE) : SPACE;
    case 'S':
      return negate(unicode ? unicodeSet(U_SPACE) : SPACE);
    default:
      return undefined;
  }
}

/** POSIX classes under /d, /a, /aa: ASCII. */
const POSIX: Readonly<Record<string, string>> = {
  alpha: '[A-Za-z]',
  digit: '[0-9]',
  alnum: '[A-Za-z0-9]',
  upper: '[A-Z]',
  lower: '[a-z]',
  space: '[\\t-\\r ]',
  blank: '[\\t ]',
  cntrl: '[\\x00-\\x1f\\x7f]',
  graph: '[!-~]',
  print: '[ -~]',
  punct: '[!-\\/:-@\\[-`{-~]',
  xdigit: '[0-9A-Fa-f]',
  word: '[A-Za-z0-9_]',
  ascii: '[\\x00-\\x7f]',
};

/** Perl's XPosix classes: the POSIX classes under Unicode rules. */
const XPOSIX: Readonly<Record<string, string>> = {
  alpha: '\\p{Alphabetic}',
  digit: '\\p{Nd}',
  alnum: '[\\p{Alphabetic}\\p{Nd}]',
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  space: U_SPACE,
  blank: '[\\t \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]',
  cntrl: '\\p{Cc}',
  graph: '[^\\p{White_Space}\\p{Cc}\\p{Cs}\\p{Cn}]',
  print: '[^\\p{White_Space}\\p{Cc}\\p{Cs}\\p{Cn}]|[ \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]',
  punct: '[\\p{P}$+<=>^`|~]',
  xdigit: '[0-9A-Fa-f]',
  word: U_WORD,
  ascii: '[\\x00-\\x7f]',
};

/** `[:name:]` under the rules in force (and /i), undefined for an unknown name. */
function posixClass(name: string, rules: Charset, caseless: boolean): ByteSet | undefined {
  const source = (rules === 'u' ? XPOSIX : POSIX)[name];
  if (source === undefined) return undefined;
  return unicodeSet(caseless ? caselessClass(source) : source);
}

/** Perl property names (loose: case, spaces, `_` and `-` ignored; an `Is` prefix allowed) that are not JavaScript's, as JavaScript classes. */
const PERL_PROPERTIES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(XPOSIX).map(([name, source]) => [`xposix${name}`, source])),
  ...Object.fromEntries(Object.entries(POSIX).map(([name, source]) => [`posix${name}`, source])),
  alnum: XPOSIX['alnum'] as string,
  digit: '\\p{Nd}',
  space: U_SPACE,
  spaceperl: U_SPACE,
  xperlspace: U_SPACE,
  upper: '\\p{Uppercase}',
  lower: '\\p{Lowercase}',
  punct: '\\p{P}',
  word: U_WORD,
  blank: XPOSIX['blank'] as string,
  horizspace: XPOSIX['blank'] as string,
  vertspace: '[\\n-\\r\\u0085\\u2028\\u2029]',
  cntrl: '\\p{Cc}',
  graph: XPOSIX['graph'] as string,
  print: XPOSIX['print'] as string,
  xdigit: '\\p{Hex_Digit}',
  xposixxdigit: '\\p{Hex_Digit}',
  title: '\\p{Lt}',
  titlecase: '\\p{Lt}',
  'l&': '\\p{LC}',
  all: '[\\s\\S]',
  inbasiclatin: '[\\x00-\\x7f]',
  inlatin1: '[\\x80-\\xff]',
  inlatin1supplement: '[\\x80-\\xff]',
};

/** A value computed on first use. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** JavaScript's names, by their loose form: general categories, binary properties, scripts (Perl's bare script name is Script_Extensions). */
const jsProperties = lazy((): ReadonlyMap<string, string> => {
  const names = new Map<string, string>();
  const add = (loose: string, js: string): void => {
    try {
      new RegExp(`\\p{${js}}`, 'u');
      names.set(loose.replace(/[\s_-]/g, '').toLowerCase(), js);
    } catch {
      // not a name this Node knows
    }
  };
  const categories =
    'L Letter LC Cased_Letter Lu Uppercase_Letter Ll Lowercase_Letter Lt Titlecase_Letter Lm Modifier_Letter Lo Other_Letter M Mark Combining_Mark Mn Nonspacing_Mark Mc Spacing_Mark Me Enclosing_Mark N Number Nd Decimal_Number Nl Letter_Number No Other_Number P Punctuation Pc Connector_Punctuation Pd Dash_Punctuation Ps Open_Punctuation Pe Close_Punctuation Pi Initial_Punctuation Pf Final_Punctuation Po Other_Punctuation S Symbol Sm Math_Symbol Sc Currency_Symbol Sk Modifier_Symbol So Other_Symbol Z Separator Zs Space_Separator Zl Line_Separator Zp Paragraph_Separator C Other Cc Control Cf Format Cs Surrogate Co Private_Use Cn Unassigned';
  for (const name of categories.split(' ')) add(name, name);
  const binary =
    'ASCII ASCII_Hex_Digit AHex Alphabetic Alpha Any Assigned Bidi_Control Bidi_Mirrored Case_Ignorable CI Cased Changes_When_Casefolded CWCF Changes_When_Casemapped CWCM Changes_When_Lowercased CWL Changes_When_NFKC_Casefolded CWKCF Changes_When_Titlecased CWT Changes_When_Uppercased CWU Dash Default_Ignorable_Code_Point DI Deprecated Dep Diacritic Dia Emoji Emoji_Component Emoji_Modifier Emoji_Modifier_Base Emoji_Presentation Extended_Pictographic Extender Ext Grapheme_Base Gr_Base Grapheme_Extend Gr_Ext Hex_Digit Hex IDS_Binary_Operator IDS_Trinary_Operator ID_Continue IDC ID_Start IDS Ideographic Ideo Join_Control Join_C Logical_Order_Exception LOE Lowercase Math Noncharacter_Code_Point Pattern_Syntax Pat_Syn Pattern_White_Space Pat_WS Quotation_Mark QMark Radical Regional_Indicator RI Sentence_Terminal STerm Soft_Dotted SD Terminal_Punctuation Term Unified_Ideograph UIdeo Uppercase Variation_Selector VS White_Space space WSpace XID_Continue XIDC XID_Start XIDS';
  for (const name of binary.split(' ')) add(name, name);
  const scripts =
    'Latin Latn Greek Grek Cyrillic Cyrl Armenian Armn Hebrew Hebr Arabic Arab Syriac Syrc Thaana Thaa Devanagari Deva Bengali Beng Gurmukhi Guru Gujarati Gujr Oriya Orya Tamil Taml Telugu Telu Kannada Knda Malayalam Mlym Sinhala Sinh Thai Lao Laoo Tibetan Tibt Myanmar Mymr Georgian Geor Hangul Hang Ethiopic Ethi Cherokee Cher Khmer Khmr Mongolian Mong Hiragana Hira Katakana Kana Bopomofo Bopo Han Hani Yi Yiii Common Zyyy Inherited Zinh Qaai Coptic Copt Gothic Goth Runic Runr Ogham Ogam Braille Brai';
  for (const name of scripts.split(' ')) add(name, `Script_Extensions=${name}`);
  return names;
});

/** `\p{name}` on Latin-1 (as /i has it when `caseless`), undefined for a name we do not know. */
function propertySet(name: string, caseless: boolean): ByteSet | undefined {
  const resolve = (jsClass: string): ByteSet => unicodeSet(caseless ? caselessClass(jsClass) : jsClass);
  const loose = (raw: string): string => raw.replace(/[\s_-]/g, '').toLowerCase();
  let key = loose(name);
  const eq = key.search(/[=:]/);
  if (eq !== -1) {
    const prop = key.slice(0, eq);
    const value = key.slice(eq + 1);
    if (['gc', 'generalcategory', 'category'].includes(prop)) key = value;
    else if (['sc', 'script', 'scx', 'scriptextensions'].includes(prop)) {
      const js = jsProperties().get(value);
      if (!js?.startsWith('Script_Extensions=')) return undefined;
      return unicodeSet(`\\p{${prop.startsWith('scx') || prop === 'scriptextensions' ? js : js.replace('Script_Extensions=', 'Script=')}}`);
    } else return undefined;
  }
  for (const candidate of key.startsWith('is') && key.length > 2 ? [key, key.slice(2)] : [key]) {
    const perl = PERL_PROPERTIES[candidate];
    if (perl !== undefined) return resolve(perl);
    const js = jsProperties().get(candidate);
    if (js) return resolve(`\\p{${js}}`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Parser

const SET_NODE = (set: ByteSet): Node => ({ t: 'set', set });

class Parser {
  private pos = 0;
  private groupCount = 0;
  private depth = 0;
  /** Whether the pattern holds what makes Perl apply Unicode rules to all of it (\p{}, \N{}, a code point above 0xFF). */
  unicodeTriggered = false;

  /** `unicode`: parse with the Unicode rules that a trigger anywhere in the pattern turns on (a second pass). */
  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
  ) {}

  parse(): Node {
    const flags: Flags = { i: false, m: false, s: false, x: false, xx: false, n: false, cs: 'd' };
    const node = this.parseAlternation(flags);
    if (this.pos < this.src.length) {
      // Only an unmatched `)` stops the top-level alternation early.
      this.pos++;
      throw this.marked('Unmatched )');
    }
    return node;
  }

  /** The rules in force: /d is /u once the pattern has a Unicode trigger. */
  private rules(flags: Flags): Charset {
    return flags.cs === 'd' && this.unicode ? 'u' : flags.cs;
  }

  /**
   * A set under the flags: folded for /i by the rules in force. `literal`:
   * the set lists characters (a literal, a bracketed class), which perl
   * also folds to several characters ("ß" to "ss"); a property does not.
   */
  private cased(set: ByteSet, flags: Flags, literal = true): ByteSet {
    if (!flags.i) return set;
    const rules = this.rules(flags);
    if (rules === 'd') return foldAscii(set);
    if (literal && (rules === 'u' || rules === 'a') && set[0xdf]) throw this.unsupported('case-insensitive “ß” under Unicode rules (it matches “ss” in perl)', true);
    return foldLatin1(set);
  }

  /** A code point above 0xFF: it matches nothing in a byte string, but it turns on Unicode rules, and under /i may fold into Latin-1. */
  private wide(flags: Flags, text: string): Node {
    this.unicodeTriggered = true;
    if (flags.i) throw this.unsupported(`case-insensitive code points above 0xFF (${text})`, true);
    return { t: 'never' };
  }

  // -- errors, in Perl's wording

  private marked(message: string): RegexError {
    const before = fromByteString(this.src.slice(0, this.pos));
    const after = fromByteString(this.src.slice(this.pos));
    return new RegexError('syntax', `${message} in regex; marked by <-- HERE in m/${before} <-- HERE ${after}/`);
  }

  private whole(message: string): RegexError {
    return new RegexError('syntax', `${message} in regex m/${fromByteString(this.src)}/`);
  }

  /** The construct from `start` to the next `)`, for a message. */
  private constructAt(start: number): string {
    const end = this.src.indexOf(')', start);
    return this.show(start, end === -1 ? undefined : end + 1);
  }

  /** The pattern's text from `start` to `end` (or the current position), for a message. */
  private show(start: number, end: number | undefined = this.pos): string {
    return fromByteString(this.src.slice(start, end));
  }

  /** A construct RE2 cannot run, or whose meaning we do not reproduce: `what` names it (plural unless `singular`). */
  private unsupported(what: string, singular = false): RegexError {
    return new RegexError('unsupported', `${what} ${singular ? 'is' : 'are'} not supported by the matches filter`);
  }

  // -- helpers

  private peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  private code(offset = 0): number {
    return this.src.charCodeAt(this.pos + offset);
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private skipExtended(flags: Flags): void {
    if (!flags.x) return;
    for (;;) {
      const c = this.code();
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85) {
        this.pos++;
      } else if (c === 0x23 /* # */) {
        while (!this.atEnd() && this.peek() !== '\n') this.pos++;
      } else {
        return;
      }
    }
  }

  private literal(byte: number, flags: Flags): Node {
    const set = emptySet();
    set[byte] = 1;
    return { t: 'set', set: this.cased(set, flags), literal: true };
  }

  // -- grammar

  private parseAlternation(flags: Flags): Node {
    const alts: Node[] = [this.parseSequence(flags)];
    while (this.peek() === '|') {
      this.pos++;
      alts.push(this.parseSequence(flags));
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts };
  }

  private parseSequence(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipExtended(flags);
      if (this.atEnd()) break;
      const c = this.peek();
      if (c === '|' || c === ')') break;
      const atom = this.parseAtom(flags);
      if (atom === undefined) continue; // a comment or an inline flag group
      items.push(this.parseQuantifiers(atom, flags));
    }
    if (flags.i && (this.rules(flags) === 'u' || this.rules(flags) === 'a')) {
      // Perl's multi-character fold: a literal "ss" matches "ß" (0xDF) under /iu.
      const s = (node: Node | undefined): boolean => node?.t === 'set' && node.literal === true && node.set[0x73] === 1;
      if (items.some((item, k) => s(item) && s(items[k + 1]))) throw this.unsupported('case-insensitive “ss” under Unicode rules (it matches “ß” in perl)', true);
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'seq', items };
  }

  /** `{n}`, `{n,}`, `{n,m}`, `{,m}` at the current position, or undefined when `{` is a literal. */
  private readBraces(): { min: number; max: number; end: number } | undefined {
    const m = /^\{\s*(\d*)\s*(?:(,)\s*(\d*)\s*)?\}/.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) return undefined;
    const [text, low = '', comma, high = ''] = m;
    if (low === '' && (comma === undefined || high === '')) return undefined;
    for (const [digits, offset] of [[low, text.indexOf(low)], [high, text.lastIndexOf(high)]] as const) {
      if (digits !== '' && Number(digits) > MAX_QUANTIFIER) {
        this.pos += offset + digits.length;
        throw this.marked(`Quantifier in {,} bigger than ${MAX_QUANTIFIER}`);
      }
    }
    const min = low === '' ? 0 : Number(low);
    const max = comma === undefined ? min : high === '' ? Number.POSITIVE_INFINITY : Number(high);
    return { min, max, end: this.pos + text.length };
  }

  private quantifierAt(): { min: number; max: number; end: number } | undefined {
    const c = this.peek();
    if (c === '*') return { min: 0, max: Number.POSITIVE_INFINITY, end: this.pos + 1 };
    if (c === '+') return { min: 1, max: Number.POSITIVE_INFINITY, end: this.pos + 1 };
    if (c === '?') return { min: 0, max: 1, end: this.pos + 1 };
    if (c === '{') return this.readBraces();
    return undefined;
  }

  private parseQuantifiers(atom: Node, flags: Flags): Node {
    this.skipExtended(flags);
    const q = this.quantifierAt();
    if (!q) return atom;
    const qStart = this.pos;
    this.pos = q.end;
    this.skipExtended(flags); // under /x perl reads `a* +` as possessive, `a{2,} ?` as lazy
    if (this.peek() === '?') {
      this.pos++; // lazy
    } else if (this.peek() === '+') {
      this.pos++;
      throw this.unsupported(`possessive quantifiers (${this.show(qStart)})`);
    }
    this.skipExtended(flags);
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.readBraces())) {
      this.pos++;
      throw this.marked('Nested quantifiers');
    }
    if (q.min > q.max) return { t: 'never' }; // Perl only warns about {n,m} with n > m: it never matches
    return { t: 'repeat', body: atom, min: q.min, max: q.max };
  }

  private parseAtom(flags: Flags): Node | undefined {
    const c = this.peek();
    switch (c) {
      case '(':
        return this.parseGroup(flags);
      case '[':
        return this.parseClass(flags);
      case '.':
        this.pos++;
        return SET_NODE(flags.s ? ANY : NOT_NEWLINE);
      case '^':
        this.pos++;
        return { t: 'assert', kind: flags.m ? 'mbol' : 'bol' };
      case '$':
        this.pos++;
        return { t: 'assert', kind: flags.m ? 'meol' : 'eol' };
      case '\\':
        return this.parseEscape(flags);
      case '*':
      case '+':
      case '?':
        this.pos++;
        throw this.marked('Quantifier follows nothing');
      case '{':
        // Perl takes a `{` that cannot quantify anything literally (`/{1}/` matches "{1}").
        this.pos++;
        return this.literal(0x7b, flags);
      default:
        this.pos++;
        return this.literal(c.charCodeAt(0), flags);
    }
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) throw new RegexError('unsupported', `groups nested deeper than ${MAX_NESTING} are not supported by the matches filter`);
  }

  private closeGroup(): void {
    if (this.peek() !== ')') {
      throw this.unmatchedOpen();
    }
    this.pos++;
    this.depth--;
  }

  private groupStarts: number[] = [];

  private unmatchedOpen(): RegexError {
    this.pos = (this.groupStarts[this.groupStarts.length - 1] ?? 0) + 1;
    return this.marked('Unmatched (');
  }

  private parseGroup(flags: Flags): Node | undefined {
    const start = this.pos;
    this.pos++;
    if (this.peek() === '*') return this.parseVerb(start);
    if (this.peek() !== '?') {
      this.enter();
      this.groupStarts.push(start);
      if (flags.n) {
        const body = this.parseAlternation({ ...flags });
        this.closeGroup();
        this.groupStarts.pop();
        return body;
      }
      ++this.groupCount;
      const body = this.parseAlternation({ ...flags });
      this.closeGroup();
      this.groupStarts.pop();
      return { t: 'group', body };
    }
    this.pos++; // past `?`
    if (this.atEnd()) throw this.marked('Sequence (? incomplete');
    const c = this.peek();
    if (c === '#') {
      const end = this.src.indexOf(')', this.pos);
      if (end === -1) throw this.whole('Sequence (?#... not terminated');
      this.pos = end + 1;
      return undefined;
    }
    const wrap = (make: (body: Node) => Node, inner: Flags = { ...flags }): Node => {
      this.enter();
      this.groupStarts.push(start);
      const body = this.parseAlternation(inner);
      this.closeGroup();
      this.groupStarts.pop();
      return make(body);
    };
    if (c === ':') {
      this.pos++;
      return wrap((body) => body);
    }
    if (c === '=' || c === '!') throw this.unsupported(`look-ahead assertions ((?${c}...))`);
    if (c === '>') throw this.unsupported('atomic groups ((?>...))');
    if (c === '|') {
      this.pos++;
      return this.parseBranchReset(flags, start);
    }
    if (c === '<' && (this.peek(1) === '=' || this.peek(1) === '!')) throw this.unsupported(`look-behind assertions ((?<${this.peek(1)}...))`);
    if (c === '<' || c === "'" || (c === 'P' && this.peek(1) === '<')) {
      if (c === 'P') this.pos++;
      const close = this.peek() === '<' ? '>' : "'";
      this.pos++;
      this.readName(close);
      ++this.groupCount;
      return wrap((body) => ({ t: 'group', body }));
    }
    if (c === 'P' && this.peek(1) === '=') throw this.unsupported(`back-references (${this.constructAt(start)})`);
    if ((c === 'P' && this.peek(1) === '>') || c === '&' || c === 'R' || isDigit(this.code()) || ((c === '+' || c === '-') && isDigit(this.code(1)))) {
      throw this.unsupported(`recursion (${this.constructAt(start)})`, true);
    }
    if (c === '{' || (c === '?' && this.peek(1) === '{')) throw this.unsupported('embedded code ((?{...}))', true);
    if (c === '(') throw this.unsupported('conditionals ((?(...)...))');
    if (c === '[') throw this.unsupported('extended bracketed character classes ((?[...]))');
    return this.parseFlagGroup(flags, wrap);
  }

  private parseVerb(start: number): Node {
    const end = this.src.indexOf(')', this.pos);
    const verb = end === -1 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
    if (verb === '*FAIL' || verb === '*F') {
      this.pos = end + 1;
      return { t: 'never' };
    }
    throw this.unsupported(`backtracking control verbs and alphabetic assertions (${this.show(start, end === -1 ? undefined : end + 1)})`);
  }

  private readName(close: string): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) {
      this.pos++;
      throw this.marked('Group name must start with a non-digit word character');
    }
    this.pos += m[0].length;
    if (this.peek() !== close) {
      this.pos++;
      throw this.marked(`Sequence (?${close === '>' ? '<' : close}... not terminated`);
    }
    this.pos++;
    return m[0];
  }

  private parseBranchReset(flags: Flags, start: number): Node {
    this.enter();
    this.groupStarts.push(start);
    const base = this.groupCount;
    let highest = base;
    const inner = { ...flags };
    const alts: Node[] = [];
    for (;;) {
      this.groupCount = base;
      alts.push(this.parseSequence(inner));
      highest = Math.max(highest, this.groupCount);
      if (this.peek() !== '|') break;
      this.pos++;
    }
    this.groupCount = highest;
    this.closeGroup();
    this.groupStarts.pop();
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts };
  }

  private parseFlagGroup(flags: Flags, wrap: (make: (body: Node) => Node, inner: Flags) => Node): Node | undefined {
    const inner: Flags = { ...flags };
    let on = true;
    let charset: Charset | undefined;
    if (this.peek() === '^') {
      Object.assign(inner, { i: false, m: false, s: false, x: false, xx: false, n: false, cs: 'd' });
      this.pos++;
      if (this.peek() === '-') {
        this.pos++;
        throw this.marked('Sequence (?^-...) not recognized');
      }
    }
    for (;;) {
      if (this.atEnd()) throw this.marked('Sequence (?... not terminated');
      const c = this.peek();
      if (c === ')' || c === ':') break;
      this.pos++;
      if (c === '-') {
        if (!on) throw this.marked('Sequence (?--...) not recognized');
        on = false;
        continue;
      }
      switch (c) {
        case 'i':
        case 'm':
        case 's':
        case 'n':
          inner[c] = on;
          break;
        case 'x':
          if (on && inner.x && this.src.charAt(this.pos - 2) === 'x') inner.xx = true;
          inner.x = on;
          if (!on) inner.xx = false;
          break;
        case 'p':
        case 'o':
        case 'g':
        case 'c':
          break; // accepted and meaningless here (Perl warns about the last three)
        case 'a':
        case 'd':
        case 'l':
        case 'u':
          // Character-set modifiers: which rules \w, \s, \d, \b, POSIX classes and /i follow.
          if (!on) throw this.marked(`Regexp modifier "${c}" may not appear after the "-"`);
          if (charset === 'a' && c === 'a' && this.src.charAt(this.pos - 2) === 'a') charset = 'aa';
          else if (charset === 'a' || charset === 'aa') throw this.marked('Regexp modifier "a" may appear a maximum of twice');
          else if (charset !== undefined) throw this.marked(`Regexp modifiers "${charset}" and "${c}" are mutually exclusive`);
          else charset = c;
          break;
        default:
          throw this.marked(`Sequence (?${on ? '' : '-'}${c}...) not recognized`);
      }
    }
    if (charset === 'l') throw this.unsupported('locale rules ((?l))');
    if (charset !== undefined) inner.cs = charset;
    if (this.peek() === ')') {
      // (?flags): the rest of the enclosing group.
      this.pos++;
      Object.assign(flags, inner);
      return undefined;
    }
    this.pos++; // `:`
    return wrap((body) => body, inner);
  }

  /** A back-reference from `start` (its `\`) to the current position. */
  private backref(start: number): RegexError {
    return this.unsupported(`back-references (${this.show(start)})`);
  }

  private parseEscape(flags: Flags): Node {
    this.pos++; // `\`
    if (this.atEnd()) throw this.whole('Trailing \\');
    const c = this.peek();
    const escapeStart = this.pos - 1;
    this.pos++;
    const named = namedClass(c, this.rules(flags));
    if (named) return SET_NODE(named);
    switch (c) {
      case 'h':
        return SET_NODE(HSPACE);
      case 'H':
        return SET_NODE(negate(HSPACE));
      case 'v':
        return SET_NODE(VSPACE);
      case 'V':
        return SET_NODE(negate(VSPACE));
      case 'R':
        return { t: 'linebreak' };
      case 'N':
        // `\N{3}` is \N quantified; `\N{U+41}` a character.
        if (this.peek() === '{' && !this.readBraces()) return this.parseNamedChar(flags, escapeStart);
        return SET_NODE(NOT_NEWLINE);
      case 'b':
      case 'B':
        if (this.peek() === '{') {
          const end = this.src.indexOf('}', this.pos);
          const type = end === -1 ? '' : this.src.slice(this.pos + 1, end);
          if (['gcb', 'g', 'lb', 'sb', 'wb'].includes(type)) throw this.unsupported(`Unicode boundaries (${this.show(escapeStart, end + 1)})`);
          this.pos = end === -1 ? this.src.length : end;
          throw this.marked(`'${fromByteString(type)}' is an unknown bound type`);
        }
        // RE2's \b knows ASCII words only: Perl's under /d, /a and /aa, not under /u.
        if (this.rules(flags) === 'u') throw this.unsupported(`word boundaries under Unicode rules (\\${c} with \\p{...}, \\N{...}, a code point above 0xFF or (?u))`);
        return { t: 'assert', kind: c };
      case 'A':
      case 'z':
      case 'Z':
        return { t: 'assert', kind: c };
      case 'G':
        throw this.unsupported('\\G', true);
      case 'C':
        this.pos--;
        throw this.marked('\\C no longer supported');
      case 'K':
        return { t: 'empty' }; // only moves the reported match start
      case 'X':
        throw this.unsupported('extended grapheme clusters (\\X)');
      case 'g':
        return this.parseGReference(escapeStart);
      case 'k': {
        const open = this.peek();
        const close = open === '<' ? '>' : open === "'" ? "'" : open === '{' ? '}' : undefined;
        if (!close) {
          throw this.marked('Sequence \\k... not terminated');
        }
        this.pos++;
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
        if (!m) throw this.marked('Group name must start with a non-digit word character');
        this.pos += m[0].length;
        if (this.peek() !== close) throw this.marked('Sequence \\k... not terminated');
        this.pos++;
        throw this.backref(escapeStart);
      }
      case 'p':
      case 'P':
        return SET_NODE(this.parseProperty(c === 'P', escapeStart, flags));
      default:
        break;
    }
    if (isDigit(c.charCodeAt(0))) {
      this.pos--;
      return this.parseDigitEscape(flags, escapeStart);
    }
    const byte = this.simpleEscape(c);
    if (byte === undefined) return this.wide(flags, this.show(escapeStart));
    return this.literal(byte, flags);
  }

  private parseGReference(escapeStart: number): Node {
    const braced = this.peek() === '{';
    const text = this.src.slice(this.pos);
    const m = braced ? /^\{\s*(-?\d+|[A-Za-z_][A-Za-z0-9_]*)\s*\}/.exec(text) : /^(-?\d+)/.exec(text);
    if (!m?.[1]) {
      if (braced) {
        this.pos++;
        throw this.marked('Sequence \\g{... not terminated');
      }
      throw this.marked('Unterminated \\g... pattern');
    }
    const ref = m[1];
    if (!/^[A-Za-z_]/.test(ref) && Number(ref) === 0) throw this.marked('Reference to invalid group 0');
    this.pos += m[0].length;
    throw this.backref(escapeStart);
  }

  /** `\1`..`\9` are back-references; `\10` and up only when that many groups are open, else octal. */
  private parseDigitEscape(flags: Flags, escapeStart: number): Node {
    const digits = /^\d+/.exec(this.src.slice(this.pos))?.[0] ?? '';
    if (digits.startsWith('0')) {
      const octal = /^[0-7]{1,3}/.exec(digits)?.[0] ?? '0';
      this.pos += octal.length;
      return this.literal(Number.parseInt(octal, 8) & 0xff, flags);
    }
    const n = Number(digits);
    if (digits.length === 1 || n <= this.groupCount || !/^[0-7]/.test(digits)) {
      this.pos += digits.length;
      throw this.backref(escapeStart);
    }
    const octal = /^[0-7]{1,3}/.exec(digits)?.[0] ?? '';
    this.pos += octal.length;
    const value = Number.parseInt(octal, 8);
    return value > 0xff ? this.wide(flags, this.show(escapeStart)) : this.literal(value, flags);
  }

  /** `\N{U+...}`; `inClass`: the class decides what a code point above 0xFF does. */
  private parseNamedChar(flags: Flags, escapeStart: number, inClass = false): Node {
    const end = this.src.indexOf('}', this.pos);
    const body = end === -1 ? '' : this.src.slice(this.pos + 1, end).trim();
    if (!body.startsWith('U+')) throw this.unsupported(`named characters (${this.show(escapeStart, end === -1 ? undefined : end + 1)})`);
    this.pos = end + 1;
    const hex = body.slice(2).replace(/_/g, '');
    if (!/^[0-9A-Fa-f]+$/.test(hex)) throw this.marked('Invalid hexadecimal number in \\N{U+...}');
    if (flags.cs === 'd') this.unicodeTriggered = true; // as \p{}; a code point above 0xFF always does
    const value = Number.parseInt(hex, 16);
    if (value > 0xff) return inClass ? { t: 'never' } : this.wide(flags, this.show(escapeStart));
    return this.literal(value, flags);
  }

  /** `\p{...}`: under /d it turns on Unicode rules for the whole pattern (not under /u, /a, /aa). */
  private parseProperty(negated: boolean, escapeStart: number, flags: Flags): ByteSet {
    if (flags.cs === 'd') this.unicodeTriggered = true;
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end === -1) {
        this.pos = this.src.length;
        throw this.marked('Missing right brace on \\p{}');
      }
      name = this.src.slice(this.pos + 1, end).trim();
      this.pos = end + 1;
    } else {
      if (this.atEnd()) throw this.marked('Empty \\p');
      name = this.peek();
      this.pos++;
    }
    let neg = negated;
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const set = propertySet(name, flags.i);
    if (!set) throw this.unsupported(`the Unicode property ${this.show(escapeStart)}`, true);
    return neg ? negate(set) : set;
  }

  /**
   * The byte of a one-character escape outside `\d`-style classes:
   * `\t`, `\x{..}`, `\cX`, `\o{..}`, ... or the character itself for an
   * unrecognised escape (Perl passes those through). Undefined for a code
   * point above 0xFF, which a byte string cannot contain.
   */
  private simpleEscape(c: string): number | undefined {
    switch (c) {
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'f':
        return 0x0c;
      case 'e':
        return 0x1b;
      case 'a':
        return 0x07;
      case 'x': {
        if (this.peek() === '{') {
          const end = this.src.indexOf('}', this.pos);
          if (end === -1) {
            this.pos = this.src.length;
            throw this.marked('Missing right brace on \\x{}');
          }
          const hex = this.src.slice(this.pos + 1, end).replace(/[\s_]/g, '');
          this.pos = end + 1;
          const digits = /^[0-9A-Fa-f]*/.exec(hex)?.[0] ?? '';
          const value = digits === '' ? 0 : Number.parseInt(digits, 16);
          return value > 0xff ? undefined : value;
        }
        const hex = /^[0-9A-Fa-f]{0,2}/.exec(this.src.slice(this.pos))?.[0] ?? '';
        this.pos += hex.length;
        return hex === '' ? 0 : Number.parseInt(hex, 16);
      }
      case 'o': {
        if (this.peek() !== '{') throw this.marked('Missing braces on \\o{}');
        const end = this.src.indexOf('}', this.pos);
        if (end === -1) {
          this.pos = this.src.length;
          throw this.marked('Missing right brace on \\o{}');
        }
        const inner = this.src.slice(this.pos + 1, end).trim();
        this.pos = end + 1;
        if (inner === '') throw this.marked('Empty \\o{}');
        const octal = /^[0-7_]*/.exec(inner)?.[0]?.replace(/_/g, '') ?? '';
        const value = octal === '' ? 0 : Number.parseInt(octal, 8);
        return value > 0xff ? undefined : value;
      }
      case 'c': {
        const ch = this.code();
        if (this.atEnd() || ch < 0x20 || ch > 0x7e) {
          throw this.marked('Character following "\\c" must be printable ASCII');
        }
        this.pos++;
        const upper = isLower(ch) ? ch - 0x20 : ch;
        return upper ^ 0x40;
      }
      default:
            return c.charCodeAt(0);
    }
  }

  private parseClass(flags: Flags): Node {
    const open = this.pos;
    this.pos++;
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const set = emptySet();
    let first = true;
    let wide = false;
    let items = 0;
    /** The bytes listed one by one (not from \w, \p{}, POSIX classes). */
    const listed = emptySet();
    const unmatched = (): RegexError => {
      this.pos = open + 1;
      return this.marked('Unmatched [');
    };
    // Each item is a single byte (may start a range) or a whole class.
    for (;;) {
      if (this.atEnd()) throw unmatched();
      if (flags.xx && (this.peek() === ' ' || this.peek() === '\t')) {
        this.pos++;
        continue;
      }
      if (this.peek() === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const itemStart = this.pos;
      const item = this.classItem(unmatched, flags);
      items++;
      if (item.kind === 'byte' && item.byte === undefined) wide = true;
      if (item.kind === 'set') {
        addAll(set, item.set);
        continue;
      }
      // A range?
      if (this.peek() === '-' && this.peek(1) !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        const high = this.classItem(unmatched, flags);
        if (high.kind === 'byte' && high.byte === undefined) wide = true;
        if (high.kind === 'set') {
          // `a-\d`: Perl warns "False [] range" and takes both literally.
          addByte(set, item.byte);
          addByte(listed, item.byte);
          set[0x2d] = 1;
          addAll(set, high.set);
          continue;
        }
        items++;
        if (high.byte !== undefined && (item.byte === undefined || high.byte < item.byte)) {
          throw this.marked(`Invalid [] range "${fromByteString(this.src.slice(itemStart, this.pos))}"`);
        }
        if (item.byte !== undefined && high.byte !== undefined) {
          for (let b = item.byte; b <= high.byte; b++) set[b] = listed[b] = 1;
        } else if (item.byte !== undefined) {
          // A range into code points above 0xFF covers the rest of the bytes.
          for (let b = item.byte; b <= 0xff; b++) set[b] = 1;
        }
        continue;
      }
      addByte(set, item.byte);
      addByte(listed, item.byte);
    }
    if (wide && flags.i) throw this.unsupported(`case-insensitive code points above 0xFF (${this.show(open)})`, true);
    // A code point above 0xFF turns on Unicode rules: always as the one character of a class
    // (perl makes it a literal), else only under /d, as \p{} does.
    if (wide && ((items === 1 && !negated) || flags.cs === 'd')) this.unicodeTriggered = true;
    this.cased(listed, flags); // refuses a listed "ß" where perl folds it to "ss"
    const folded = this.cased(set, flags, false);
    return SET_NODE(negated ? negate(folded) : folded);
  }

  /** One item of a bracketed class: a byte (undefined for a code point above 0xFF) or a whole set. */
  private classItem(unmatched: () => RegexError, flags: Flags): { kind: 'byte'; byte: number | undefined } | { kind: 'set'; set: ByteSet } {
    const c = this.peek();
    if (c === '[') {
      const m = /^\[([:=.])(\^?)([A-Za-z]*)\1\]/.exec(this.src.slice(this.pos));
      if (m) {
        const [text, kind, caret, name = ''] = m;
        if (kind !== ':') {
          this.pos += text.length;
          throw this.marked(`POSIX syntax [${kind} ${kind}] is reserved for future extensions`);
        }
        this.pos += text.length;
        const set = posixClass(name, this.rules(flags), flags.i);
        if (!set) throw this.marked(`POSIX class [:${caret}${fromByteString(name)}:] unknown`);
        return { kind: 'set', set: caret ? negate(set) : set };
      }
    }
    if (c !== '\\') {
      this.pos++;
      return { kind: 'byte', byte: c.charCodeAt(0) };
    }
    this.pos++;
    if (this.atEnd()) throw this.marked('Unmatched [');
    const e = this.peek();
    const escapeStart = this.pos - 1;
    this.pos++;
    const named = namedClass(e, this.rules(flags));
    if (named) return { kind: 'set', set: named };
    switch (e) {
      case 'h':
        return { kind: 'set', set: HSPACE };
      case 'H':
        return { kind: 'set', set: negate(HSPACE) };
      case 'v':
        return { kind: 'set', set: VSPACE };
      case 'V':
        return { kind: 'set', set: negate(VSPACE) };
      case 'p':
      case 'P':
        return { kind: 'set', set: this.parseProperty(e === 'P', escapeStart, flags) };
      case 'b':
        return { kind: 'byte', byte: 0x08 };
      case 'N':
        if (this.peek() === '{') {
          const node = this.parseNamedChar({ ...flags, i: false }, escapeStart, true);
          return node.t === 'set' ? { kind: 'byte', byte: node.set.indexOf(1) } : { kind: 'byte', byte: undefined };
        }
        throw this.marked('\\N in a character class must be a named character: \\N{...}');
      default:
        break;
    }
    if (isDigit(e.charCodeAt(0))) {
      // Octal in a class (no back-references there).
      this.pos--;
      const octal = /^[0-7]{1,3}/.exec(this.src.slice(this.pos))?.[0];
      if (octal === undefined) {
        this.pos++;
        return { kind: 'byte', byte: e.charCodeAt(0) };
      }
      this.pos += octal.length;
      const value = Number.parseInt(octal, 8);
      return { kind: 'byte', byte: value > 0xff ? undefined : value };
    }
    return { kind: 'byte', byte: this.simpleEscape(e) };
  }
}


/** Minimum and maximum length of what a node can match (Infinity when unbounded). */
function lengthRange(node: Node): [number, number] {
  switch (node.t) {
    case 'set':
      return [1, 1];
    case 'linebreak':
      return [1, 2];
    case 'never':
    case 'empty':
    case 'assert':
      return [0, 0];
    case 'seq': {
      let min = 0;
      let max = 0;
      for (const item of node.items) {
        const [a, b] = lengthRange(item);
        min += a;
        max += b;
      }
      return [min, max];
    }
    case 'alt': {
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      for (const alt of node.alts) {
        const [a, b] = lengthRange(alt);
        min = Math.min(min, a);
        max = Math.max(max, b);
      }
      return [min, max];
    }
    case 'group':
      return lengthRange(node.body);
    case 'repeat': {
      const [a, b] = lengthRange(node.body);
      return [a * node.min, b === 0 ? 0 : b * node.max];
    }
  }
}

// ---------------------------------------------------------------------------
// Writing RE2

/** What follows a node in the pattern: `tail` when nothing does, `followMin` the fewest bytes that must. */
interface Context {
  readonly tail: boolean;
  readonly followMin: number;
}

const NOTHING = '[^\\x00-\\x{10FFFF}]';

function hex(b: number): string {
  return `\\x{${b.toString(16)}}`;
}

/** A byte set as an RE2 class of explicit ranges (the subject holds characters 0-255 only). */
function emitSet(set: ByteSet): string {
  let out = '';
  for (let b = 0; b < 256; b++) {
    if (!set[b]) continue;
    let end = b;
    while (end + 1 < 256 && set[end + 1]) end++;
    out += end === b ? hex(b) : `${hex(b)}-${hex(end)}`;
    b = end;
  }
  if (out === '') return NOTHING;
  return /^\\x\{[0-9a-f]+\}$/.test(out) ? out : `[${out}]`;
}

function unsupported(what: string): RegexError {
  return new RegexError('unsupported', `${what} not supported by the matches filter`);
}

function emit(node: Node, ctx: Context): string {
  switch (node.t) {
    case 'set':
      return emitSet(node.set);
    case 'never':
      return NOTHING;
    case 'empty':
      return '(?:)';
    case 'linebreak':
      // Atomic: "\r\n" is never split into "\r" then "\n". Without look-ahead RE2 can only
      // mean that where nothing follows (there, any line break matches either way).
      if (!ctx.tail) throw unsupported('\\R with more pattern after it is');
      return `(?:${emitSet(VSPACE)})`;
    case 'group':
      return emit(node.body, ctx);
    case 'alt':
      return `(?:${node.alts.map((alt) => emit(alt, ctx)).join('|')})`;
    case 'seq': {
      const out: string[] = new Array<string>(node.items.length);
      // From the end: what follows item k is the items after it, then what follows the sequence.
      let after = ctx.followMin;
      let tail = ctx.tail;
      for (let k = node.items.length - 1; k >= 0; k--) {
        const item = node.items[k] as Node;
        out[k] = emit(item, { tail, followMin: after });
        after += lengthRange(item)[0];
        if (item.t !== 'empty') tail = false;
      }
      return `(?:${out.join('')})`;
    }
    case 'repeat': {
      const [, bodyMax] = lengthRange(node.body);
      // Another turn of the loop may follow the body: then it is not at the end of the pattern.
      const body = emit(node.body, { tail: ctx.tail && node.max <= 1, followMin: ctx.followMin });
      // A body that matches only the empty string: the count does not matter (`(?:(?:){65534}){65534}`).
      if (bodyMax === 0) return node.min === 0 ? '(?:)' : body;
      const finite = (n: number): boolean => n !== Number.POSITIVE_INFINITY;
      for (const n of [node.min, node.max]) {
        if (finite(n) && n > MAX_REPEAT) throw unsupported(`repetition counts above ${MAX_REPEAT} ({${node.min === node.max ? n : `${node.min},${finite(node.max) ? node.max : ''}`}}) are`);
      }
      const count = node.max === Number.POSITIVE_INFINITY ? `{${node.min},}` : node.min === node.max ? `{${node.min}}` : `{${node.min},${node.max}}`;
      return `(?:${body})${count}`;
    }
    case 'assert':
      switch (node.kind) {
        case 'bol':
        case 'A':
          return '\\A';
        case 'z':
          return '\\z';
        case 'b':
          return '\\b';
        case 'B':
          return '\\B';
        case 'meol':
          return '(?m:$)';
        case 'eol':
        case 'Z':
          // Perl: at the end, or before a newline that ends the subject. Without look-ahead
          // that is exact only where nothing follows in the pattern.
          if (!ctx.tail) throw unsupported(`${node.kind === 'eol' ? '$' : '\\Z'} with more pattern after it (use \\z, or (?m)$) is`);
          return '(?:\\n?\\z)';
        case 'mbol':
          // Perl's (?m)^ is never true at the very end (after a final newline); RE2's is.
          // The same when at least one byte must follow.
          if (ctx.followMin < 1) throw unsupported('(?m)^ where the rest of the pattern can match the empty string is');
          return '(?m:^)';
      }
  }
}
