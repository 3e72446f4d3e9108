import { describe, expect, it } from 'vitest';
import { parsePureFtpwho, splitEscaped } from '../../src/collectors/pure-ftpwho/parse.js';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture } from '../helpers/runtime.js';

const NOW = Date.parse('2026-11-22T06:06:48Z');

describe('splitEscaped', () => {
  it.each([
    ['a|b|c', ['a', 'b', 'c']],
    ['a\\|b|c', ['a|b', 'c']],
    ['a\\\\|b', ['a\\', 'b']],
    ['||', ['', '', '']],
    ['end\\', ['end\\']],
  ])('%j', (line, fields) => {
    expect(splitEscaped(line)).toEqual(fields);
  });
});

describe('parsePureFtpwho', () => {
  it('reads the tricky capture: escapes, UTF-8, pre-login, states, hosts', () => {
    const { observations, skippedLines } = parsePureFtpwho(fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt'), NOW);
    expect(skippedLines).toEqual([]);
    const byPid = new Map(observations.map((o) => [o.pid, o]));
    expect(byPid.get(25848)).toMatchObject({
      login: 'alice',
      state: 'UL',
      file: 'incoming/über upload|x.bin',
      host: '127.0.0.1',
      title: 'pure-ftpd (UPLOAD)',
      loggedIn: true,
    });
    expect(byPid.get(24381)).toMatchObject({ loggedIn: false, host: '127.0.0.3', state: 'IDLE' });
    expect(byPid.get(24381)?.login).toBeUndefined();
    expect(byPid.get(24563)).toMatchObject({ host: '::1', state: 'DL', file: 'big.bin' });
    expect(byPid.get(24462)).toMatchObject({ login: 'bob@example.com', host: '127.0.0.2' });
  });

  it('turns seconds since connect into the connection time', () => {
    const { observations } = parsePureFtpwho('24393|alice|8|IDLE||127.0.0.1|127.0.0.1|2121|0|0|0|0\n', NOW);
    expect(observations[0]?.startedAt).toBe(NOW - 8000);
  });

  it('keeps no file for an idle session and maps ERR! to IDLE', () => {
    const { observations } = parsePureFtpwho('7|bob|1|ERR!|stale.bin|h|l|21|0|0|0|0\n', NOW);
    expect(observations[0]).toMatchObject({ state: 'IDLE' });
    expect(observations[0]?.file).toBeUndefined();
  });

  it('is empty for a server with no sessions (0 bytes)', () => {
    expect(parsePureFtpwho(fixture('pure-ftpd/00-no-sessions.pure-ftpwho-s.txt'), NOW)).toEqual({
      observations: [],
      recognised: 0,
      skippedLines: [],
    });
  });

  it('skips lines that are not session lines and says which', () => {
    const text = [
      'You must be root to run this. Sorry.',
      '24393|alice|8|IDLE||127.0.0.1|127.0.0.1|2121|0|0|0|0',
      '24394|alice|x|IDLE||h|l|21|0|0|0|0',
      '0|alice|1|IDLE||h|l|21|0|0|0|0',
      '5|alice|1|DOWN||h|l|21|0|0|0|0',
      '6|alice|1|IDLE||h|l|21|0|0|0',
      '',
    ].join('\n');
    const { observations, skippedLines } = parsePureFtpwho(text, NOW);
    expect(observations.map((o) => o.pid)).toEqual([24393]);
    expect(skippedLines).toEqual([1, 3, 4, 5, 6]);
  });

  it.each(['garbage\n', 'You must be root to run this. Sorry.\n', '\n\n', ' \n', '1|2|3\n', '24393|alice|8|IDLE||127.0.0.1|127.0.0.1|x|0|0|0|0\n'])(
    '%j: nothing of its format, so nothing recognised (E_COLLECTOR_GARBAGE, as ps and ftpwho)',
    (text) => {
      const reading = parsePureFtpwho(text, NOW);
      expect(reading.recognised).toBe(0);
      expect(reading.observations).toEqual([]);
      if (text.trim() !== '') expect(reading.skippedLines.length).toBeGreaterThan(0);
    },
  );

  it('reads a CRLF capture as the LF one; file names with CR, U+2028, U+2029 whole', () => {
    const lf = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');
    expect(parsePureFtpwho(lf.replaceAll('\n', '\r\n'), NOW)).toEqual(parsePureFtpwho(lf, NOW));
    const file = 'a\rb\u2028c\u2029d\u0085\\|e\r';
    const { observations, recognised } = parsePureFtpwho(`7|alice|1| DL |${file}|::1|::1|21|0|0|0|0\n`, NOW);
    expect(recognised).toBe(1);
    expect(observations[0]).toMatchObject({ pid: 7, state: 'DL', file: 'a\rb\u2028c\u2029d\u0085|e\r' });
  });

  it('keeps a time past what a Date can hold for normalise to judge (it warns, the session stays)', () => {
    const { observations } = parsePureFtpwho('7|alice|999999999999|IDLE||::1|::1|21|0|0|0|0\n', NOW);
    expect(observations[0]?.startedAt).toBe(NOW - 999_999_999_999_000);
  });
});

describe('pure-ftpwho counters (KiB) as transfer detail', () => {
  const line = (state: string, counters: string) => `7|alice|6|${state}|big.bin|::1|::1|21|${counters}\n`;
  const detail = (text: string) => {
    const { observations, recognised } = parsePureFtpwho(text, NOW);
    expect(recognised).toBe(1);
    const o = observations[0];
    return { transferred: o?.transferred, size: o?.size, percent: o?.percent, rate: o?.rate };
  };

  it("the reference's download and upload (ftp-servers.md §2.3): bytes = KiB * 1024; total and percent for downloads only", () => {
    const { observations } = parsePureFtpwho(fixture('pure-ftpd/01-basic.pure-ftpwho-sH.txt'), NOW);
    const byPid = new Map(observations.map((o) => [o.pid, o]));
    // 24514|alice|6| DL |big.bin|...|7296|2097152|0|1216 and 24530|bob@example.com|6| UL |...|320|0|0|160
    expect(byPid.get(24514)).toMatchObject({ state: 'DL', transferred: 7296 * 1024, size: 2097152 * 1024, percent: 0, rate: 1216 * 1024 });
    expect(byPid.get(24530)).toMatchObject({ state: 'UL', transferred: 320 * 1024, rate: 160 * 1024 });
    expect([byPid.get(24530)?.size, byPid.get(24530)?.percent]).toEqual([undefined, undefined]);
    for (const o of observations.filter((x) => x.state === 'IDLE')) expect([o.transferred, o.size, o.percent, o.rate]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each([
    ['a download', ' DL ', '144|2097152|12|24', { transferred: 147456, size: 2147483648, percent: 12, rate: 24576 }],
    ['an upload: its total and percent mean nothing', ' UL ', '89|5000|40|14', { transferred: 91136, size: undefined, percent: undefined, rate: 14336 }],
    ['a download of unknown size (total 0): no size, no percent', ' DL ', '10|0|0|5', { transferred: 10240, size: undefined, percent: undefined, rate: 5120 }],
    ['a percent over 100 is not one', ' DL ', '10|20|101|5', { transferred: 10240, size: 20480, percent: undefined, rate: 5120 }],
    ['the largest KiB exact as bytes in a double (2^53 - 1024)', ' DL ', '8796093022207|8796093022207|100|0', { transferred: 2 ** 53 - 1024, size: 2 ** 53 - 1024, percent: 100, rate: 0 }],
    ['one KiB more is 2^53 bytes: not exact, left out', ' DL ', '8796093022208|8796093022208|100|8796093022208', { transferred: undefined, size: undefined, percent: undefined, rate: undefined }],
    ['twenty digits: left out, the line still read', ' UL ', '99999999999999999999|0|0|99999999999999999999', { transferred: undefined, size: undefined, percent: undefined, rate: undefined }],
    ['leading zeros are decimal', ' DL ', '0010|0020|050|0001', { transferred: 10240, size: 20480, percent: 50, rate: 1024 }],
    ['an idle session (counters from an old transfer) has none', 'IDLE', '10|20|50|5', { transferred: undefined, size: undefined, percent: undefined, rate: undefined }],
    ['ERR! has none', 'ERR!', '10|20|50|5', { transferred: undefined, size: undefined, percent: undefined, rate: undefined }],
  ])('%s', (_what, state, counters, expected) => {
    expect(detail(line(state, counters))).toEqual(expected);
  });

  it.each(['-1|0|0|0', '1.5|0|0|0', 'NaN|0|0|0', '1e3|0|0|0', 'Infinity|0|0|0', ' 1|0|0|0', '0x10|0|0|0', '|0|0|0', '1|0|0|-0'])(
    'counters %j are not pure-ftpwho output: the line is skipped, never half-read',
    (counters) => {
      const { observations, skippedLines } = parsePureFtpwho(line(' DL ', counters), NOW);
      expect([observations, skippedLines]).toEqual([[], [1]]);
    },
  );
});

describe('garbage given as a capture', () => {
  it.each(['ps', 'pure-ftpwho', 'ftpwho'])('--input %s= of garbage ending in a newline fails the same way for every source', async (id) => {
    const rt = createTestRuntime({ files: { '/cap/garbage': 'garbage\n' }, argv: ['--user=alice', '--output=json', `--collector=${id}`, '--input', `${id}=/cap/garbage`, 'Ftp', 'list_sessions'] });
    const code = await run('uapi', rt);
    expect(code).not.toBe(0);
    expect(JSON.parse(rt.out).result.errors).toEqual([`--input ${id} gave nothing that looks like ${id} output`]);
  });
});
