import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyTitle } from '../../src/collectors/ps/titles.js';
import { FIXTURES, fixture } from '../helpers/runtime.js';

/** Every title of every daemon process the lab captured (`ps -C <daemon> -o ...,args`). */
function capturedTitles(daemon: string): string[] {
  return readdirSync(FIXTURES + daemon)
    .filter((f) => f.includes('.ps-C-'))
    .flatMap((f) => fixture(`${daemon}/${f}`).split('\n').slice(1))
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/^.*? \d{2}:\d{2}:\d{2} \d{4} (?:\s*\d+ )?/, ''));
}

describe('classifyTitle on every captured title', () => {
  it.each([
    ['pure-ftpd', /^pure-ftpd \((SERVER|PRIV)\)/],
    ['proftpd', /^proftpd: \(accepting connections\)$/],
    ['vsftpd', /^vsftpd: (LISTENER|[0-9a-f.:]+: connected)$/],
  ])('%s: everything but listeners and helpers is a session', (daemon, notSession) => {
    const titles = capturedTitles(daemon);
    expect(titles.length).toBeGreaterThan(20);
    for (const title of titles) {
      const info = classifyTitle(title);
      if (notSession.test(title.trimEnd())) expect(info, title).toBeUndefined();
      else expect(info?.daemon, title).toBe(daemon);
    }
  });
});

describe('classifyTitle', () => {
  it.each([
    // pure-ftpd: state only; leftovers of the original argv after the title are dropped
    ['pure-ftpd (IDLE)' + ' '.repeat(127) + '64 -t 32 32', { daemon: 'pure-ftpd', state: 'IDLE', cmdline: 'pure-ftpd (IDLE)', loggedIn: 'by-uid' }],
    ['pure-ftpd (DOWNLOAD)', { state: 'DL', cmdline: 'pure-ftpd (DOWNLOAD)' }],
    ['pure-ftpd (UPLOAD)   ', { state: 'UL' }],
    // proftpd
    ['proftpd: alice - localhost: IDLE', { daemon: 'proftpd', loggedIn: true, login: 'alice', host: 'localhost', state: 'IDLE' }],
    ['proftpd: alice - ::1: RETR naïve résumé.txt', { login: 'alice', host: '::1', state: 'DL', file: 'naïve résumé.txt' }],
    ['proftpd: bob@example.com - client2.ftplab.test: STOR a: b.bin', { login: 'bob@example.com', state: 'UL', file: 'a: b.bin' }],
    ['proftpd: alice - 127.0.0.2: APPE log.txt', { state: 'UL', file: 'log.txt' }],
    ['proftpd: alice - 127.0.0.2: STOU', { state: 'UL', file: '' }],
    ['proftpd: alice - 127.0.0.2: LIST -la', { state: 'IDLE', cmdline: 'proftpd: alice - 127.0.0.2: LIST -la' }],
    // the anonymous password is shown to every ps user by proftpd; never by us
    [
      'proftpd: ftp - localhost: anonymous/guest@example.com: IDLE',
      { login: 'ftp', host: 'localhost', state: 'IDLE', cmdline: 'proftpd: ftp - localhost: anonymous: IDLE' },
    ],
    [
      'proftpd: ftp - localhost: anonymous/lftp@: RETR pub/anon big.iso',
      { state: 'DL', file: 'pub/anon big.iso', cmdline: 'proftpd: ftp - localhost: anonymous: RETR pub/anon big.iso' },
    ],
    ['proftpd: connected: localhost (127.0.0.1:50912)', { loggedIn: false, host: '127.0.0.1' }],
    ['proftpd: 127.0.0.3:35617: USER alice', { loggedIn: false, host: '127.0.0.3' }],
    ['proftpd: ::1:40817: PASS (hidden)', { loggedIn: false, host: '::1' }],
    // vsftpd
    ['vsftpd: 127.0.0.1/alice: IDLE', { daemon: 'vsftpd', loggedIn: true, login: 'alice', host: '127.0.0.1', state: 'IDLE' }],
    ['vsftpd: ::1/alice: RETR big.bin', { host: '::1', state: 'DL', file: 'big.bin' }],
    ['vsftpd: 127.0.0.1/alice: STOR incoming/x.bin', { state: 'UL', file: 'incoming/x.bin' }],
    ['vsftpd: ::1: not logged in', { loggedIn: false, host: '::1' }],
  ])('%s', (title, expected) => {
    expect(classifyTitle(title)).toMatchObject(expected);
  });

  it.each([
    'pure-ftpd (SERVER)',
    'pure-ftpd (PRIV)',
    '[pure-ftpd] <defunct>',
    'pure-ftpd',
    '/usr/sbin/pure-ftpd -S 127.0.0.1,21',
    'proftpd: (accepting connections)',
    'vsftpd: LISTENER',
    'vsftpd: 127.0.0.1: connected',
    '/usr/sbin/vsftpd /etc/vsftpd.conf',
    'bash -c proftpd: alice - x: IDLE',
    '',
  ])('not a session: %j', (title) => {
    expect(classifyTitle(title)).toBeUndefined();
  });
});

