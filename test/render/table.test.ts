// The table: linear in the rows, fitted to the terminal, ASCII off UTF-8,
// nothing that moves the cursor or reorders the line.
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/envelope/types.js';
import { renderJson } from '../../src/render/json.js';
import { renderTable } from '../../src/render/table.js';
import type { RenderContext } from '../../src/render/types.js';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture } from '../helpers/runtime.js';
import { envelopeOf } from './hostile.js';

const CONTEXT: RenderContext = { colorLevel: 0, program: 'uapi', columns: undefined, unicode: true };
const table = (rows: Row[], context: Partial<RenderContext> = {}) => renderTable(envelopeOf({}, { rows }), { ...CONTEXT, ...context }).stdout;
const objectTable = (object: Record<string, unknown>, context: Partial<RenderContext> = {}) =>
  renderTable(envelopeOf({}, { object }), { ...CONTEXT, ...context }).stdout;

const row = (over: Partial<Record<string, string | number>> = {}): Row => ({
  pid: 4242,
  user: 'alice',
  host: '127.0.0.1',
  status: 'DL',
  file: 'big.bin',
  login: 'Sun Nov 22 06:06:28 2026',
  ...over,
});

/** Display width of our own test lines: these tests use only ASCII, box drawing, `…`, and the wide and combining characters named. */
const width = (line: string) => [...line].reduce((w, c) => w + (/[\u4e00-\u9fff\uff01-\uff60]/.test(c) ? 2 : /\p{M}/u.test(c) ? 0 : 1), 0);

describe('table layout', () => {
  it('measures display width: wide characters take two columns, combining marks none', () => {
    expect(table([row({ file: '中文.bin' }), row({ file: 'e\u0301e\u0301.txt' }), row({ file: 'ｆｕｌｌ' })])).toBe(
      [
        '┌──────┬───────┬───────────┬────────┬──────────┬──────────────────────────┐',
        '│ PID  │ USER  │ HOST      │ STATUS │ FILE     │ LOGIN                    │',
        '│ 4242 │ alice │ 127.0.0.1 │ DL     │ 中文.bin │ Sun Nov 22 06:06:28 2026 │',
        '│ 4242 │ alice │ 127.0.0.1 │ DL     │ e\u0301e\u0301.txt   │ Sun Nov 22 06:06:28 2026 │',
        '│ 4242 │ alice │ 127.0.0.1 │ DL     │ ｆｕｌｌ │ Sun Nov 22 06:06:28 2026 │',
        '└──────┴───────┴───────────┴────────┴──────────┴──────────────────────────┘',
        '',
      ].join('\n'),
    );
  });

  it('cuts a long value to its end behind …, by display width, never splitting a wide character or orphaning a mark', () => {
    const out = table([row({ file: `${'中'.repeat(40)}/end.bin` }), row({ file: `${'x'.repeat(70)}e\u0301nd` })]);
    const lines = out.split('\n');
    expect(lines[2]).toContain(`│ …${'中'.repeat(25)}/end.bin  │`); // 1 + 50 + 8 = 59 of 60: a 26th would make 61, so a space
    expect(lines[3]).toContain(`│ …${'x'.repeat(56)}e\u0301nd │`);
    expect(new Set(lines.filter(Boolean).map(width)).size).toBe(1);
  });

  it('off a terminal (columns undefined) the table keeps its natural width', () => {
    const out = table([row({ file: 'f'.repeat(60), user: 'u'.repeat(32) })]);
    expect(width(out.split('\n')[0] as string)).toBe(154);
  });

  it.each([160, 120, 100, 80])('fits a terminal %i columns wide, narrowing FILE and HOST first', (columns) => {
    const rows = [row({ file: `dir/${'f'.repeat(70)}.iso`, host: '2001:db8:85a3::8a2e:370:7334', user: 'charlotte-longname@example.com' })];
    const out = table(rows, { columns });
    const lines = out.split('\n').filter(Boolean);
    for (const line of lines) expect(width(line)).toBeLessThanOrEqual(columns);
    const cells = (lines[2] as string).split('│').map((c) => c.trim());
    expect(cells[5]).toMatch(/\.iso$/); // the end of the path names the file
    expect(cells[1]).toBe('4242'); // PID and STATUS are never cut
    expect(cells[4]).toBe('DL');
    // USER only once FILE and HOST are at their minimums, LOGIN last
    if (columns >= 120) expect(cells[2]).toBe('charlotte-longname@example.com');
    else expect(cells[3]).toBe('…:370:7334');
    if (columns >= 100) expect(cells[6]).toBe('Sun Nov 22 06:06:28 2026');
    else expect(cells[6]).toMatch(/^….*06:06:28 2026$/);
  });

  it('a terminal narrower than the minimums gets the table at its minimums, wider than the screen, without failing', () => {
    const rows = [row({ file: 'f'.repeat(70), host: 'h'.repeat(40), user: 'u'.repeat(32) })];
    const minimal = table(rows, { columns: 1 });
    expect(table(rows, { columns: 20 })).toBe(minimal);
    const cells = (minimal.split('\n')[2] as string).split('│').map((c) => c.trim());
    expect(cells.map(width)).toEqual([0, 4, 8, 10, 2, 12, 12, 0]);
    expect(cells[5]).toBe(`…${'f'.repeat(11)}`);
  });

  it('the object table fits too, its value column first', () => {
    const out = objectTable({ login: 'alice', ended: 1, file: `${'p'.repeat(100)}.bin` }, { columns: 40 });
    for (const line of out.split('\n').filter(Boolean)) expect(width(line)).toBeLessThanOrEqual(40);
    expect(out).toContain('│ file  │ …');
    expect(out).toContain('.bin │');
  });
});

