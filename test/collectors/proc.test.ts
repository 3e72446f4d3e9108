import { describe, expect, it } from 'vitest';
import { establishedPeers, hexAddress, parseProc } from '../../src/collectors/proc/parse.js';
import { type ProcFd, type ProcProcess, type ProcSnapshot, readProcTree } from '../../src/collectors/proc/snapshot.js';
import { createTestRuntime } from '../helpers/runtime.js';

describe('hexAddress (/proc/net/tcp byte order)', () => {
  it.each([
    ['0100007F', '127.0.0.1'],
    ['0300007F', '127.0.0.3'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '127.0.0.1'], // IPv4-mapped
    ['B80D0120000000000000000001000000', '2001:db8::1'],
    ['B80D01200100000000000000BBBBAAAA', '2001:db8:0:1::aaaa:bbbb'],
    ['00000000000000000000000000000000', '::'],
    ['zz', undefined],
  ])('%s -> %s', (hex, address) => {
    expect(hexAddress(hex)).toBe(address);
  });
});

const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:084A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0',
  '   1: 0100007F:084A 0200007F:A9F1 01 00000000:00000000 00:00000000 00000000  1001        0 2222 1 0 20 4 30 10 -1',
  '   2: 0100007F:7530 0200007F:B000 06 00000000:00000000 00:00000000 00000000  1001        0 3333 1 0 20 4 30 10 -1',
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000001000000:084A 00000000000000000000000001000000:C350 01 00000000:00000000 00:00000000 00000000  1001        0 4444 1 0 20 4 30 10 -1',
].join('\n');

describe('establishedPeers', () => {
  it('maps the inodes of established connections to the remote address', () => {
    expect([...establishedPeers(TCP)]).toEqual([
      ['2222', '127.0.0.2'],
      ['4444', '::1'],
    ]);
  });
});

const BTIME = 1_795_325_103;
function proc(pid: number, comm: string, title: string, opts: { ppid?: number; uid?: number; state?: string; ticks?: number; fds?: ProcFd[] | undefined } = {}): ProcProcess {
  const rest = [opts.state ?? 'S', String(opts.ppid ?? 1), ...Array(17).fill('0'), String(opts.ticks ?? 100_000), '0'];
  const uid = opts.uid ?? 0;
  return {
    pid,
    comm,
    cmdline: `${title}\0\0\0`,
    stat: `${pid} (${comm}) ${rest.join(' ')}`,
    status: `Name:\t${comm}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`,
    fds: 'fds' in opts ? opts.fds : [],
  };
}
const snapshot = (processes: ProcProcess[]): ProcSnapshot => ({
  btime: BTIME,
  scanned: processes.length + 100,
  processes,
  tcp: new Map([['net:[1]', TCP]]),
});
const sock = (fd: number, inode: number): ProcFd => ({ fd, target: `socket:[${inode}]` });