describe('classifyTitle: every character is data', () => {
  it.each([
    ['a\rb', 'CR'],
    ['a\r\nb', 'CRLF'],
    ['a\nb', 'LF'],
    ['x\u2028', 'U+2028 at the end'],
    ['\u2029', 'U+2029 alone'],
    ['a\u0085b', 'U+0085'],
    ['\uFEFFbom\uFEFF', 'U+FEFF'],
    ['lone\uD800surrogate\uDFFF', 'lone surrogates'],
    ['tab\tand\vform\ffeed\u00A0', 'other blanks'],
    ['a: b - c: RETR d', 'the grammar\'s own separators'],
  ])('a file name with %j (%s) keeps the session and the name, exactly', (file) => {
    expect(classifyTitle(`proftpd: alice - ::1: RETR ${file}`)).toMatchObject({ loggedIn: true, login: 'alice', host: '::1', state: 'DL', file });
    expect(classifyTitle(`vsftpd: ::1/alice: STOR ${file}`)).toMatchObject({ loggedIn: true, login: 'alice', host: '::1', state: 'UL', file });
    // after an anonymous password, a file name holding `: <command>` is cut there (see below)
    if (!file.includes(': ')) expect(classifyTitle(`proftpd: ftp - localhost: anonymous/guest@example.com: RETR ${file}`)).toMatchObject({ loggedIn: true, file });
  });

  it('trims only the padding a daemon adds (spaces, NULs)', () => {
    expect(classifyTitle('proftpd: alice - ::1: RETR x\u2028 \0 \0')?.file).toBe('x\u2028');
    expect(classifyTitle('proftpd: alice - ::1: RETR x\r')?.file).toBe('x\r');
    expect(classifyTitle('pure-ftpd (IDLE)\0\0\0')).toMatchObject({ cmdline: 'pure-ftpd (IDLE)' });
  });
});

describe('classifyTitle: the anonymous "password" never shows', () => {
  it.each([
    // no command after it: a title cut short
    ['proftpd: ftp - 127.0.0.1: anonymous/a:b:c:', 'proftpd: ftp - 127.0.0.1: anonymous', 'IDLE', undefined],
    ['proftpd: ftp - 127.0.0.1: anonymous/x@y', 'proftpd: ftp - 127.0.0.1: anonymous', 'IDLE', undefined],
    ['proftpd: ftp - 127.0.0.1: anonymous/x@y: RE', 'proftpd: ftp - 127.0.0.1: anonymous', 'IDLE', undefined],
    // colons and commands inside it: the command is the last one
    ['proftpd: ftp - 127.0.0.1: anonymous/a: b: IDLE', 'proftpd: ftp - 127.0.0.1: anonymous: IDLE', 'IDLE', undefined],
    ['proftpd: ftp - 127.0.0.1: anonymous/p: RETR x: IDLE', 'proftpd: ftp - 127.0.0.1: anonymous: IDLE', 'IDLE', undefined],
    ['proftpd: ftp - 127.0.0.1: anonymous/p: w: RETR pub/a: b.iso', 'proftpd: ftp - 127.0.0.1: anonymous: RETR pub/a: b.iso', 'DL', 'pub/a: b.iso'],
    ['proftpd: ftp - ::1: anonymous/\r\u2028: stor up.bin', 'proftpd: ftp - ::1: anonymous: stor up.bin', 'UL', 'up.bin'],
    // an empty password, and AnonRequirePassword's title without one
    ['proftpd: ftp - localhost: anonymous/: IDLE', 'proftpd: ftp - localhost: anonymous: IDLE', 'IDLE', undefined],
    ['proftpd: ftp - localhost: anonymous: IDLE', 'proftpd: ftp - localhost: anonymous: IDLE', 'IDLE', undefined],
    ['proftpd: ftp - localhost: anonymous', 'proftpd: ftp - localhost: anonymous', 'IDLE', undefined],
  ])('%j', (title, cmdline, state, file) => {
    const info = classifyTitle(title);
    expect(info).toMatchObject({ daemon: 'proftpd', loggedIn: true, login: 'ftp', cmdline, state });
    expect(info?.file).toBe(file);
  });
});

describe('classifyTitle: a title before login is never a logged-in session, whatever the client sent', () => {
  it.each([
    ['proftpd: 127.0.0.1:5555: USER x@bob.example - 6.6.6.6: RETR /etc/shadow', '127.0.0.1'],
    ['proftpd: ::1:5555: USER alice - ::1: IDLE', '::1'],
    ['proftpd: 2001:db8::1:5555: USER bob@example.com - localhost: anonymous/x: STOR y', '2001:db8::1'],
    ['proftpd: 10.0.0.7:21: USER a\r\nproftpd: alice - h: IDLE', '10.0.0.7'],
    ['proftpd: 10.0.0.7:21: USER a\u2028 - h: RETR b', '10.0.0.7'],
    ['proftpd: 10.0.0.7:21: PASS (hidden)', '10.0.0.7'],
    ['proftpd: connected: evil - 6.6.6.6: RETR x (127.0.0.1:5555)', '127.0.0.1'],
    ['proftpd: connected: alice - localhost: IDLE', undefined], // cut short: no address
    ['vsftpd: 127.0.0.1: not logged in', '127.0.0.1'],
  ])('%j', (title, host) => {
    const info = classifyTitle(title);
    expect(info).toMatchObject({ loggedIn: false, state: 'IDLE', cmdline: title });
    expect(info?.host).toBe(host);
    expect(info?.login).toBeUndefined();
  });

  it.each(['proftpd: connected: ', 'proftpd: 127.0.0.1:5', 'vsftpd: 127.0.0.1: x/alice: IDLE', 'vsftpd: 127.0.0.1: connected', 'vsftpd: ::1: not logged in\r'])('%j: not a session', (title) => {
    expect(classifyTitle(title)).toBeUndefined();
  });
});
