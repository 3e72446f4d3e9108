/**
 * The few Perl scalar semantics that cPanel's post-processing depends on:
 * numeric coercion (`"12abc" == 12`, `"abc" == 0`), stringification of
 * numbers, truthiness, `cmp`, `tr/A-Z/a-z/`, the integer conversion that
 * `splice` and `pack` apply, and `splice` itself.
 *
 * Values are what a row cell or an argument can hold: a string, a number, or
 * `undefined` for Perl's `undef` (a column missing from a row).
 */

export type Scalar = string | number | undefined;

const NUMERIC_PREFIX = /^[\t\n\v\f\r ]*([+-]?)(?:(inf(?:inity)?|nan)|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))/i;

/**
 * Perl's numeric value of a scalar (`0 + $x`): leading white space, a sign,
 * then the longest decimal prefix; `Inf`, `Infinity` and `NaN` in any case;
 * anything else is 0 (`"0x1f"` is 0, `"1_000"` is 1). `undef` is 0.
 */
export function perlNum(value: Scalar): number {
  if (typeof value === 'number') return value;
  if (value === undefined) return 0;
  const m = NUMERIC_PREFIX.exec(value);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return m[2].toLowerCase() === 'nan' ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * Number.parseFloat(m[3] ?? '0');
}

/** Perl's string value: numbers as Perl prints them (integers in full, else `%.15g`), `undef` as "". */
export function perlStr(value: Scalar): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return formatPerlNumber(value);
}

export function formatPerlNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  // An integral value is an integer to Perl (IV/UV, printed in full); the rest print as %.15g.
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 64) return n === 0 ? '0' : BigInt(n).toString();
  // %.15g
  const [mantissa = '0', expText = '0'] = n.toExponential(14).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 15) {
    const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const sign = exp < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, 14 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Perl truthiness: false for `undef`, "", "0" and the number 0 (and NaN is true, as in Perl). */
export function perlTrue(value: Scalar): boolean {
  if (value === undefined) return false;
  if (typeof value === 'number') return value !== 0;
  return value !== '' && value !== '0';
}

/** `tr/A-Z/a-z/`: ASCII only, as cPanel's byte strings fold. */
export function lcAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * Perl's `cmp` on strings: code point order, which is also the byte order
 * of their UTF-8 (cPanel compares byte strings). JavaScript's `<` compares
 * UTF-16 code units, which differs for astral characters.
 */
export function perlCmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    // A surrogate (an astral code point) is above every BMP code point.
    if (sa !== sb) return sa ? 1 : -1;
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Perl's `<=>`: NaN compares as 0 (Perl returns undef, which `sort` reads as 0). */
export function spaceship(a: number, b: number): -1 | 0 | 1 {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

/**
 * Perl's conversion of a numeric value to an integer (IV) where a built-in
 * needs one (`splice` offsets and lengths): truncation; NaN is 0; values
 * from 2**63 up to 2**64 wrap to negative; anything larger is -1 (UV_MAX).
 * Digit strings are converted exactly (Perl reads them as 64-bit integers).
 */
export function perlIv(value: Scalar): number {
  if (typeof value === 'string') {
    const exact = /^[\t\n\v\f\r ]*([+-]?)(\d+)(?![.\deE])/.exec(value);
    if (exact?.[2] !== undefined && exact[2].length > 15) {
      const big = BigInt(exact[2]) * (exact[1] === '-' ? -1n : 1n);
      if (big <= 2n ** 64n - 1n && big >= -(2n ** 63n)) {
        return Number(big >= 2n ** 63n ? big - 2n ** 64n : big);
      }
    }
  }
  const n = perlNum(value);
  if (Number.isNaN(n)) return 0;
  if (n < TWO_63) return n < -TWO_63 ? -TWO_63 : Math.trunc(n);
  if (n < TWO_64) return Math.trunc(n) - TWO_64;
  return -1;
}

/** `Cpanel::Math::ceil`: `int($x)`, plus one when the fraction is positive. */
export function cpanelCeil(x: number): number {
  const c = Math.trunc(x) + 0; // + 0: no -0 (Perl prints int(-0.5) as 0)
  return x - c > 0 ? c + 1 : c;
}

/** A `die` with a plain (non-exception) Perl message. */
export class PerlDie extends Error {
  override readonly name = 'PerlDie';
}

/**
 * Perl's `splice(@array, OFFSET, LENGTH)` on a copy: returns the removed
 * elements and what remains. A negative offset counts from the end (and
 * dies when it points before the start); an offset past the end is the end;
 * a negative length leaves that many elements at the end.
 */
export function perlSplice<T>(array: readonly T[], offset: number, length?: number): { removed: T[]; kept: T[] } {
  const size = array.length;
  let off = offset;
  if (off < 0) {
    off += size;
    if (off < 0) throw new PerlDie(`Modification of non-creatable array value attempted, subscript ${offset}`);
  }
  if (off > size) off = size;
  let len = length === undefined ? size - off : length;
  if (len < 0) len = Math.max(0, size - off + len);
  len = Math.min(len, size - off);
  return { removed: array.slice(off, off + len), kept: [...array.slice(0, off), ...array.slice(off + len)] };
}

const ASCII = /^[\x00-\x7f]*$/;

/** A string's UTF-8 bytes as a JavaScript string of code units 0-255 (Perl's view of a byte string). */
export function toByteString(text: string): string {
  if (ASCII.test(text)) return text; // its own UTF-8
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The inverse of toByteString, for messages (invalid sequences become U+FFFD). */
export function fromByteString(bytes: string): string {
  const array = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i) & 0xff;
  return new TextDecoder().decode(array);
}