describe('parseProc', () => {
  it('a pure-ftpd download: state from the title, host from the control socket, the open file, the start time', () => {
    const { observations } = parseProc(
      snapshot([
        proc(10, 'pure-ftpd', 'pure-ftpd (SERVER)', { fds: [sock(3, 1111)] }),
        proc(20, 'pure-ftpd', 'pure-ftpd (DOWNLOAD)', {
          ppid: 10,
          uid: 1001,
          ticks: 123_456,
          fds: [sock(0, 2222), sock(1, 2222), { fd: 4, target: '/var/log/pure-ftpd/transfer.log', flags: 0o2101 }, sock(5, 3333), { fd: 6, target: '/home/alice/big file.bin', flags: 0o100000 }],
        }),
        proc(21, 'pure-ftpd', 'pure-ftpd (PRIV)', { ppid: 20, fds: [sock(0, 2222)] }),
      ]),
    );
    expect(observations).toEqual([
      {
        pid: 20,
        daemon: 'pure-ftpd',
        loggedIn: true,
        state: 'DL',
        title: 'pure-ftpd (DOWNLOAD)',
        uid: 1001,
        startedAt: BTIME * 1000 + 1_234_560,
        host: '127.0.0.2',
        filePath: '/home/alice/big file.bin',
        transferFd: 6,
      },
    ]);
  });

  it('an upload is a file opened for writing; no file is reported for an idle title', () => {
    const up = parseProc(snapshot([proc(20, 'vsftpd', 'vsftpd: ::1/alice: STOR x.bin', { uid: 1001, fds: [sock(0, 4444), { fd: 5, target: '/home/alice/x.bin', flags: 0o101 }] })]));
    expect(up.observations[0]).toMatchObject({ state: 'UL', file: 'x.bin', filePath: '/home/alice/x.bin', host: '::1', login: 'alice' });
    const idle = parseProc(snapshot([proc(20, 'proftpd', 'proftpd: alice - localhost: IDLE', { uid: 1001, fds: [sock(0, 2222), { fd: 5, target: '/home/alice/.ftpaccess', flags: 0 }] })]));
    expect(idle.observations[0]).toMatchObject({ state: 'IDLE', host: '127.0.0.2', login: 'alice' });
    expect(idle.observations[0]?.filePath).toBeUndefined();
  });

  it("takes the socket's address over a title's resolved name, and the title's host when the descriptors are not ours", () => {
    const title = 'proftpd: bob@example.com - client2.ftplab.test: IDLE';
    expect(parseProc(snapshot([proc(20, 'proftpd', title, { uid: 1002, fds: [sock(0, 2222)] })])).observations[0]?.host).toBe('127.0.0.2');
    expect(parseProc(snapshot([proc(20, 'proftpd', title, { uid: 1002, fds: undefined })])).observations[0]?.host).toBe('client2.ftplab.test');
  });

  it('vsftpd without titles: the session is the child holding the control socket, logged in once its parent dropped root', () => {
    const untitled = '/usr/sbin/vsftpd /etc/vsftpd.conf';
    const { observations } = parseProc(
      snapshot([
        proc(5, 'vsftpd', untitled, { fds: [sock(3, 1111)] }), // listener
        proc(30, 'vsftpd', untitled, { ppid: 5, uid: 65534, fds: [sock(0, 2222)] }), // privileged parent, after login
        proc(32, 'vsftpd', untitled, { ppid: 30, uid: 1001, fds: [sock(0, 2222), { fd: 4, target: '/home/alice/big.bin', flags: 0 }] }),
        proc(40, 'vsftpd', untitled, { ppid: 5, uid: 0, fds: [sock(0, 4444)] }), // privileged parent, before login
        proc(41, 'vsftpd', untitled, { ppid: 40, uid: 65534, fds: [sock(0, 4444)] }), // not logged in
      ]),
    );
    expect(observations.map((o) => [o.pid, o.loggedIn, o.state, o.uid, o.host, o.filePath])).toEqual([
      [32, true, 'DL', 1001, '127.0.0.2', '/home/alice/big.bin'],
      [41, false, 'IDLE', 65534, '::1', undefined],
    ]);
  });

  it('skips zombies, helpers and listeners; a pure-ftpd session of root has not logged in', () => {
    const { observations } = parseProc(
      snapshot([
        proc(20, 'pure-ftpd', 'pure-ftpd (IDLE)', { state: 'Z', uid: 1001 }),
        proc(21, 'pure-ftpd', 'pure-ftpd (IDLE)', { uid: 0 }),
        proc(22, 'proftpd', 'proftpd: (accepting connections)'),
        proc(23, 'vsftpd', 'vsftpd: LISTENER'),
      ]),
    );
    expect(observations.map((o) => [o.pid, o.loggedIn])).toEqual([[21, false]]);
  });

  it("learns the scoreboard a running ProFTPD holds open", () => {
    const reading = parseProc(snapshot([proc(22, 'proftpd', 'proftpd: (accepting connections)', { fds: [{ fd: 7, target: '/run/ftplab/proftpd/proftpd.scoreboard', flags: 2 }] })]));
    expect(reading.hints).toEqual({ proftpdScoreboard: '/run/ftplab/proftpd/proftpd.scoreboard' });
  });

  it('refuses a tree without a boot time: it is not /proc', () => {
    expect(parseProc({ ...snapshot([]), btime: undefined })).toMatchObject({ recognised: 0, skippedLines: [1] });
  });

  it('a title is the argv area with NULs as spaces and the padding gone, every other character kept', () => {
    const title = 'proftpd: alice - ::1: RETR a\nb\rc\u2028\u2029\u0085\uFEFF';
    const { observations } = parseProc(snapshot([proc(20, 'proftpd', `${title}  `, { uid: 1001 })]));
    expect(observations[0]).toMatchObject({ loggedIn: true, title, file: 'a\nb\rc\u2028\u2029\u0085\uFEFF' });
  });

  it('a forged title before login is not logged in, LFs and all', () => {
    const { observations } = parseProc(
      snapshot([proc(20, 'proftpd', 'proftpd: 127.0.0.1:5555: USER x@bob.example - 6.6.6.6: RETR /etc/shadow\nproftpd: bob - h: IDLE', { uid: 1002 })]),
    );
    expect(observations[0]).toMatchObject({ pid: 20, loggedIn: false });
  });

  it('keeps a start tick past what a Date holds (normalise leaves the time empty and warns)', () => {
    const { observations } = parseProc(snapshot([proc(20, 'proftpd', 'proftpd: alice - ::1: IDLE', { uid: 1001, ticks: 9e15 })]));
    expect(observations[0]?.startedAt).toBe(BTIME * 1000 + 9e16);
  });

  it('reads the uid from a Uid line only (not after a CR or U+2028)', () => {
    const p = proc(20, 'pure-ftpd', 'pure-ftpd (IDLE)');
    const { observations } = parseProc(snapshot([{ ...p, status: 'Name:\tx\u2028Uid:\t1001\t1001\t1001\t1001\nUid:\t0\t0\t0\t0\n' }]));
    expect(observations[0]).toMatchObject({ uid: 0, loggedIn: false });
  });
});

