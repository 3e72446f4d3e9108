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
