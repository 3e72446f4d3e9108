import { describe, expect, it } from 'vitest';
import { parseFtpwho } from '../../src/collectors/ftpwho/parse.js';
import { fixture } from '../helpers/runtime.js';

describe('parseFtpwho', () => {
  it('reads sessions: login, numeric host, command, connection time; pre-login ones are not logged in', () => {
    const { observations, skippedLines } = parseFtpwho(fixture('proftpd/04-numeric.ftpwho-o-json.txt'));
    expect(skippedLines).toEqual([]);
    expect(observations).toEqual([
      { pid: 29291, daemon: 'proftpd', loggedIn: false, state: 'IDLE', host: '127.0.0.3', startedAt: 1795327724000 },
      { pid: 29302, daemon: 'proftpd', loggedIn: true, state: 'IDLE', login: 'alice', host: '127.0.0.2', startedAt: 1795327725000, cwd: '/', idleSince: 1795327725000 },
      { pid: 29313, daemon: 'proftpd', loggedIn: true, state: 'IDLE', login: 'alice', host: '::1', startedAt: 1795327725000, cwd: '/', idleSince: 1795327725000 },
      // a throttled download: ProFTPD's scoreboard says 0 % and no bytes yet (ftp-servers.md §3.2)
      { pid: 29328, daemon: 'proftpd', loggedIn: true, state: 'DL', login: 'alice', host: '::1', file: 'naïve résumé.txt', startedAt: 1795327725000, cwd: '/', percent: 0 },
    ]);
  });

  it('an empty server is no sessions, not garbage', () => {
    expect(parseFtpwho(fixture('proftpd/00-no-sessions.ftpwho-o-json.txt'))).toEqual({ observations: [], recognised: 1, skippedLines: [] });
  });

  it.each(['', 'not json', '{"server":{}}', '[]', 'null', 'no users connected', '\u2028', '\uFEFF'])('%j is not ftpwho -o json', (text) => {
    expect(parseFtpwho(text).recognised).toBe(0);
  });

  it('skips a connection without a pid', () => {
    const { observations, skippedLines } = parseFtpwho('{"connections":[{"user":"x"},{"pid":7,"user":"bob","command":"STOR","command_args":"a b"},null]}');
    expect(observations).toEqual([{ pid: 7, daemon: 'proftpd', loggedIn: true, state: 'UL', login: 'bob', file: 'a b' }]);
    expect(skippedLines).toEqual([1, 3]);
  });

  it('a white-space-only output is empty, anything else is garbage', () => {
    expect(parseFtpwho(' \r\n\t')).toEqual({ observations: [], recognised: 0, skippedLines: [] });
    expect(parseFtpwho('\u2028').skippedLines).toEqual([1]);
  });

  it('keeps any number as the connection time, for normalise to judge (huge, 1e400 = Infinity, negative)', () => {
    const { observations } = parseFtpwho(
      '{"connections":[{"pid":1,"user":"a","connected_since_ms":1e300},{"pid":2,"user":"a","connected_since_ms":1e400},{"pid":3,"user":"a","connected_since_ms":-5},{"pid":4,"user":"a","connected_since_ms":"7"}]}',
    );
    expect(observations.map((o) => o.startedAt)).toEqual([1e300, Number.POSITIVE_INFINITY, -5, undefined]);
  });

  it('a command argument with CR, LF, U+2028 is the file, exactly', () => {
    const file = 'a\r\nb\u2028c\u2029';
    const { observations } = parseFtpwho(JSON.stringify({ connections: [{ pid: 7, user: 'alice', command: 'RETR', command_args: file }] }));
    expect(observations[0]).toMatchObject({ state: 'DL', file });
  });
});

