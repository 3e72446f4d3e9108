// YAML reads back to exactly the JSON document through YAML::Syck (cPanel's
// reader, in each of its modes) and through a YAML 1.2 reader (js-yaml).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileDocument, PIECES } from './hostile.js';
import { expectRoundTrip, MODES, syckDigests, syckLoad, yaml } from './syck.js';

describe('YAML scalars', () => {
  it('every hostile piece, alone and between letters, reads back exactly', () => {
    const values = PIECES.flatMap((p) => [p, `a${p}`, `${p}b`, `a${p}b`, ` ${p} `]);
    expectRoundTrip([{ values }, ...values.map((v) => ({ v }))]);
  });

  it('writes `=` plain (YAML::Syck reads any quoted `=` as "str") and quotes what YAML 1.1 would type', () => {
    const out = yaml({ a: '=', b: 'yes', c: '1,000', d: '06:06:28', e: '0777', f: '~', g: '<<', h: '', i: 'y', j: '127.0.0.1', k: '::1' });
    expect(out).toBe("---\na: =\nb: 'yes'\nc: '1,000'\nd: '06:06:28'\ne: '0777'\nf: '~'\ng: '<<'\nh: ''\ni: 'y'\nj: 127.0.0.1\nk: ::1\n");
  });

  it('uses only the escapes YAML::Syck knows; other characters are written as themselves', () => {
    const out = yaml({ v: '\u0001\u007f\t\u0085\u2028\u2029\ufeff\u00a0\u009b😀' });
    expect(out).toBe('---\nv: "\\x01\\x7F\\t\u0085\u2028\u2029\ufeff\u00a0\u009b😀"\n');
    expect(out).not.toMatch(/\\[uUNLP_]/);
  });

  it('writes a lone surrogate (which no UTF-8 can carry) as U+FFFD', () => {
    const out = yaml({ v: 'a\ud800b\udc00' });
    expect(out).toBe('---\nv: "a\ufffdb\ufffd"\n');
    expect(syckLoad([out], MODES[0])).toEqual([{ ok: [{ v: 'a\ufffdb\ufffd' }] }]);
  });

  it('keeps the layout: sorted keys, ~ for null, 4-space indent, sequences under their key, empty collections inline', () => {
    const out = yaml({ z: [{ b: 1, a: null }, 'x', []], m: {}, l: [], nest: { k: [1] } });
    expect(out).toBe('---\nl: []\nm: {}\nnest:\n    k:\n    - 1\nz:\n-\n    a: ~\n    b: 1\n- x\n- []\n');
    expectRoundTrip([{ z: [{ b: 1, a: null }, 'x', []], m: {}, l: [], nest: { k: [1] } }]);
  });

  it('arbitrary documents of hostile strings read back exactly (property)', () => {
    const documents = fc.sample(hostileDocument(), { numRuns: 300, seed: 20261201 });
    expectRoundTrip(documents, [MODES[0], MODES[3]]);
  });
});

describe('YAML at scale', () => {
  it('renders a 10 MB value, which YAML::Syck reads back whole', () => {
    const big = `${'é/ '.repeat(3_500_000)}x: y`;
    const started = performance.now();
    const out = yaml({ file: big, plain: 'd'.repeat(10_000_000) });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(out.startsWith("---\nfile: 'é/ é/ ")).toBe(true);
    const digest = (s: string) => createHash('sha256').update(s).digest('hex');
    const plain = 'd'.repeat(10_000_000);
    expect(syckDigests(out)).toBe(`file ${[...big].length} ${digest(big)}\nplain ${plain.length} ${digest(plain)}\n`);
  });

  it('renders 100,000 rows in linear time', () => {
    const rows = (n: number) => ({ result: { data: Array.from({ length: n }, (_, i) => ({ pid: i, file: `dir/file ${i}.bin`, host: '::1', user: 'yes' })) } });
    const time = (n: number) => {
      const document = rows(n);
      const started = performance.now();
      const out = yaml(document);
      return { ms: performance.now() - started, lines: out.split('\n').length };
    };
    time(10_000); // warm-up
    const small = time(10_000);
    const large = time(100_000);
    expect(large.lines).toBe(1 + 2 + 100_000 * 5 + 1);
    expect(large.ms).toBeLessThan(Math.max(3_000, small.ms * 30));
  });
});