describe('/proc: the transfer in progress (fdinfo pos, the descriptor)', () => {
  /** a /proc tree for readProcTree: one pure-ftpd session (pid 20) holding `file` at fd 6 with this fdinfo */
  const tree = (title: string, fdinfo: string | undefined, target = '/home/alice/big.bin') => {
    const files: Record<string, string> = {
      '/proc/stat': `cpu 1\nbtime ${BTIME}\n`,
      '/proc/20/stat': `20 (pure-ftpd) S 10 ${Array(17).fill('0').join(' ')} 100000 0 0\n`,
      '/proc/20/status': 'Name:\tpure-ftpd\nUid:\t1001\t1001\t1001\t1001\n',
      '/proc/20/cmdline': `${title}\0`,
      '/proc/20/net/tcp': TCP,
    };
    if (fdinfo !== undefined) files['/proc/20/fdinfo/6'] = fdinfo;
    const links = { '/proc/20/fd/0': 'socket:[2222]', '/proc/20/fd/6': target, '/proc/20/ns/net': 'net:[1]' };
    return readProcTree('/proc', createTestRuntime({ argv: [], files, links }));
  };

  it('a download: the bytes read so far and the descriptor to read them again', () => {
    const { observations } = parseProc(tree('pure-ftpd (DOWNLOAD)', 'pos:\t4194304\nflags:\t0100000\nmnt_id:\t27\nino:\t1450517\n'));
    expect(observations[0]).toMatchObject({ state: 'DL', filePath: '/home/alice/big.bin', transferFd: 6, transferred: 4194304 });
  });

  it('an upload: the bytes written', () => {
    const { observations } = parseProc(tree('pure-ftpd (UPLOAD)', 'pos:\t54054\nflags:\t0500001\nmnt_id:\t27\n'));
    expect(observations[0]).toMatchObject({ state: 'UL', transferFd: 6, transferred: 54054 });
  });

  it.each([
    ['no pos line', 'flags:\t0100000\n'],
    ['a pos past 2^53', 'pos:\t9007199254740993\nflags:\t0100000\n'],
    ['twenty-one digits', 'pos:\t123456789012345678901\nflags:\t0100000\n'],
    ['a negative pos', 'pos:\t-5\nflags:\t0100000\n'],
    ['a pos that is not a number', 'pos:\tNaN\nflags:\t0100000\n'],
    ['a pos with junk after it', 'pos:\t12 34\nflags:\t0100000\n'],
    ['a pos on a line of its own only after a LF', 'x\rpos:\t7\nflags:\t0100000\n'],
  ])('%s: the descriptor, no byte count', (_what, fdinfo) => {
    const { observations } = parseProc(tree('pure-ftpd (DOWNLOAD)', fdinfo));
    expect(observations[0]).toMatchObject({ state: 'DL', transferFd: 6 });
    expect(observations[0]?.transferred).toBeUndefined();
  });

  it('no fdinfo at all (the process ended meanwhile): still the file and descriptor', () => {
    const { observations } = parseProc(tree('pure-ftpd (DOWNLOAD)', undefined));
    expect(observations[0]).toMatchObject({ state: 'DL', filePath: '/home/alice/big.bin', transferFd: 6 });
    expect(observations[0]?.transferred).toBeUndefined();
  });

  it('an idle session with a file open has no transfer; a system file is never one', () => {
    expect(parseProc(tree('pure-ftpd (IDLE)', 'pos:\t100\nflags:\t0100000\n')).observations[0]).toEqual(
      expect.not.objectContaining({ transferFd: expect.anything() }),
    );
    const system = parseProc(tree('pure-ftpd (DOWNLOAD)', 'pos:\t100\nflags:\t0100000\n', '/run/pure-ftpd/client-00000020')).observations[0];
    expect([system?.transferFd, system?.transferred, system?.filePath]).toEqual([undefined, undefined, undefined]);
  });
});
