// Idle times from the kernel (src/collectors/proc/tcpinfo.ts): `ss -tinHe`
// says how long each TCP connection has had nothing from its peer; for a
// session's control connection that is the time since its client's last
// command. Parsed as data; read only when asked; never a failure.
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collectors/index.js';
import { source } from '../../src/collectors/proc/index.js';
import { parseProc } from '../../src/collectors/proc/parse.js';
import type { ProcFd, ProcSnapshot } from '../../src/collectors/proc/snapshot.js';
import { lastReceived, SS_ARGS } from '../../src/collectors/proc/tcpinfo.js';
import { type NativeQuery, readSessions } from '../../src/functions/native.js';
import { DEFAULT_ACCOUNT_FILES } from '../../src/model/accounts.js';
import type { Observation } from '../../src/model/observation.js';
import { BTIME, createTestRuntime, diskRuntime, FIXTURES, ok } from '../helpers/runtime.js';

const SS = [
  '0       0       127.0.0.1:4121 127.0.0.1:41664 timer:(keepalive,112min,0) uid:1004 ino:2222 sk:26f cgroup:/ <->',
  '\t ts sack cubic wscale:10,10 rto:204 rtt:0.05/0.004 mss:65483 bytes_acked:30720000 lastsnd:276 lastrcv:18212 lastack:276 rcv_space:65483',
  '0       0       [::1]:4121 [::1]:50000 ino:4444 sk:270 cgroup:/ <->',
  '\t ts sack cubic lastsnd:1 lastrcv:999 lastack:1',
  '',
].join('\n');

describe('lastReceived (ss -tinHe)', () => {
  it('socket inode -> ms since the peer last sent data', () => {
    expect([...lastReceived(SS)]).toEqual([
      ['2222', 18212],
      ['4444', 999],
    ]);
  });

  it('the real capture: every socket of the captured sessions', () => {
    const quiet = lastReceived(`${diskRuntime().readFileNow(`${FIXTURES}idle/proc/ss-tinHe.txt`)}`);
    expect(quiet.size).toBe(18);
    expect(quiet.get('1314243')).toBe(17936);
  });

  it.each([
    ['details before any socket line', '\t lastrcv:5\n'],
    ['no inode', '0 0 a:1 b:2 sk:1 <->\n\t lastrcv:5\n'],
    ['inode 0', '0 0 a:1 b:2 ino:0 <->\n\t lastrcv:5\n'],
    ['a negative time', '0 0 a:1 b:2 ino:7 <->\n\t lastrcv:-5\n'],
    ['a time with junk', '0 0 a:1 b:2 ino:7 <->\n\t lastrcv:5x lastack:1\n'],
    ['sixteen digits', '0 0 a:1 b:2 ino:7 <->\n\t lastrcv:1234567890123456\n'],
    ['an inode in a word', '0 0 a:1 b:2 xino:7 <->\n\t lastrcv:5\n'],
    ['the details on the socket line itself', '0 0 a:1 b:2 ino:7 lastrcv:5 <->\n'],
  ])('%s: nothing', (_what, text) => {
    expect(lastReceived(text).size).toBe(0);
  });

  it('lines end at LF only: a CR or U+2028 starts no socket line', () => {
    expect([...lastReceived('0 0 a:1 b:2 ino:7 <->\n\t x\r0 0 c:1 d:2 ino:8 <->\n\t lastrcv:5\n')]).toEqual([['7', 5]]);
    expect([...lastReceived('0 0 a:1 b:2 ino:7 <->\n\t x\u20280 0 c:1 d:2 ino:8 <->\n\t lastrcv:5\n')]).toEqual([['7', 5]]);
  });
});

const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   1: 0100007F:1019 0200007F:A9F1 01 00000000:00000000 00:00000000 00000000  1001        0 2222 1 0 20 4 30 10 -1',
].join('\n');
const NOW = 1_796_126_034_000;
function snapshot(title: string, tcpInfo: string | undefined, fds: ProcFd[] = [{ fd: 4, target: 'socket:[2222]' }], uid = 1001): ProcSnapshot {
  const rest = ['S', '10', ...Array(17).fill('0'), '100000', '0'];
  return {
    btime: BTIME,
    scanned: 1,
    tcp: new Map([['pid:20', TCP]]),
    processes: [{ pid: 20, comm: title.split(/[ :]/)[0] as string, cmdline: `${title}\0`, stat: `20 (x) ${rest.join(' ')}`, status: `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`, fds }],
    ...(tcpInfo === undefined ? {} : { tcpInfo }),
  };
}
const idleOf = (s: ProcSnapshot, now: number | null = NOW): number | undefined => parseProc(s, now ?? undefined).observations[0]?.idleSince;