describe('table without UTF-8', () => {
  it('borders are + - | and the cut marker ..., and nothing of ours is outside ASCII', () => {
    const out = table([row({ file: 'f'.repeat(70) }), row()], { unicode: false, columns: 70 });
    expect(out).toMatch(/^[\u0020-\u007e\n]*$/);
    expect(out.split('\n')[0]).toMatch(/^\+-+(\+-+)*\+$/);
    expect(out).toContain('| ...ffff');
    expect(out).not.toContain('…');
  });

  it('the object table too; the user\'s own characters stay theirs', () => {
    const out = objectTable({ login: 'ünïcödé', ended: 1 }, { unicode: false });
    expect(out).toBe('+-------+---------+\n| login | ünïcödé |\n| ended | 1       |\n+-------+---------+\n');
  });
});

describe('table terminal safety', () => {
  const UNSAFE = [
    ...['\u0000', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0080', '\u0085', '\u009b', '\u009f'], // C0, DEL, C1
    ...['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'], // bidi
    ...['\u2028', '\u2029', '\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad', '\ud800', '\udfff'], // separators, format characters, lone surrogates
  ];
  it.each(UNSAFE.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, c]))('%s is shown as ? in both tables', (_name, c) => {
    const list = table([row({ file: `a${c}b`, user: `${c}u`, host: `h${c}` })]);
    expect(list).toContain('│ 4242 │ ?u   │ h?   │ DL     │ a?b  │ Sun');
    expect(list.split('\n')).toHaveLength(5); // four lines, each ended by our own line feed
    expect(list.split('\n').join('')).not.toContain(c);
    const object = objectTable({ [`k${c}`]: `v${c}` });
    expect(object).toContain('│ k? │ v? │');
    expect(object.split('\n')).toHaveLength(4);
    expect(object.split('\n').join('')).not.toContain(c);
  });
});

describe('table at scale', () => {
  const rows = (n: number): Row[] =>
    Array.from({ length: n }, (_, i) =>
      row({ pid: 100_000 + i, file: i % 3 === 0 ? '' : `deep/${'d'.repeat(i % 200)}/naïve résumé ${i}.iso`, user: i % 5 === 0 ? 'ünïcödé@exämple.org' : 'alice', host: i % 2 ? '::1' : '198.51.100.23' }),
    );
  const time = (f: () => unknown) => {
    const started = performance.now();
    f();
    return performance.now() - started;
  };

  it('is linear in the rows: 100,000 take about ten times 10,000', () => {
    const small = rows(10_000);
    const large = rows(100_000);
    table(small); // warm-up
    const tSmall = Math.min(time(() => table(small)), time(() => table(small)));
    const tLarge = time(() => table(large, { columns: 120 }));
    expect(table(large).split('\n').length).toBe(100_000 + 4);
    expect(tLarge).toBeLessThan(Math.max(2_000, tSmall * 25));
    const tJson = time(() => renderJson(envelopeOf({ data: small }), CONTEXT));
    console.log(`in-process: table 10,000 rows ${tSmall.toFixed(0)} ms, 100,000 rows ${tLarge.toFixed(0)} ms; json 10,000 rows ${tJson.toFixed(0)} ms`);
  });
});

describe('table through run()', () => {
  const FILES = { '/cap/ps': fixture('pure-ftpd/02-tricky.ps.txt'), '/cap/who': fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt') };
  const argv = ['--user=alice', '--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who', '--output=table', 'Ftp', 'list_sessions'];
  it.each([
    ['an 80-column UTF-8 terminal', { LANG: 'en_US.UTF-8' }, true, 80, 'uapi.sessions.table-80.txt'],
    ['a 200-column terminal in the C locale', { LANG: 'C' }, true, 200, 'uapi.sessions.table-ascii.txt'],
    ['LC_ALL wins over LANG', { LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }, false, undefined, 'uapi.sessions.table-ascii.txt'],
  ])('%s', async (_name, env, isTTY, columns, snapshot) => {
    const rt = createTestRuntime({ files: FILES, env: { ...env, NO_COLOR: '1' }, isTTY, argv, ...(columns === undefined ? {} : { columns }) });
    expect(await run('uapi', rt)).toBe(0);
    if (columns !== undefined) for (const line of rt.out.split('\n')) expect(width(line)).toBeLessThanOrEqual(columns);
    await expect(rt.out).toMatchFileSnapshot(`../__snapshots__/render/${snapshot}`);
  });
});
