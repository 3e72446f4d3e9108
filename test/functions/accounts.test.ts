// Which sessions an account owns, with the server's account files laid out
// as cPanel keeps them and as a plain pure-ftpd server does, in a temporary
// root. The files must be root's (TRUST.md): run as root, as CI does.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
at('etc/proftpd/alice', ['info@alice.test:$6$x:1001:1001:alice:/home/alice/info:/bin/ftpsh', 'shop@alice.test:$6$x:1002:1002:alice:/home/alice/shop:/bin/ftpsh', 'legacy:$6$x:1001:1001:alice:/home/alice/legacy:/bin/ftpsh', 'bob:$6$x:1004:1004:alice:/home/bob:/bin/ftpsh', 'bob_logs:$6$x:1002:1002:alice:/home/bob:/bin/ftpsh', ''].join('\n'));
at('etc/proftpd/bob', 'sales@bob.test:$6$x:1002:1002:bob:/home/bob/sales:/bin/ftpsh\n');
at('etc/userdomains', 'alice.test: alice\nwww.alice.test: alice\nbob.test: bob\n');
// plain pure-ftpd: pure-pw's passwd file, virtual users mapped to a uid
at('etc/pure-ftpd/pureftpd.passwd', 'pv1:$2y$x:1001:1001::/home/alice/pv1/./::::::::::::\npv2:$2y$x:1002:1002::/home/ftpvirt/pv2/./::::::::::::\nbob:$2y$x:1001:1001::/home/alice/./::::::::::::\n');

// sessions: pid, uid the process runs as, FTP login (pure-ftpwho)
const SESSIONS: Array<[number, number, string]> = [
  [100, 1001, 'alice'],
  [101, 1001, 'info@alice.test'],
  [102, 1002, 'shop@alice.test'], // alice's virtual user, on the uid virtual users share
  [103, 1002, 'sales@bob.test'], // bob's, on the same shared uid
  [104, 1001, 'legacy@www.alice.test'], // a line without a domain stands for each of alice's domains
  [105, 1001, 'mallory@bob.test'], // runs as alice's uid: bob.test being bob's does not take it from alice
  [106, 1002, 'pv1'], // pure-pw maps pv1 to alice's uid, but the process runs as ftpvirt: the kernel wins
  [107, 1002, 'pv2'], // pure-pw: mapped to ftpvirt's uid
  [108, 1001, 'ftp'], // anonymous: the uid decides
  [109, 1004, 'bob'], // bob himself: alice's file claims the login "bob", in vain
  [110, 1002, 'bob_logs'], // bob's logs login, but on the shared uid: the uid decides
  [111, 1002, 'alice'], // a title may say anything: the login of a system user counts only under that user's uid
  [112, 1002, 'ghost@alice.test'], // alice's domain, but her file does not list it
];
const ps = SESSIONS.map(([pid, uid]) => `${String(pid).padStart(5)}     1 ${String(uid).padStart(5)} ${'u'.padEnd(64)} Sun Nov 22 06:06:28 2026 pure-ftpd (IDLE)`).join('\n');
const who = SESSIONS.map(([pid, , login]) => `${pid}|${login}|5|IDLE||127.0.0.1|127.0.0.1|21|0|0|0|0`).join('\n');
const files = {
  '/etc/passwd': `${PASSWD}bob:x:1004:1004::/home/bob:/bin/sh\n`,
};
chmodSync(root, 0o755);
const psFile = at('cap/ps.txt', `${ps}\n`);
const whoFile = at('cap/who.txt', `${who}\n`);

async function listing(user: string, layout: string[], uid = 0) {
  const rt = diskRuntime({ files, uid, argv: [`--user=${user}`, '--output=json', '--input', `ps=${psFile}`, '--input', `pure-ftpwho=${whoFile}`, ...layout, 'Ftp', 'list_sessions'] });
  const code = await run('uapi', rt);
  return { code, result: JSON.parse(rt.out).result };
}
async function pids(user: string, layout: string[]) {
  const { code, result } = await listing(user, layout);
  expect(code).toBe(0);
  return result.data.map((r: { pid: number }) => r.pid);
}
const asRoot = process.getuid?.() === 0;

const ALL = [`--ftp-passwd-dir=${join(root, 'etc/proftpd')}`, `--userdomains=${join(root, 'etc/userdomains')}`, `--pureftpd-passwd=${join(root, 'etc/pure-ftpd/pureftpd.passwd')}`];

