/**
 * Perl regular expressions for the `matches` filter (`m{$term}` in cPanel's
 * `Cpanel::Args::Filter::Utils`), evaluated so that no pattern can hang the
 * tool.
 *
 * Why not JavaScript's RegExp: its syntax differs from Perl's, and its
 * backtracking cannot be bounded, so `(a+)+$` against a long string would
 * run for ages. Here the pattern is parsed with Perl's grammar and run on a
 * backtracking machine that remembers every (instruction, position) state it
 * has already explored. A boolean match needs no more: when the pattern has
 * no back-references the state fully decides the outcome, so each state is
 * explored at most once and a match costs O(pattern x subject) steps, however
 * the pattern nests its quantifiers. Lookarounds and atomic groups run as
 * memoised sub-searches. Back-references make the state include the captured
 * text, and only they can still be expensive; every match also has a step
 * budget, and exceeding it is an error (RegexError 'budget'), never a hang.
 *
 * Semantics are Perl's on byte strings, as cPanel's rows and arguments are:
 * subject and pattern are matched as UTF-8 bytes, `\w`, `\d`, `\s` and the
 * POSIX classes are ASCII (Perl's /d rules for non-UTF-8 strings), `/i`
 * folds ASCII letters only, `.` is one byte, `$` also matches before a final
 * newline. `\h`, `\v`, `\R` and `\p{...}` use Unicode's definitions on the
 * byte's Latin-1 code point, as Perl does. Code points above 0xFF
 * (`\x{100}`) match nothing in a byte string.
 *
 * Not supported (RegexError 'unsupported', the call fails): recursion
 * (`(?R)`, `(?1)`, `(?&name)`, `(?P>name)`), conditionals `(?(...)...)`,
 * backtracking verbs other than `(*FAIL)`, `(?[ ])`, `\X`, `\N{NAME}`,
 * `\b{...}`. Syntax errors are reported with Perl's own wording
 * (`Unmatched ( in regex; marked by <-- HERE in m/( <-- HERE /`), without
 * Perl's trailing " at FILE line N.".
 */

import { fromByteString, toByteString } from './perl.js';

export type RegexErrorKind = 'syntax' | 'unsupported' | 'budget' | 'too-complex';

export class RegexError extends Error {
  override readonly name = 'RegexError';
  constructor(
    readonly kind: RegexErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Steps the matches of one call may take before they are abandoned with RegexError 'budget'. */
export const DEFAULT_STEP_LIMIT = 2_000_000;
/** Compiled program size limit (counted repetitions are expanded). */
const MAX_INSTRUCTIONS = 100_000;
/** Group nesting limit (the parser and the sub-searches recurse). */
const MAX_NESTING = 200;
/** Perl's own limit for `{n,m}` counts. */
const MAX_QUANTIFIER = 65534;

export interface CompiledRegex {
  /** Whether the pattern matches anywhere in `subject` (a Perl string: cPanel's cell value). */
  test(subject: string): boolean;
}

/**
 * The steps every match of one call may take together; share one between
 * the patterns of a call to bound the whole call.
 */
export class StepBudget {
  used = 0;
  constructor(readonly limit: number = DEFAULT_STEP_LIMIT) {}
}

export function compilePerlRegex(pattern: string, budget: StepBudget = new StepBudget()): CompiledRegex {
  const bytes = toByteString(pattern);
  const parser = new Parser(bytes);
  const ast = parser.parse();
  const compiler = new Compiler(parser.hasBackrefs);
  const program = compiler.compileProgram(ast);
  const groupCount = parser.groupCount;
  const trackedSlots = parser.referencedGroups().flatMap((g) => [g * 2, g * 2 + 1]);
  const instructions = compiler.instructionCount;
  return {
    test(subject: string): boolean {
      const machine = new Machine(toByteString(subject), trackedSlots, budget, instructions, groupCount);
      return machine.search(program);
    },
  };
}

// ---------------------------------------------------------------------------
// Syntax tree

type AssertKind = 'bol' | 'mbol' | 'eol' | 'meol' | 'A' | 'z' | 'Z' | 'b' | 'B' | 'G';

type Node =
  | { readonly t: 'set'; readonly set: Uint8Array }
  | { readonly t: 'never' }
  | { readonly t: 'empty' }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'group'; readonly index: number; readonly body: Node }
  | { readonly t: 'repeat'; readonly body: Node; readonly min: number; readonly max: number; readonly greedy: boolean; readonly possessive: boolean }
  | { readonly t: 'assert'; readonly kind: AssertKind }
  | { t: 'backref'; groups: number[]; readonly ci: boolean }
  | { readonly t: 'look'; readonly ahead: boolean; readonly negate: boolean; readonly body: Node }
  | { readonly t: 'atomic'; readonly body: Node };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  xx: boolean;
  n: boolean;
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
  return setOf((b) => set[b] !== 1);
}

function addAll(target: ByteSet, source: ByteSet): void {
  for (let b = 0; b < 256; b++) if (source[b] === 1) target[b] = 1;
}