describe('parseProc: idle from the control connection', () => {
  it.each(['pure-ftpd (IDLE)', 'vsftpd: 127.0.0.2/alice: IDLE', 'proftpd: alice - 127.0.0.2: IDLE'])('%s: quiet since now - lastrcv', (title) => {
    expect(idleOf(snapshot(title, SS))).toBe(NOW - 18212);
  });

  it('not for a transfer (its control connection is quiet by design), nor before login, nor without ss or a clock', () => {
    expect(idleOf(snapshot('pure-ftpd (DOWNLOAD)', SS))).toBeUndefined();
    expect(idleOf(snapshot('pure-ftpd (IDLE)', SS, undefined, 0))).toBeUndefined();
    expect(idleOf(snapshot('pure-ftpd (IDLE)', undefined))).toBeUndefined();
    expect(idleOf(snapshot('pure-ftpd (IDLE)', SS), null)).toBeUndefined();
  });

  it('only the control connection (the first connected socket) counts; a socket ss did not list gives none', () => {
    expect(idleOf(snapshot('pure-ftpd (IDLE)', SS, [{ fd: 4, target: 'socket:[4444]' }]))).toBeUndefined(); // not in the TCP table
    expect(idleOf(snapshot('pure-ftpd (IDLE)', SS.replace('ino:2222', 'ino:3333')))).toBeUndefined();
  });
});

describe('the proc source and ss', () => {
  const files = {
    '/proc/stat': `cpu 1\nbtime ${BTIME}\n`,
    '/proc/20/stat': `20 (pure-ftpd) S 10 ${Array(17).fill('0').join(' ')} 100000 0 0\n`,
    '/proc/20/status': 'Name:\tpure-ftpd\nUid:\t1001\t1001\t1001\t1001\n',
    '/proc/20/cmdline': 'pure-ftpd (IDLE)\0',
    '/proc/20/net/tcp': TCP,
  };
  const links = { '/proc/20/fd/4': 'socket:[2222]', '/proc/20/ns/net': 'net:[1]' };
  const live = async (idleFromTcp: boolean | undefined, ss: ReturnType<typeof ok> | null = ok(SS)) => {
    const rt = createTestRuntime({ argv: [], uid: 1001, now: NOW, files, links, programs: ss === null ? {} : { '/usr/bin/ss': ss } });
    const { observations } = await collect('proc', new Map(), { idleFromTcp }, rt);
    return { idle: observations[0]?.idleSince, calls: rt.calls };
  };

  it('runs ss once, by its path, with an argv array, only when asked', async () => {
    expect(await live(true)).toEqual({ idle: NOW - 18212, calls: [expect.objectContaining({ file: '/usr/bin/ss', args: SS_ARGS })] });
    expect(await live(undefined)).toEqual({ idle: undefined, calls: [] });
    expect(await live(false)).toEqual({ idle: undefined, calls: [] });
  });

  it('a reading runs ss where it shows idle time (list, top, watch, check), not for count and metrics (idle: false)', async () => {
    const reading = async (idle: boolean | undefined) => {
      const rt = createTestRuntime({ argv: [], uid: 1001, now: NOW, files: { ...files, '/etc/passwd': 'alice:x:1001:1001::/home/alice:/bin/sh\n' }, links, programs: { '/usr/bin/ss': ok(SS) } });
      const query: NativeQuery = { users: [], includeUnauthenticated: false, collector: 'proc', inputs: new Map(), proftpdScoreboard: undefined, accountFiles: DEFAULT_ACCOUNT_FILES, overrides: [], filter: {}, sort: [], ...(idle === undefined ? {} : { idle }) };
      const { rows } = await readSessions(query, rt);
      return { idle: rows[0]?.idle_seconds, ss: rt.calls.filter((c) => c.file === '/usr/bin/ss').length };
    };
    expect(await reading(undefined)).toEqual({ idle: 18, ss: 1 });
    expect(await reading(true)).toEqual({ idle: 18, ss: 1 });
    expect(await reading(false)).toEqual({ idle: null, ss: 0 });
  });

  it('ss missing, failing or saying garbage: no idle time, the listing stands', async () => {
    expect((await live(true, null)).idle).toBeUndefined();
    expect((await live(true, { exitCode: 1, stdout: '', stderr: 'Cannot open netlink socket', timedOut: false })).idle).toBeUndefined();
    expect((await live(true, { exitCode: null, stdout: '', stderr: '', timedOut: true })).idle).toBeUndefined();
    expect((await live(true, ok('garbage\n\u2028 lastrcv:1\n'))).idle).toBeUndefined();
  });

  it('not run when no session socket was read (nothing it could tell)', async () => {
    const rt = createTestRuntime({ argv: [], uid: 1001, now: NOW, files, links: {}, programs: { '/usr/bin/ss': ok(SS) } });
    await collect('proc', new Map(), { idleFromTcp: true }, rt);
    expect(rt.calls).toEqual([]);
  });

  it('a capture with ss-tinHe.txt: the idle times as they were (test/fixtures/idle)', async () => {
    const rt = diskRuntime({ argv: [] });
    const snap = await source.replay(`${FIXTURES}idle/proc`, rt, {});
    const at = Date.parse('2026-12-01T11:53:54.300Z');
    const byPid = new Map<number, Observation>(source.parse(snap, at).observations.map((o) => [o.pid, o]));
    for (const pid of [18564, 18566, 18581, 18590, 18612, 18615]) {
      const idle = at - (byPid.get(pid)?.idleSince as number);
      expect(idle, `pid ${pid}`).toBeGreaterThan(17_000);
      expect(idle, `pid ${pid}`).toBeLessThan(20_000);
    }
    for (const pid of [414, 416, 417, 422, 424, 430]) expect(byPid.get(pid)?.idleSince, `pid ${pid}`).toBeUndefined();
  });
});