describe.runIf(asRoot)('accounts and their FTP logins (as root)', () => {
  it('with the server files: a virtual user of a shared uid goes to the account whose file lists it; nothing else moves', async () => {
    expect(await pids('alice', ALL)).toEqual([100, 101, 102, 104, 105, 108]);
    expect(await pids('bob', ALL)).toEqual([103, 109]);
    expect(await pids('ftpvirt', ALL)).toEqual([106, 107, 110, 111, 112]);
  });

  it('every session has exactly one owner', async () => {
    const all = [...(await pids('alice', ALL)), ...(await pids('bob', ALL)), ...(await pids('ftpvirt', ALL)), ...(await pids('charlotte-longname', ALL))];
    expect(all.sort((a, b) => a - b)).toEqual(SESSIONS.map(([pid]) => pid));
  });

  it('without them (no such files): the uid decides', async () => {
    const none = ['--ftp-passwd-dir=/nonexistent', '--userdomains=/nonexistent', '--pureftpd-passwd=/nonexistent'];
    expect(await pids('alice', none)).toEqual([100, 101, 104, 105, 108]);
    expect(await pids('ftpvirt', none)).toEqual([102, 103, 106, 107, 110, 111, 112]);
    expect(await pids('bob', none)).toEqual([109]);
  });

  it('a file someone else than root owns, or that others may write, says nothing (and the warning says so)', async () => {
    const hostile = at('evil/userdomains', 'alice.test: alice\nbob.test: bob\n');
    const passwdDir = join(root, 'evil/proftpd');
    at('evil/proftpd/alice', 'sales@bob.test:$6$x:1002:1002:alice:/home/alice:/bin/ftpsh\nshop@alice.test:$6$x:1002:1002:alice:/home/alice/shop:/bin/ftpsh\n');
    chownSync(join(passwdDir, 'alice'), 1001, 1001);
    const { result } = await listing('alice', [`--ftp-passwd-dir=${passwdDir}`, `--userdomains=${hostile}`, '--pureftpd-passwd=/nonexistent']);
    expect(result.data.map((r: { pid: number }) => r.pid)).toEqual([100, 101, 104, 105, 108]);
    expect(result.warnings).toContain(`${join(passwdDir, 'alice')} was passed over: only a regular file that root owns and no one else may write says who owns a login.`);
    chownSync(join(passwdDir, 'alice'), 0, 0);
    chmodSync(join(passwdDir, 'alice'), 0o666);
    const writable = await listing('alice', [`--ftp-passwd-dir=${passwdDir}`, `--userdomains=${hostile}`, '--pureftpd-passwd=/nonexistent']);
    expect(writable.result.data.map((r: { pid: number }) => r.pid)).toEqual([100, 101, 104, 105, 108]);
  });
});

describe.runIf(asRoot)('account files that are not files', () => {
  it.each([
    ['--userdomains', () => at('odd/dir/x', '') && join(root, 'odd/dir'), 'is a directory, not a file'],
    ['--pureftpd-passwd', () => (spawnSync('/usr/bin/mkfifo', [join(root, 'odd/fifo')]), join(root, 'odd/fifo')), 'is a FIFO, not a file'],
    ['--ftp-passwd-dir', () => join(root, 'etc/userdomains'), 'is a regular file, not a directory'],
  ])('%s pointing at one is refused with a clear error', async (option, target, words) => {
    const path = target();
    const { code, result } = await listing('alice', [`${option}=${path}`]);
    expect([code, result.errors]).toEqual([1, [`${path}: ${words}`]]);
  });
});

describe('an account that is not root', () => {
  it('sees exactly its own uid\'s sessions, whatever the files say', async () => {
    const rt = diskRuntime({ files, uid: 1002, argv: ['--output=json', '--input', `ps=${psFile}`, '--input', `pure-ftpwho=${whoFile}`, 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(0);
    expect(JSON.parse(rt.out).result.data.map((r: { pid: number }) => r.pid)).toEqual([102, 103, 106, 107, 110, 111, 112]);
  });

  it.each([
    [['--userdomains=/tmp/x'], {}, '--userdomains'],
    [['--ftp-passwd-dir=/tmp'], {}, '--ftp-passwd-dir'],
    [['--pureftpd-passwd=/tmp/x'], {}, '--pureftpd-passwd'],
    [['--proftpd-scoreboard=/tmp/x'], {}, '--proftpd-scoreboard'],
    [[], { FTPSESSIONS_USERDOMAINS: '/tmp/x' }, 'FTPSESSIONS_USERDOMAINS'],
    [[], { FTPSESSIONS_PROFTPD_SCOREBOARD: '/tmp/x' }, 'FTPSESSIONS_PROFTPD_SCOREBOARD'],
  ])('may not point it at other files: %j %j', async (args, env, named) => {
    for (const func of ['list_sessions', 'kill_session']) {
      const rt = diskRuntime({ files, env, uid: 1001, argv: ['--output=json', ...args, 'Ftp', func] });
      expect(await run('uapi', rt)).toBe(1);
      const [error] = JSON.parse(rt.out).result.errors;
      expect(error).toMatch(new RegExp(`^${named}.*only root may point ftpsessions at other files`));
      expect(rt.signals).toEqual([]);
    }
  });
});

describe.runIf(asRoot)('paths', () => {
  it('takes the paths from the environment too', async () => {
    const rt = diskRuntime({
      files,
      env: { FTPSESSIONS_FTP_PASSWD_DIR: join(root, 'etc/proftpd'), FTPSESSIONS_USERDOMAINS: join(root, 'etc/userdomains'), FTPSESSIONS_PUREFTPD_PASSWD: join(root, 'etc/pure-ftpd/pureftpd.passwd') },
      argv: ['--user=bob', '--output=json', '--input', `ps=${psFile}`, '--input', `pure-ftpwho=${whoFile}`, 'Ftp', 'list_sessions'],
    });
    expect(await run('uapi', rt)).toBe(0);
    expect(JSON.parse(rt.out).result.data.map((r: { pid: number }) => r.pid)).toEqual([103, 109]);
  });
});
