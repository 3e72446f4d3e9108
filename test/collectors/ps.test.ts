import { describe, expect, it } from 'vitest';
import { parsePs } from '../../src/collectors/ps/parse.js';
import { isValidTime } from '../../src/model/time.js';
import { fixture } from '../helpers/runtime.js';

const row = (pid: number, uid: number, user: string, lstart: string, args: string) =>
  `${String(pid).padStart(5)} ${'1'.padStart(5)} ${String(uid).padStart(5)} ${user.padEnd(64)} ${lstart} ${args}`;

describe('parsePs', () => {
  it('reads a live-format capture of pure-ftpd: sessions only, by uid, with start times', () => {
    const { observations, skippedLines, recognised } = parsePs(fixture('pure-ftpd/01-basic.ps.txt'));
    expect(skippedLines).toEqual([]);
    expect(recognised).toBeGreaterThan(50);
    const alice = observations.find((o) => o.pid === 24393);
    expect(alice).toEqual({
      pid: 24393,
      daemon: 'pure-ftpd',
      loggedIn: true,
      state: 'IDLE',
      uid: 1001,
      systemUser: 'alice',
      startedAt: Date.parse('2026-11-22T06:06:28Z'),
      title: 'pure-ftpd (IDLE)',
    });
    // the pre-login session runs as root: seen, but not logged in; its PRIV helper and the listeners are not sessions
    expect(observations.find((o) => o.pid === 24369)).toMatchObject({ loggedIn: false, uid: 0 });
    expect(observations.find((o) => o.pid === 24370)).toBeUndefined();
    expect(observations.find((o) => o.pid === 24106)).toBeUndefined();
    // a long user name is whole (user:64), not `charlot+`
    expect(observations.find((o) => o.pid === 24486)?.systemUser).toBe('charlotte-longname');
  });

  it('skips a header line and reads a space-padded day', () => {
    const text = [
      '  PID  PPID   UID USER      STARTED COMMAND',
      row(42, 1001, 'alice', 'Mon Nov  2 06:06:28 2026', 'pure-ftpd (DOWNLOAD)'),
      '',
    ].join('\n');
    const { observations, skippedLines } = parsePs(text);
    expect(skippedLines).toEqual([]);
    expect(observations[0]).toMatchObject({ pid: 42, state: 'DL', startedAt: Date.parse('2026-11-02T06:06:28Z') });
  });

  it('keeps the title whole: spaces, colons and UTF-8 inside it', () => {
    const { observations } = parsePs(
      row(7, 1001, 'alice', 'Sun Nov 22 06:06:28 2026', 'proftpd: alice - ::1: RETR a  b: ü.txt') + '\n',
    );
    expect(observations[0]).toMatchObject({ host: '::1', file: 'a  b: ü.txt', login: 'alice' });
  });

  it('skips rows it cannot read, and says which lines', () => {
    const text = [
      row(1, 0, 'root', 'Sun Nov 22 06:06:28 2026', '/sbin/init'),
      'garbage',
      row(2, 0, 'root', 'Sun Foo 22 06:06:28 2026', 'pure-ftpd (IDLE)'),
      '  12   1   0 root Sun Nov 22 06:06:28 2026',
      '',
    ].join('\n');
    const reading = parsePs(text);
    expect(reading.skippedLines).toEqual([2, 3]);
    expect(reading.recognised).toBe(2);
  });

  it('does not take zombies or other programs for sessions', () => {
    const text = [
      row(3, 1001, 'alice', 'Sun Nov 22 06:06:28 2026', '[pure-ftpd] <defunct>'),
      row(4, 1001, 'alice', 'Sun Nov 22 06:06:28 2026', 'vim pure-ftpd (IDLE)'),
    ].join('\n');
    expect(parsePs(text).observations).toEqual([]);
  });

  it('reads a capture whose every line ends in CRLF as if they ended in LF', () => {
    const lf = fixture('proftpd/02-tricky.ps.txt');
    const crlf = lf.replaceAll('\n', '\r\n');
    expect(parsePs(crlf)).toEqual(parsePs(lf));
    expect(parsePs(crlf).observations.length).toBeGreaterThan(20);
  });

  it('keeps a CR that is data: a title ending in CR when not every line ends so', () => {
    const text = [row(7, 1001, 'alice', 'Sun Nov 22 06:06:28 2026', 'proftpd: alice - ::1: RETR cr\r'), row(8, 0, 'root', 'Sun Nov 22 06:06:28 2026', '/sbin/init'), ''].join('\n');
    expect(parsePs(text).observations[0]).toMatchObject({ pid: 7, file: 'cr\r' });
    // and the last line's CR of a CRLF capture is the line end, the one before it data
    const crlf = [row(7, 1001, 'alice', 'Sun Nov 22 06:06:28 2026', 'proftpd: alice - ::1: RETR cr\r'), ''].join('\r\n');
    expect(parsePs(crlf).observations[0]).toMatchObject({ pid: 7, file: 'cr\r' });
  });

  it.each(['\r', '\u2028', '\u2029', '\u0085', '\uFEFF', '\0x', '\uD800'])('keeps a session whose title holds %j, and the file whole', (c) => {
    const file = `a${c}b${c}`;
    const { observations, skippedLines } = parsePs(
      `${row(7, 1001, 'alice', 'Sun Nov 22 06:06:28 2026', `proftpd: alice - ::1: STOR ${file}`)}\n${row(8, 0, 'root', 'Sun Nov 22 06:06:28 2026', '/sbin/init')}\n`,
    );
    expect(skippedLines).toEqual([]);
    expect(observations[0]).toMatchObject({ pid: 7, loggedIn: true, state: 'UL', file });
  });

  it('a line of U+2028 or U+FEFF alone is not blank: it is skipped and said so', () => {
    const text = [row(1, 0, 'root', 'Sun Nov 22 06:06:28 2026', '/sbin/init'), '\u2028', '\uFEFF', '   ', ''].join('\n');
    expect(parsePs(text).skippedLines).toEqual([2, 3]);
  });

  it('lists a session whose start time no Date can hold, its time unknown (normalise warns)', () => {
    const text = [
      row(7, 1001, 'alice', 'Fri Jan  1 00:00:00 300000', 'proftpd: alice - ::1: IDLE'),
      row(8, 1001, 'alice', 'Mon Feb 30 06:06:28 2026', 'proftpd: alice - ::1: IDLE'),
      row(9, 1001, 'alice', 'Sat Sep 13 00:00:00 275760', 'proftpd: alice - ::1: IDLE'),
      '',
    ].join('\n');
    const { observations, skippedLines } = parsePs(text);
    expect(skippedLines).toEqual([]);
    expect(observations.map((o) => [o.pid, isValidTime(o.startedAt)])).toEqual([
      [7, false],
      [8, false],
      [9, true],
    ]);
  });
});