describe('ftpwho -o json transfer detail', () => {
  const one = (fields: Record<string, unknown>) => {
    const { observations } = parseFtpwho(JSON.stringify({ connections: [{ pid: 7, user: 'alice', ...fields }] }));
    return observations[0];
  };
  const RETR = { command: 'RETR', command_args: 'big.bin' };

  it('the reference capture: location, idle time; a throttled download with "0" % and no bytes yet', () => {
    const { observations } = parseFtpwho(fixture('proftpd/02-tricky.ftpwho-o-json.txt'));
    const byPid = new Map(observations.map((o) => [o.pid, o]));
    expect(byPid.get(27296)).toMatchObject({ state: 'IDLE', cwd: '/', idleSince: 1795327657000 });
    expect(byPid.get(27355)).toMatchObject({ state: 'DL', cwd: '/', percent: 0 });
    expect([byPid.get(27355)?.transferred, byPid.get(27355)?.rate, byPid.get(27355)?.idleSince]).toEqual([undefined, undefined, undefined]);
    // idle after a finished 4 KiB transfer: its transfer_bytes are the last transfer's, not one in progress
    expect(byPid.get(27416)).toMatchObject({ state: 'IDLE', idleSince: 1795327660000 });
    expect(byPid.get(27416)?.transferred).toBeUndefined();
    // before login: nothing of the session's place or time
    expect([byPid.get(27274)?.cwd, byPid.get(27274)?.idleSince]).toEqual([undefined, undefined]);
  });

  it.each([
    ['"0"', '0', 0],
    ['"100"', '100', 100],
    ['"42.5"', '42.5', 42.5],
    ['"Inf" (an empty file)', 'Inf', undefined],
    ['"-Inf"', '-Inf', undefined],
    ['"NaN"', 'NaN', undefined],
    ['"101"', '101', undefined],
    ['"-1"', '-1', undefined],
    ['"1e2"', '1e2', undefined],
    ['" 5"', ' 5', undefined],
    ['"5%"', '5%', undefined],
    ['""', '', undefined],
    ['a number, not the string ftpwho writes', 5, undefined],
    ['missing', undefined, undefined],
  ])('transfer_completed %s -> percent', (_what, completed, percent) => {
    expect(one({ ...RETR, transfer_completed: completed })?.percent).toBe(percent);
  });

  it.each([
    ['a count', 671744, 671744],
    ['zero', 0, 0],
    ['2^53 - 1', 2 ** 53 - 1, 2 ** 53 - 1],
    ['2^53: not exact', 2 ** 53, undefined],
    ['1e300', 1e300, undefined],
    ['negative', -1, undefined],
    ['a fraction', 1.5, undefined],
    ['a string', '100', undefined],
    ['null', null, undefined],
  ])('transfer_bytes %s -> transferred', (_what, bytes, transferred) => {
    expect(one({ ...RETR, transfer_bytes: bytes })?.transferred).toBe(transferred);
  });

  it('transfer_bytes 1e400 (Infinity once parsed) is no count', () => {
    const { observations } = parseFtpwho('{"connections":[{"pid":7,"user":"a","command":"STOR","transfer_bytes":1e400,"transfer_duration_ms":5000000}]}');
    expect([observations[0]?.transferred, observations[0]?.rate]).toEqual([undefined, undefined]);
  });

  it.each([
    ['10 s (written 10000000: 1000 times the milliseconds)', 671744, 10_000_000, 67174],
    ['exactly 1 s', 65536, 1_000_000, 65536],
    ['under a second says too little', 4096, 999_999, undefined],
    ['no duration', 4096, undefined, undefined],
    ['a duration of 0', 4096, 0, undefined],
    ['a negative duration', 4096, -5_000_000, undefined],
    ['a fractional duration', 4096, 5_000_000.5, undefined],
    ['a duration past 2^53', 4096, 2 ** 60, undefined],
    ['a duration as text', 4096, '5000000', undefined],
    ['no bytes: no rate', undefined, 5_000_000, undefined],
    ['the largest count in the shortest time: still exact', 2 ** 53 - 1, 1_000_000, 2 ** 53 - 1],
  ])('rate from transfer_bytes and transfer_duration_ms: %s', (_what, bytes, duration, rate) => {
    expect(one({ ...RETR, transfer_bytes: bytes, transfer_duration_ms: duration })?.rate).toBe(rate);
  });

  it.each([
    ['an epoch time', 1795327657000, 1795327657000],
    ['negative', -5, undefined],
    ['a fraction', 1.5, undefined],
    ['text', '1795327657000', undefined],
    ['past 2^53', 2 ** 53, undefined],
  ])('idle_since_ms %s -> idleSince (an idle session only)', (_what, since, idleSince) => {
    expect(one({ idle_since_ms: since })?.idleSince).toBe(idleSince);
    expect(one({ ...RETR, idle_since_ms: since })?.idleSince).toBeUndefined();
  });

  it('location is the directory, every character data; not a string, or empty: none', () => {
    const cwd = '/a b/c\r\nd\u2028e\u2029"\\|';
    expect(one({ location: cwd })?.cwd).toBe(cwd);
    expect(one({ location: '' })?.cwd).toBeUndefined();
    expect(one({ location: ['/etc'] })?.cwd).toBeUndefined();
    expect(one({ location: 7 })?.cwd).toBeUndefined();
  });

  it('an idle session keeps no transfer fields; a session not logged in none at all', () => {
    expect(one({ transfer_bytes: 4096, transfer_completed: '100', transfer_duration_ms: 2_000_000 })).toEqual({
      pid: 7,
      daemon: 'proftpd',
      loggedIn: true,
      state: 'IDLE',
      login: 'alice',
    });
    const { observations } = parseFtpwho(
      JSON.stringify({ connections: [{ pid: 8, authenticating: true, location: '/', idle_since_ms: 1, command: 'RETR', transfer_bytes: 9, transfer_completed: '5' }] }),
    );
    expect(observations[0]).toEqual({ pid: 8, daemon: 'proftpd', loggedIn: false, state: 'DL' });
  });
});
