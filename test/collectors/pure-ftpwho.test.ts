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

describe('garbage given as a capture', () => {
  it.each(['ps', 'pure-ftpwho', 'ftpwho'])('--input %s= of garbage ending in a newline fails the same way for every source', async (id) => {
    const rt = createTestRuntime({ files: { '/cap/garbage': 'garbage\n' }, argv: ['--user=alice', '--output=json', `--collector=${id}`, '--input', `${id}=/cap/garbage`, 'Ftp', 'list_sessions'] });
    const code = await run('uapi', rt);
    expect(code).not.toBe(0);
    expect(JSON.parse(rt.out).result.errors).toEqual([`--input ${id} gave nothing that looks like ${id} output`]);
  });
});
