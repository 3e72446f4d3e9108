import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture, procFromPs } from '../helpers/runtime.js';

async function info(ps: string) {
  const rt = createTestRuntime({ files: { '/cap/ps': ps }, argv: ['--user=alice', '--output=json', '--input', 'ps=/cap/ps', 'Ftp', 'get_ftp_daemon_info'] });
  const code = await run('uapi', rt);
  return { code, doc: JSON.parse(rt.out) };
}

describe('Ftp::get_ftp_daemon_info', () => {
  it.each([
    ['pure-ftpd', { name: 'pure-ftpd', enabled: 1, supports: { quota: 1, login_without_domain: 0 } }],
    ['proftpd', { name: 'proftpd', enabled: 1, supports: { quota: 0, login_without_domain: 1 } }],
    ['vsftpd', { name: 'vsftpd', enabled: 1, supports: { quota: 0, login_without_domain: 1 } }],
  ])('%s, running with no session at all (listeners only)', async (daemon, data) => {
    const { code, doc } = await info(fixture(`${daemon}/00-no-sessions.ps.txt`));
    expect(code).toBe(0);
    expect(doc).toEqual({
      apiversion: 3,
      func: 'get_ftp_daemon_info',
      module: 'Ftp',
      result: { data, errors: null, messages: null, metadata: {}, status: 1, warnings: null },
    });
  });

  it('no daemon: name "" and disabled', async () => {
    const { doc } = await info('    1     0     0 root Sun Nov 22 05:25:03 2026 /sbin/init\n');
    expect(doc.result.data).toEqual({ name: '', enabled: 0, supports: { quota: 0, login_without_domain: 0 } });
  });

  it('an untitled vsftpd is seen by its program', async () => {
    const { doc } = await info('  700     1     0 root Sun Nov 22 05:25:03 2026 /usr/sbin/vsftpd /etc/vsftpd.conf\n');
    expect(doc.result.data.name).toBe('vsftpd');
  });

  it('several daemons: pure-ftpd is reported, with a warning', async () => {
    const { doc } = await info(fixture('proftpd/01-basic.ps.txt') + fixture('pure-ftpd/00-no-sessions.ps.txt'));
    expect(doc.result.data.name).toBe('pure-ftpd');
    expect(doc.result.warnings).toEqual(['several FTP daemons run here (pure-ftpd, proftpd): pure-ftpd is reported.']);
  });

  it('is UAPI only', async () => {
    const rt = createTestRuntime({ argv: ['--user=alice', '--output=json', 'Ftp', 'get_ftp_daemon_info'] });
    expect(await run('api2', rt)).toBe(1);
  });
});

describe('Ftp::get_ftp_daemon_info as root on the live system', () => {
  // a root vsftpd master (pid 700) and a user's process named proftpd, titled as a master
  const PS = [
    '  700     1     0 root     Sun Nov 22 05:25:03 2026 /usr/sbin/vsftpd /etc/vsftpd.conf',
    '  800   799  1001 alice    Sun Nov 22 05:25:03 2026 proftpd: (accepting connections)',
    '',
  ].join('\n');
  const live = (stats: Record<string, { dev: number; ino: number; uid: number; mode: number }> = {}) =>
    createTestRuntime({ files: procFromPs(PS), stats, argv: ['--user=alice', '--output=json', '--collector=proc', 'Ftp', 'get_ftp_daemon_info'] });

  it('counts a real master only: a user\'s process named proftpd is not a server', async () => {
    const rt = live({ '/proc/800/exe': { dev: 1, ino: 5, uid: 1001, mode: 0o100755 } });
    expect(await run('uapi', rt)).toBe(0);
    expect(JSON.parse(rt.out).result).toMatchObject({ data: { name: 'vsftpd' }, warnings: null });
  });

  it('a root-owned program another user may write is not a daemon either', async () => {
    const rt = live({ '/proc/700/exe': { dev: 1, ino: 6, uid: 0, mode: 0o100777 }, '/proc/800/exe': { dev: 1, ino: 5, uid: 1001, mode: 0o100755 } });
    expect(await run('uapi', rt)).toBe(0);
    expect(JSON.parse(rt.out).result.data).toEqual({ name: '', enabled: 0, supports: { quota: 0, login_without_domain: 0 } });
  });
});