function foldAscii(set: ByteSet): ByteSet {
  const out = set.slice();
  for (let b = 0x41; b <= 0x5a; b++) {
    if (set[b] === 1 || set[b + 0x20] === 1) {
      out[b] = 1;
      out[b + 0x20] = 1;
    }
  }
  return out;
}

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isUpper = (b: number): boolean => b >= 0x41 && b <= 0x5a;
const isLower = (b: number): boolean => b >= 0x61 && b <= 0x7a;
const isAlpha = (b: number): boolean => isUpper(b) || isLower(b);
const isWordByte = (b: number): boolean => isAlpha(b) || isDigit(b) || b === 0x5f;

const DIGIT = setOf(isDigit);
const WORD = setOf(isWordByte);
const SPACE = setOf((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d));
const HSPACE = setOf((b) => b === 0x09 || b === 0x20 || b === 0xa0);
const VSPACE = setOf((b) => (b >= 0x0a && b <= 0x0d) || b === 0x85);
const NOT_NEWLINE = setOf((b) => b !== 0x0a);
const ANY = setOf(() => true);

const POSIX: Readonly<Record<string, (b: number) => boolean>> = {
  alpha: isAlpha,
  digit: isDigit,
  alnum: (b) => isAlpha(b) || isDigit(b),
  upper: isUpper,
  lower: isLower,
  space: (b) => b === 0x20 || (b >= 0x09 && b <= 0x0d),
  blank: (b) => b === 0x20 || b === 0x09,
  cntrl: (b) => b < 0x20 || b === 0x7f,
  graph: (b) => b > 0x20 && b < 0x7f,
  print: (b) => b >= 0x20 && b < 0x7f,
  punct: (b) => b > 0x20 && b < 0x7f && !isAlpha(b) && !isDigit(b),
  xdigit: (b) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66),
  word: isWordByte,
  ascii: (b) => b < 0x80,
};

/** Perl property names that JavaScript spells differently. */
const PROPERTY_ALIASES: Readonly<Record<string, string>> = {
  alpha: 'Alphabetic',
  alnum: 'Alnum',
  digit: 'Nd',
  space: 'White_Space',
  spaceperl: 'White_Space',
  xposixspace: 'White_Space',
  upper: 'Uppercase',
  lower: 'Lowercase',
  punct: 'P',
  word: 'Word',
  xposixalpha: 'Alphabetic',
  xposixdigit: 'Nd',
  xposixupper: 'Uppercase',
  xposixlower: 'Lowercase',
  xposixpunct: 'P',
  xposixword: 'Word',
  xposixalnum: 'Alnum',
  any: 'Any',
  assigned: 'Assigned',
  ascii: 'ASCII',
};

function propertySet(name: string): ByteSet | undefined {
  const loose = name.replace(/[\s_-]/g, '').toLowerCase().replace(/^is(?=.)/, '');
  const alias = PROPERTY_ALIASES[loose];
  let test: (c: string) => boolean;
  try {
    if (alias === 'Word') {
      const re = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
      test = (c) => re.test(c);
    } else if (alias === 'Alnum') {
      const re = /^[\p{Alphabetic}\p{Nd}]$/u;
      test = (c) => re.test(c);
    } else {
      const re = new RegExp(`^\\p{${alias ?? name}}$`, 'u');
      test = (c) => re.test(c);
    }
  } catch {
    return undefined;
  }
  return setOf((b) => test(String.fromCharCode(b)));
}

// ---------------------------------------------------------------------------
// Parser

const SET_NODE = (set: ByteSet): Node => ({ t: 'set', set });

class Parser {
  private pos = 0;
  groupCount = 0;
  hasBackrefs = false;
  private readonly names = new Map<string, number[]>();
  private readonly numberedRefs: { node: Extract<Node, { t: 'backref' }>; number: number; at: number }[] = [];
  private readonly namedRefs: { node: Extract<Node, { t: 'backref' }>; name: string; at: number }[] = [];
  private readonly recursions: { name: string; at: number; construct: string }[] = [];
  private depth = 0;

  constructor(private readonly src: string) {}

  /** The groups that back-references read (their captures are part of the machine's state). */
  referencedGroups(): number[] {
    const groups = new Set<number>();
    for (const ref of [...this.numberedRefs, ...this.namedRefs]) for (const g of ref.node.groups) groups.add(g);
    return [...groups].sort((a, b) => a - b);
  }

  parse(): Node {
    const flags: Flags = { i: false, m: false, s: false, x: false, xx: false, n: false };
    const node = this.parseAlternation(flags);
    if (this.pos < this.src.length) {
      // Only an unmatched `)` stops the top-level alternation early.
      this.pos++;
      throw this.marked('Unmatched )');
    }
    for (const ref of this.numberedRefs) {
      if (ref.number > this.groupCount) {
        this.pos = ref.at;
        throw this.marked('Reference to nonexistent group');
      }
      ref.node.groups = [ref.number];
    }
    for (const ref of this.namedRefs) {
      const groups = this.names.get(ref.name);
      if (!groups) {
        this.pos = ref.at;
        throw this.marked('Reference to nonexistent named group');
      }
      ref.node.groups = groups;
    }
    for (const recursion of this.recursions) {
      if (!this.names.has(recursion.name)) {
        this.pos = recursion.at;
        throw this.marked('Reference to nonexistent named group');
      }
      throw this.unsupported(recursion.construct);
    }
    return node;
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
    return this.src.slice(start, end === -1 ? undefined : end + 1);
  }

