// Which sessions an account owns, with the server's account files laid out
// as cPanel keeps them and as a plain pure-ftpd server does, in a temporary root.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { diskRuntime, PASSWD } from '../helpers/runtime.js';

const root = mkdtempSync(join(tmpdir(), 'ftpsessions-accounts-'));
const at = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
  return join(root, path);
};

// cPanel: /etc/proftpd/<account> (login:hash:uid:gid:owner:home:shell), /etc/userdomains
at('etc/proftpd/alice', ['info@alice.test:$6$x:1001:1001:alice:/home/alice/info:/bin/ftpsh', 'shop@alice.test:$6$x:1002:1002:alice:/home/alice/shop:/bin/ftpsh', 'legacy:$6$x:1001:1001:alice:/home/alice/legacy:/bin/ftpsh', ''].join('\n'));
at('etc/proftpd/bob', 'sales@bob.test:$6$x:1002:1002:bob:/home/bob/sales:/bin/ftpsh\n');
at('etc/userdomains', 'alice.test: alice\nwww.alice.test: alice\nbob.test: bob\n');
// plain pure-ftpd: pure-pw's passwd file, virtual users mapped to a uid
at('etc/pure-ftpd/pureftpd.passwd', 'pv1:$2y$x:1001:1001::/home/alice/pv1/./::::::::::::\npv2:$2y$x:1002:1002::/home/ftpvirt/pv2/./::::::::::::\n');

// sessions: pid, uid the process runs as, FTP login (pure-ftpwho)
const SESSIONS: Array<[number, number, string]> = [
  [100, 1001, 'alice'],
  [101, 1001, 'info@alice.test'],
  [102, 1002, 'shop@alice.test'], // alice's virtual user, on the uid virtual users share
  [103, 1002, 'sales@bob.test'], // bob's, on the same shared uid
  [104, 1001, 'legacy@www.alice.test'], // a line without a domain stands for each of alice's domains
  [105, 1001, 'mallory@bob.test'], // runs as alice's uid, but bob.test is bob's
  [106, 1002, 'pv1'], // pure-pw: mapped to alice's uid
  [107, 1002, 'pv2'], // pure-pw: mapped to ftpvirt's uid
  [108, 1001, 'ftp'], // anonymous: the uid decides
];
const ps = SESSIONS.map(([pid, uid]) => `${String(pid).padStart(5)}     1 ${String(uid).padStart(5)} ${'u'.padEnd(64)} Sun Nov 22 06:06:28 2026 pure-ftpd (IDLE)`).join('\n');
const who = SESSIONS.map(([pid, , login]) => `${pid}|${login}|5|IDLE||127.0.0.1|127.0.0.1|21|0|0|0|0`).join('\n');
const files = {
  '/etc/passwd': `${PASSWD}bob:x:1004:1004::/home/bob:/bin/sh\n`,
};
const psFile = at('cap/ps.txt', `${ps}\n`);
const whoFile = at('cap/who.txt', `${who}\n`);

async function pids(user: string, layout: string[]) {
  const rt = diskRuntime({ files, argv: [`--user=${user}`, '--output=json', '--input', `ps=${psFile}`, '--input', `pure-ftpwho=${whoFile}`, ...layout, 'Ftp', 'list_sessions'] });
  expect(await run('uapi', rt)).toBe(0);
  return JSON.parse(rt.out).result.data.map((r: { pid: number }) => r.pid);
}

const ALL = [`--ftp-passwd-dir=${join(root, 'etc/proftpd')}`, `--userdomains=${join(root, 'etc/userdomains')}`, `--pureftpd-passwd=${join(root, 'etc/pure-ftpd/pureftpd.passwd')}`];

describe('accounts and their FTP logins', () => {
  it('with the server files: each account sees its own logins, whatever uid they run under', async () => {
    expect(await pids('alice', ALL)).toEqual([100, 101, 102, 104, 106, 108]);
    expect(await pids('bob', ALL)).toEqual([103, 105]);
    expect(await pids('ftpvirt', ALL)).toEqual([107]);
  });

  it('without them (no such files): the uid decides', async () => {
    const none = ['--ftp-passwd-dir=/nonexistent', '--userdomains=/nonexistent', '--pureftpd-passwd=/nonexistent'];
    expect(await pids('alice', none)).toEqual([100, 101, 104, 105, 108]);
    expect(await pids('ftpvirt', none)).toEqual([102, 103, 106, 107]);
  });

  it('takes the paths from the environment too', async () => {
    const rt = diskRuntime({
      files,
      env: { FTPSESSIONS_FTP_PASSWD_DIR: join(root, 'etc/proftpd'), FTPSESSIONS_USERDOMAINS: join(root, 'etc/userdomains'), FTPSESSIONS_PUREFTPD_PASSWD: join(root, 'etc/pure-ftpd/pureftpd.passwd') },
      argv: ['--user=bob', '--output=json', '--input', `ps=${psFile}`, '--input', `pure-ftpwho=${whoFile}`, 'Ftp', 'list_sessions'],
    });
    expect(await run('uapi', rt)).toBe(0);
    expect(JSON.parse(rt.out).result.data.map((r: { pid: number }) => r.pid)).toEqual([103, 105]);
  });
});
