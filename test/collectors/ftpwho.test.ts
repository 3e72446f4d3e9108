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