  private unsupported(construct: string): RegexError {
    return new RegexError('unsupported', `The Perl regular-expression construct “${fromByteString(construct)}” is not supported in a “matches” filter.`);
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
    return SET_NODE(flags.i ? foldAscii(set) : set);
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
    this.pos = q.end;
    let greedy = true;
    let possessive = false;
    if (this.peek() === '?') {
      greedy = false;
      this.pos++;
    } else if (this.peek() === '+') {
      possessive = true;
      this.pos++;
    }
    this.skipExtended(flags);
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.readBraces())) {
      this.pos++;
      throw this.marked('Nested quantifiers');
    }
    if (q.min > q.max) return { t: 'never' }; // Perl only warns about {n,m} with n > m: it never matches
    return { t: 'repeat', body: atom, min: q.min, max: q.max, greedy, possessive };
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
    if (++this.depth > MAX_NESTING) throw new RegexError('too-complex', `The “matches” filter pattern nests groups deeper than ${MAX_NESTING}.`);
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
      const index = ++this.groupCount;
      const body = this.parseAlternation({ ...flags });
      this.closeGroup();
      this.groupStarts.pop();
      return { t: 'group', index, body };
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
    if (c === '=' || c === '!') {
      this.pos++;
      return wrap((body) => ({ t: 'look', ahead: true, negate: c === '!', body }));
    }
    if (c === '>') {
      this.pos++;
      return wrap((body) => ({ t: 'atomic', body }));
    }
    if (c === '|') {
      this.pos++;
      return this.parseBranchReset(flags, start);
    }
    if (c === '<' && (this.peek(1) === '=' || this.peek(1) === '!')) {
      const negateIt = this.peek(1) === '!';
      this.pos += 2;
      return wrap((body) => {
        const [, max] = lengthRange(body);
        if (max > 255) throw this.whole('Lookbehind longer than 255 not implemented');
        return { t: 'look', ahead: false, negate: negateIt, body };
      });
    }
    if (c === '<' || c === "'" || (c === 'P' && this.peek(1) === '<')) {
      if (c === 'P') this.pos++;
      const close = this.peek() === '<' ? '>' : "'";
      this.pos++;
      const name = this.readName(close);
      const index = ++this.groupCount;
      const list = this.names.get(name) ?? [];
      list.push(index);
      this.names.set(name, list);
      return wrap((body) => ({ t: 'group', index, body }));
    }
    if (c === 'P' && this.peek(1) === '=') {
      this.pos += 2;
      const name = this.readName(')');
      this.pos--;
      return this.namedBackref(name, flags, () => this.pos++);
    }
    if ((c === 'P' && this.peek(1) === '>') || c === '&') {
      // Recursion into a named group: Perl first wants the name to exist.
      this.pos += c === '&' ? 1 : 2;
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos))?.[0] ?? '';
      this.pos += name.length;
      this.recursions.push({ name, at: this.pos, construct: this.constructAt(start) });
      if (this.peek() === ')') this.pos++;
      return { t: 'empty' };
    }
    if (c === '{' || (c === '?' && this.peek(1) === '{')) throw this.whole("Eval-group not allowed at runtime, use re 'eval'");
    if (c === 'R' || isDigit(this.code()) || ((c === '+' || c === '-') && isDigit(this.code(1)))) {
      throw this.unsupported(this.constructAt(start));
    }
    if (c === '(' || c === '[') throw this.unsupported(this.constructAt(start));
    return this.parseFlagGroup(flags, wrap);
  }

  private parseVerb(start: number): Node {
    const end = this.src.indexOf(')', this.pos);
    const verb = end === -1 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
    if (verb === '*FAIL' || verb === '*F') {
      this.pos = end + 1;
      return { t: 'never' };
    }
    throw this.unsupported(this.src.slice(start, end === -1 ? undefined : end + 1));
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
    let charset: string | undefined;
    if (this.peek() === '^') {
      Object.assign(inner, { i: false, m: false, s: false, x: false, xx: false, n: false });
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
          // Character-set modifiers: our classes are ASCII (Perl's /d on byte strings) whatever they say.
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
    if (this.peek() === ')') {
      // (?flags): the rest of the enclosing group.
      this.pos++;
      Object.assign(flags, inner);
      return undefined;
    }
    this.pos++; // `:`
    return wrap((body) => body, inner);
  }

  private namedBackref(name: string, flags: Flags, advance: () => void): Node {
    const node: Extract<Node, { t: 'backref' }> = { t: 'backref', groups: [], ci: flags.i };
    this.hasBackrefs = true;
    this.namedRefs.push({ node, name, at: this.pos });
    advance();
    return node;
  }

  private numberedBackref(number: number, flags: Flags, at: number): Node {
    const node: Extract<Node, { t: 'backref' }> = { t: 'backref', groups: [], ci: flags.i };
    this.hasBackrefs = true;
    this.numberedRefs.push({ node, number, at });
    return node;
  }

  private parseEscape(flags: Flags): Node {
    this.pos++; // `\`
    if (this.atEnd()) throw this.whole('Trailing \\');
    const c = this.peek();
    const escapeStart = this.pos - 1;
    this.pos++;
    switch (c) {
      case 'd':
        return SET_NODE(DIGIT);
      case 'D':
        return SET_NODE(negate(DIGIT));
      case 'w':
        return SET_NODE(WORD);
      case 'W':
        return SET_NODE(negate(WORD));
      case 's':
        return SET_NODE(SPACE);
      case 'S':
        return SET_NODE(negate(SPACE));
      case 'h':
        return SET_NODE(HSPACE);
      case 'H':
        return SET_NODE(negate(HSPACE));
      case 'v':
        return SET_NODE(VSPACE);
      case 'V':
        return SET_NODE(negate(VSPACE));
      case 'R':
        return {
          t: 'atomic',
          body: { t: 'alt', alts: [{ t: 'seq', items: [this.literal(0x0d, NO_FLAGS), this.literal(0x0a, NO_FLAGS)] }, SET_NODE(VSPACE)] },
        };
      case 'N':
        if (this.peek() === '{') return this.parseNamedChar(flags, escapeStart);
        return SET_NODE(NOT_NEWLINE);
      case 'b':
      case 'B':
        if (this.peek() === '{') {
          const end = this.src.indexOf('}', this.pos);
          const type = end === -1 ? '' : this.src.slice(this.pos + 1, end);
          if (['gcb', 'g', 'lb', 'sb', 'wb'].includes(type)) throw this.unsupported(this.src.slice(escapeStart, end + 1));
          this.pos = end === -1 ? this.src.length : end;
          throw this.marked(`'${fromByteString(type)}' is an unknown bound type`);
        }
        return { t: 'assert', kind: c };
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
        return { t: 'assert', kind: c };
      case 'K':
        return { t: 'empty' }; // only moves the reported match start
      case 'X':
        throw this.unsupported('\\X');
      case 'g':
        return this.parseGReference(flags);
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
        return this.namedBackref(m[0], flags, () => this.pos++);
      }
      case 'p':
      case 'P':
        return SET_NODE(this.parseProperty(c === 'P'));
      default:
        break;
    }
    if (isDigit(c.charCodeAt(0))) {
      this.pos--;
      return this.parseDigitEscape(flags);
    }
    const byte = this.simpleEscape(c);
    if (byte === undefined) return { t: 'never' };
    return this.literal(byte, flags);
  }

  private parseGReference(flags: Flags): Node {
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
    if (/^[A-Za-z_]/.test(ref)) {
      this.pos += m[0].length - 1;
      return this.namedBackref(ref, flags, () => this.pos++);
    }
    const n = Number(ref);
    if (n === 0) {
      throw this.marked('Reference to invalid group 0');
    }
    this.pos += m[0].length;
    if (n < 0) {
      const number = this.groupCount + n + 1;
      if (number < 1) throw this.marked('Reference to nonexistent or unclosed group');
      return this.numberedBackref(number, flags, this.pos);
    }
    return this.numberedBackref(n, flags, this.pos);
  }

  /** `\1`..`\9` are back-references; `\10` and up only when that many groups are open, else octal. */
  private parseDigitEscape(flags: Flags): Node {
    const digits = /^\d+/.exec(this.src.slice(this.pos))?.[0] ?? '';
    if (digits.startsWith('0')) {
      const octal = /^[0-7]{1,3}/.exec(digits)?.[0] ?? '0';
      this.pos += octal.length;
      return this.literal(Number.parseInt(octal, 8) & 0xff, flags);
    }
    const n = Number(digits);
    if (digits.length === 1 || n <= this.groupCount || !/^[0-7]/.test(digits)) {
      this.pos += digits.length;
      return this.numberedBackref(n, flags, this.pos);
    }
    const octal = /^[0-7]{1,3}/.exec(digits)?.[0] ?? '';
    this.pos += octal.length;
    const value = Number.parseInt(octal, 8);
    return value > 0xff ? { t: 'never' } : this.literal(value, flags);
  }

  private parseNamedChar(flags: Flags, escapeStart: number): Node {
    const end = this.src.indexOf('}', this.pos);
    const body = end === -1 ? '' : this.src.slice(this.pos + 1, end).trim();
    if (!body.startsWith('U+')) throw this.unsupported(this.src.slice(escapeStart, end === -1 ? undefined : end + 1));
    this.pos = end + 1;
    const hex = body.slice(2).replace(/_/g, '');
    if (!/^[0-9A-Fa-f]+$/.test(hex)) throw this.marked('Invalid hexadecimal number in \\N{U+...}');
    const value = Number.parseInt(hex, 16);
    return value > 0xff ? { t: 'never' } : this.literal(value, flags);
  }

  private parseProperty(negated: boolean): ByteSet {
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
    const set = propertySet(name);
    if (!set) {
      throw this.marked(`Can't find Unicode property definition "${fromByteString(name)}"`);
    }
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
      const item = this.classItem(unmatched);
      if (item.kind === 'set') {
        addAll(set, item.set);
        continue;
      }
      // A range?
      if (this.peek() === '-' && this.peek(1) !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        const high = this.classItem(unmatched);
        if (high.kind === 'set') {
          // `a-\d`: Perl warns "False [] range" and takes both literally.
          addByte(set, item.byte);
          set[0x2d] = 1;
          addAll(set, high.set);
          continue;
        }
        if (item.byte !== undefined && high.byte !== undefined && high.byte < item.byte) {
          throw this.marked(`Invalid [] range "${fromByteString(this.src.slice(itemStart, this.pos))}"`);
        }
        if (item.byte !== undefined && high.byte !== undefined) {
          for (let b = item.byte; b <= high.byte; b++) set[b] = 1;
        } else if (item.byte !== undefined) {
          // A range into code points above 0xFF covers the rest of the bytes.
          for (let b = item.byte; b <= 0xff; b++) set[b] = 1;
        }
        continue;
      }
      addByte(set, item.byte);
    }
    const folded = flags.i ? foldAscii(set) : set;
    return SET_NODE(negated ? negate(folded) : folded);
  }

  private classItem(unmatched: () => RegexError): { kind: 'byte'; byte: number | undefined } | { kind: 'set'; set: ByteSet } {
    const c = this.peek();
    if (c === '[') {
      const m = /^\[([:=.])(\^?)([A-Za-z]*)\1\]/.exec(this.src.slice(this.pos));
      if (m) {
        const [text, kind, caret, name = ''] = m;
        if (kind !== ':') {
          this.pos += text.length;
          throw this.marked(`POSIX syntax [${kind} ${kind}] is reserved for future extensions`);
        }
        const test = POSIX[name];
        this.pos += text.length;
        if (!test) throw this.marked(`POSIX class [:${caret}${fromByteString(name)}:] unknown`);
        const set = setOf(test);
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
    switch (e) {
      case 'd':
        return { kind: 'set', set: DIGIT };
      case 'D':
        return { kind: 'set', set: negate(DIGIT) };
      case 'w':
        return { kind: 'set', set: WORD };
      case 'W':
        return { kind: 'set', set: negate(WORD) };
      case 's':
        return { kind: 'set', set: SPACE };
      case 'S':
        return { kind: 'set', set: negate(SPACE) };
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
        return { kind: 'set', set: this.parseProperty(e === 'P') };
      case 'b':
        return { kind: 'byte', byte: 0x08 };
      case 'N':
        if (this.peek() === '{') {
          const node = this.parseNamedChar(NO_FLAGS, escapeStart);
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

const NO_FLAGS: Flags = { i: false, m: false, s: false, x: false, xx: false, n: false };

function addByte(set: ByteSet, byte: number | undefined): void {
  if (byte !== undefined) set[byte] = 1;
}

/** Minimum and maximum length of what a node can match (Infinity when unbounded). */
function lengthRange(node: Node): [number, number] {
  switch (node.t) {
    case 'set':
      return [1, 1];
    case 'never':
    case 'empty':
    case 'assert':
    case 'look':
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
    case 'atomic':
      return lengthRange(node.body);
    case 'repeat': {
      const [a, b] = lengthRange(node.body);
      return [a * node.min, b === 0 ? 0 : b * node.max];
    }
    case 'backref':
      return [0, Number.POSITIVE_INFINITY];
  }
}

// ---------------------------------------------------------------------------
// Compiler

const Op = { Set: 0, Split: 1, Jmp: 2, Assert: 3, Save: 4, Backref: 5, Look: 6, Atomic: 7, Match: 8, Fail: 9 } as const;
type Op = (typeof Op)[keyof typeof Op];

type Inst =
  | { op: typeof Op.Set; set: ByteSet }
  | { op: typeof Op.Split; x: number; y: number }
  | { op: typeof Op.Jmp; x: number }
  | { op: typeof Op.Assert; kind: AssertKind }
  | { op: typeof Op.Save; slot: number }
  | { op: typeof Op.Backref; groups: readonly number[]; ci: boolean }
  | { op: typeof Op.Look; prog: Program; ahead: boolean; negate: boolean; min: number; max: number; id: number }
  | { op: typeof Op.Atomic; prog: Program; id: number }
  | { op: typeof Op.Match }
  | { op: typeof Op.Fail };

interface Program {
  readonly insts: Inst[];
}

class Compiler {
  private total = 0;
  get instructionCount(): number {
    return this.total;
  }
  private nextId = 0;

  constructor(private readonly captures: boolean) {}

  compileProgram(node: Node): Program {
    const insts: Inst[] = [];
    this.emit(node, insts);
    this.push(insts, { op: Op.Match });
    return { insts };
  }

  private push(insts: Inst[], inst: Inst): number {
    if (++this.total > MAX_INSTRUCTIONS) {
      throw new RegexError('too-complex', `The “matches” filter pattern is too large once its repetitions are expanded (over ${MAX_INSTRUCTIONS} steps).`);
    }
    insts.push(inst);
    return insts.length - 1;
  }

  private emit(node: Node, insts: Inst[]): void {
    switch (node.t) {
      case 'set':
        this.push(insts, { op: Op.Set, set: node.set });
        return;
      case 'never':
        this.push(insts, { op: Op.Fail });
        return;
      case 'empty':
        return;
      case 'seq':
        for (const item of node.items) this.emit(item, insts);
        return;
      case 'alt': {
        const jumps: Inst[] = [];
        node.alts.forEach((alt, i) => {
          if (i < node.alts.length - 1) {
            const split: Inst = { op: Op.Split, x: 0, y: 0 };
            const at = this.push(insts, split);
            split.x = at + 1;
            this.emit(alt, insts);
            const jmp: Inst = { op: Op.Jmp, x: 0 };
            this.push(insts, jmp);
            jumps.push(jmp);
            split.y = insts.length;
          } else {
            this.emit(alt, insts);
          }
        });
        for (const jmp of jumps) if (jmp.op === Op.Jmp) jmp.x = insts.length;
        return;
      }
      case 'group':
        if (this.captures) this.push(insts, { op: Op.Save, slot: node.index * 2 });
        this.emit(node.body, insts);
        if (this.captures) this.push(insts, { op: Op.Save, slot: node.index * 2 + 1 });
        return;
      case 'assert':
        this.push(insts, { op: Op.Assert, kind: node.kind });
        return;
      case 'backref':
        this.push(insts, { op: Op.Backref, groups: node.groups, ci: node.ci });
        return;
      case 'look': {
        const [min, max] = lengthRange(node.body);
        this.push(insts, { op: Op.Look, prog: this.compileProgram(node.body), ahead: node.ahead, negate: node.negate, min, max, id: this.nextId++ });
        return;
      }
      case 'atomic':
        this.push(insts, { op: Op.Atomic, prog: this.compileProgram(node.body), id: this.nextId++ });
        return;
      case 'repeat': {
        if (node.possessive) {
          this.emit({ t: 'atomic', body: { ...node, possessive: false } }, insts);
          return;
        }
        for (let i = 0; i < node.min; i++) this.emit(node.body, insts);
        if (node.max === Number.POSITIVE_INFINITY) {
          const split: Inst = { op: Op.Split, x: 0, y: 0 };
          const loop = this.push(insts, split);
          this.emit(node.body, insts);
          this.push(insts, { op: Op.Jmp, x: loop });
          const body = loop + 1;
          const out = insts.length;
          split.x = node.greedy ? body : out;
          split.y = node.greedy ? out : body;
          return;
        }
        const splits: Extract<Inst, { op: typeof Op.Split }>[] = [];
        for (let i = node.min; i < node.max; i++) {
          const split: Extract<Inst, { op: typeof Op.Split }> = { op: Op.Split, x: 0, y: 0 };
          const at = this.push(insts, split);
          splits.push(split);
          this.emit(node.body, insts);
          // prefer the body (greedy) or the exit (lazy); the exit is filled in below
          split.x = at + 1;
        }
        const out = insts.length;
        for (const split of splits) {
          if (node.greedy) {
            split.y = out;
          } else {
            split.y = split.x;
            split.x = out;
          }
        }
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Machine

type Captures = readonly number[];

interface Thread {
  pc: number;
  pos: number;
  caps: Captures;
}

type Key = number | string;

/** States up to which a program's visits are stamped in an array (16 MiB), beyond which they go in Sets. */
const STAMP_LIMIT = 1 << 22;

/**
 * Per program: which run last visited each state, and which runs failed.
 * A state last visited by a failed run (one not bound to an end position)
 * cannot reach the end from anywhere, so no later run explores it again.
 */
interface Stamps {
  readonly stamps: Int32Array;
  failedRuns: Uint8Array;
  lastRun: number;
}

type Found = { end: number; caps: Captures } | null;

const TRACKED_STEP_WEIGHT = 5;

/**
 * One subject. A state is (instruction, position), plus the captures that
 * back-references read when the pattern has any. A state explored without
 * reaching the end can never reach it: every program remembers such states
 * across its runs (the top-level search over start positions, each run of a
 * lookahead or atomic group), so each state is explored once per program.
 * Lookbehinds, which must end at a given position, remember states within
 * a run only and memoise their answers.
 */
class Machine {
  private readonly n: number;
  private readonly memo = new Map<number, number>();
  private readonly stampsByProgram = new Map<Program, Stamps>();
  private readonly failingByProgram = new Map<Program, Set<Key>>();
  private readonly emptyCaps: Captures;
  private readonly numericKeys: boolean;
  private readonly tracking: boolean;

  constructor(
    private readonly s: string,
    private readonly trackedSlots: readonly number[],
    private readonly budget: StepBudget,
    instructionCount: number,
    groupCount: number,
  ) {
    this.n = s.length;
    this.tracking = trackedSlots.length > 0;
    this.emptyCaps = this.tracking ? new Array<number>((groupCount + 1) * 2).fill(-1) : [];
    // pc, pos and each tracked capture (-1..n) packed into one number while it fits.
    const bits = Math.log2(instructionCount + 1) + Math.log2(this.n + 1) + trackedSlots.length * Math.log2(this.n + 2);
    this.numericKeys = bits < 52;
  }

  search(program: Program): boolean {
    for (let start = 0; start <= this.n; start++) {
      if (this.run(program, start, this.emptyCaps, undefined)) return true;
    }
    return false;
  }

  private run(program: Program, start: number, caps: Captures, endAt: number | undefined): Found {
    if (!this.tracking && program.insts.length * (this.n + 1) <= STAMP_LIMIT) return this.runStamped(program, start, endAt);
    return this.runTracked(program, start, caps, endAt);
  }

  private overBudget(): RegexError {
    return new RegexError('budget', `The “matches” filter took too long to evaluate (over ${this.budget.limit} steps).`);
  }

  private stampsOf(program: Program): Stamps {
    let stamps = this.stampsByProgram.get(program);
    if (!stamps) {
      stamps = { stamps: new Int32Array(program.insts.length * (this.n + 1)), failedRuns: new Uint8Array(64), lastRun: 0 };
      this.stampsByProgram.set(program, stamps);
    }
    return stamps;
  }

  /** The fast path, without captures: states are numbers, visits are stamps. */
  private runStamped(program: Program, start: number, endAt: number | undefined): Found {
    const { insts } = program;
    const record = this.stampsOf(program);
    const run = ++record.lastRun;
    if (run >= record.failedRuns.length) {
      const grown = new Uint8Array(record.failedRuns.length * 2);
      grown.set(record.failedRuns);
      record.failedRuns = grown;
    }
    const { stamps, failedRuns } = record;
    const s = this.s;
    const n = this.n;
    const width = n + 1;
    const budget = this.budget;
    const pcs: number[] = [0];
    const positions: number[] = [start];
    while (pcs.length > 0) {
      let pc = pcs.pop() as number;
      let pos = positions.pop() as number;
      for (;;) {
        if (++budget.used > budget.limit) throw this.overBudget();
        const key = pc * width + pos;
        const stamp = stamps[key] as number;
        if (stamp === run || (stamp !== 0 && failedRuns[stamp] === 1)) break;
        stamps[key] = run;
        const inst = insts[pc] as Inst;
        if (inst.op === Op.Set) {
          if (pos < n && inst.set[s.charCodeAt(pos)] === 1) {
            pos++;
            pc++;
            continue;
          }
          break;
        }
        if (inst.op === Op.Split) {
          pcs.push(inst.y);
          positions.push(pos);
          pc = inst.x;
          continue;
        }
        if (inst.op === Op.Jmp) {
          pc = inst.x;
          continue;
        }
        if (inst.op === Op.Assert) {
          if (!this.assert(inst.kind, pos)) break;
          pc++;
          continue;
        }
        if (inst.op === Op.Look) {
          if (!this.look(inst, pos, this.emptyCaps)) break;
          pc++;
          continue;
        }
        if (inst.op === Op.Atomic) {
          const found = this.sub(inst.id, inst.prog, pos, this.emptyCaps, undefined);
          if (!found) break;
          pos = found.end;
          pc++;
          continue;
        }
        if (inst.op === Op.Match) {
          if (endAt === undefined || pos === endAt) return { end: pos, caps: this.emptyCaps };
          break;
        }
        break; // Fail (Save and Backref only exist with captures)
      }
    }
    if (endAt === undefined) failedRuns[run] = 1;
    return null;
  }

  private key(pc: number, pos: number, caps: Captures): Key {
    if (this.numericKeys) {
      let k = pc * (this.n + 1) + pos;
      for (const slot of this.trackedSlots) k = k * (this.n + 2) + (caps[slot] ?? -1) + 1;
      return k;
    }
    let k = `${pc},${pos}`;
    for (const slot of this.trackedSlots) k += `,${caps[slot] ?? -1}`;
    return k;
  }

  private failingOf(program: Program): Set<Key> {
    let set = this.failingByProgram.get(program);
    if (!set) {
      set = new Set<Key>();
      this.failingByProgram.set(program, set);
    }
    return set;
  }

  /** The general path: states carry the captures that back-references read. */
  private runTracked(program: Program, start: number, caps0: Captures, endAt: number | undefined): Found {
    const { insts } = program;
    const failing = endAt === undefined ? this.failingOf(program) : undefined;
    const visited = new Set<Key>();
    const stack: Thread[] = [{ pc: 0, pos: start, caps: caps0 }];
    const s = this.s;
    const n = this.n;
    while (stack.length > 0) {
      const thread = stack.pop() as Thread;
      let { pc, pos, caps } = thread;
      for (;;) {
        // A step here costs several of the fast path's: weigh it so the budget stays a time budget.
        if ((this.budget.used += TRACKED_STEP_WEIGHT) > this.budget.limit) throw this.overBudget();
        const key = this.key(pc, pos, caps);
        if (visited.has(key) || failing?.has(key)) break;
        visited.add(key);
        const inst = insts[pc] as Inst;
        let ok = true;
        switch (inst.op) {
          case Op.Set:
            if (pos < n && inst.set[s.charCodeAt(pos)] === 1) {
              pos++;
              pc++;
            } else {
              ok = false;
            }
            break;
          case Op.Split:
            stack.push({ pc: inst.y, pos, caps });
            pc = inst.x;
            break;
          case Op.Jmp:
            pc = inst.x;
            break;
          case Op.Assert:
            if (this.assert(inst.kind, pos)) pc++;
            else ok = false;
            break;
          case Op.Save: {
            const next = caps.slice();
            next[inst.slot] = pos;
            caps = next;
            pc++;
            break;
          }
          case Op.Backref: {
            const length = this.backref(inst.groups, inst.ci, pos, caps);
            if (length < 0) ok = false;
            else {
              pos += length;
              pc++;
            }
            break;
          }
          case Op.Look: {
            const result = this.look(inst, pos, caps);
            if (result) {
              caps = result;
              pc++;
            } else {
              ok = false;
            }
            break;
          }
          case Op.Atomic: {
            const result = this.sub(inst.id, inst.prog, pos, caps, undefined);
            if (result) {
              pos = result.end;
              caps = result.caps;
              pc++;
            } else {
              ok = false;
            }
            break;
          }
          case Op.Match:
            if (endAt === undefined || pos === endAt) return { end: pos, caps };
            ok = false;
            break;
          case Op.Fail:
            ok = false;
            break;
        }
        if (!ok) break;
      }
    }
    if (failing) for (const key of visited) failing.add(key);
    return null;
  }

  /** A sub-search (atomic group, lookaround), memoised by position when captures don't matter. */
  private sub(id: number, prog: Program, pos: number, caps: Captures, endAt: number | undefined): Found {
    if (this.tracking) return this.run(prog, pos, caps, endAt);
    const key = (id * (this.n + 2) + pos) * (this.n + 2) + (endAt === undefined ? this.n + 1 : endAt);
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached < 0 ? null : { end: cached, caps };
    const result = this.run(prog, pos, caps, endAt);
    this.memo.set(key, result ? result.end : -1);
    return result;
  }

  /** The captures to carry on with when the lookaround holds, else null. */
  private look(inst: Extract<Inst, { op: typeof Op.Look }>, pos: number, caps: Captures): Captures | null {
    let found: Found = null;
    if (inst.ahead) {
      found = this.sub(inst.id, inst.prog, pos, caps, undefined);
    } else {
      for (let len = inst.min; len <= inst.max && len <= pos; len++) {
        found = this.sub(inst.id, inst.prog, pos - len, caps, pos);
        if (found) break;
      }
    }
    if (inst.negate) return found ? null : caps;
    return found ? found.caps : null;
  }

  private backref(groups: readonly number[], ci: boolean, pos: number, caps: Captures): number {
    for (const g of groups) {
      const start = caps[g * 2] ?? -1;
      const end = caps[g * 2 + 1] ?? -1;
      if (start < 0 || end < 0) continue;
      const length = end - start;
      if (pos + length > this.n) return -1;
      for (let i = 0; i < length; i++) {
        let a = this.s.charCodeAt(start + i);
        let b = this.s.charCodeAt(pos + i);
        if (ci) {
          if (isUpper(a)) a += 0x20;
          if (isUpper(b)) b += 0x20;
        }
        if (a !== b) return -1;
      }
      return length;
    }
    return -1; // a reference to a group that has not matched fails
  }

  private assert(kind: AssertKind, pos: number): boolean {
    const s = this.s;
    const n = this.n;
    switch (kind) {
      case 'A':
      case 'G':
      case 'bol':
        return pos === 0;
      case 'mbol':
        return pos === 0 || (pos < n && s.charCodeAt(pos - 1) === 0x0a);
      case 'z':
        return pos === n;
      case 'Z':
      case 'eol':
        return pos === n || (pos === n - 1 && s.charCodeAt(pos) === 0x0a);
      case 'meol':
        return pos === n || s.charCodeAt(pos) === 0x0a;
      case 'b':
      case 'B': {
        const before = pos > 0 && isWordByte(s.charCodeAt(pos - 1));
        const after = pos < n && isWordByte(s.charCodeAt(pos));
        return (before !== after) === (kind === 'b');
      }
    }
  }
}
