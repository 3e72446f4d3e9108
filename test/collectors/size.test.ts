// A download's file size from /proc (src/collectors/proc/size.ts): a stat
// through /proc/PID/fd/FD, which follows the descriptor into the file
// system. Only for the processes allowed (vetted sessions as root, the
// caller's own otherwise: collectors/index.ts), and only for files on a
// local file system, which no user can make a stat wait on.
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collectors/index.js';
import { fileSystemTypes, withTransferSizes } from '../../src/collectors/proc/size.js';
import type { Observation } from '../../src/model/observation.js';
import type { FileFacts } from '../../src/runtime.js';
import { BTIME, createTestRuntime } from '../helpers/runtime.js';

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '40 27 0:50 / /home/alice/my\\040fuse rw,nosuid,nodev,relatime shared:30 - fuse.sshfs alice@host: rw,user_id=1001',
  '41 27 0:51 / /srv/nfs rw,relatime - nfs4 server:/export rw',
  '42 27 0:52 / /- rw - tmpfs tmpfs rw',
  '',
].join('\n');

const file = (size: number, mode = 0o100644): FileFacts => ({ dev: 254, ino: 77, uid: 1001, mode, size });

function world(opts: { mnt?: string; facts?: FileFacts; pids?: number[]; mountinfo?: string } = {}) {
  const files: Record<string, string> = {};
  const stats: Record<string, FileFacts> = {};
  const links: Record<string, string> = {};
  for (const pid of opts.pids ?? [20]) {
    files[`/proc/${pid}/fdinfo/6`] = `pos:\t250\nflags:\t0100000\nmnt_id:\t${opts.mnt ?? '27'}\nino:\t77\n`;
    files[`/proc/${pid}/mountinfo`] = opts.mountinfo ?? MOUNTINFO;
    links[`/proc/${pid}/ns/mnt`] = 'mnt:[4026531841]';
    stats[`/proc/${pid}/fd/6`] = opts.facts ?? file(1000);
  }
  const runtime = createTestRuntime({ argv: [], files, stats, links });
  const statted: string[] = [];
  const read: string[] = [];
  const realStat = runtime.statNow;
  const realRead = runtime.readFileNow;
  runtime.statNow = (path) => {
    statted.push(path);
    return realStat(path);
  };
  runtime.readFileNow = (path) => {
    read.push(path);
    return realRead(path);
  };
  return { runtime, statted, read };
}
const dl = (pid = 20, extra: Partial<Observation> = {}): Observation => ({ pid, daemon: 'pure-ftpd', loggedIn: true, state: 'DL', uid: 1001, transferFd: 6, transferred: 250, ...extra });
const all = () => true;

describe('fileSystemTypes (mountinfo)', () => {
  it('mount id -> type, whatever the optional fields, a mount point with spaces or named "-"', () => {
    expect([...fileSystemTypes(MOUNTINFO)]).toEqual([
      ['22', 'proc'],
      ['27', 'ext4'],
      ['40', 'fuse.sshfs'],
      ['41', 'nfs4'],
      ['42', 'tmpfs'],
    ]);
  });
  it('skips what is not a mountinfo line', () => {
    expect([...fileSystemTypes('garbage\n- - -\n1 2 3 4 5 6 7\n')]).toEqual([]);
  });
});

describe('withTransferSizes', () => {
  it('a download on a local file system: its size, and the percent of it read', () => {
    const { runtime, statted } = world();
    expect(withTransferSizes([dl()], runtime, all)[0]).toMatchObject({ size: 1000, percent: 25 });
    expect(statted).toEqual(['/proc/20/fd/6']);
  });

  it.each([
    ['a FUSE mount (its owner could make the stat wait for ever)', { mnt: '40' }],
    ['a network mount', { mnt: '41' }],
    ['a mount the table does not list (made after it was read)', { mnt: '99' }],
    ['no mount id in fdinfo', { mnt: 'x' }],
  ])('%s: never stat-ed, no size', (_what, opts) => {
    const { runtime, statted } = world(opts);
    const [o] = withTransferSizes([dl()], runtime, all);
    expect([o?.size, o?.percent, statted]).toEqual([undefined, undefined, []]);
  });

  it('an upload (its file grows), a process not allowed, no descriptor: never stat-ed', () => {
    const { runtime, statted } = world();
    const { transferFd: _fd, ...noDescriptor } = dl(20);
    const out = withTransferSizes([dl(20, { state: 'UL' }), dl(20, { uid: 1002 }), noDescriptor], runtime, (o) => o.uid === 1001);
    expect(out.map((o) => o.size)).toEqual([undefined, undefined, undefined]);
    expect(statted).toEqual([]);
  });

  it.each([
    ['not a regular file (a FIFO)', file(1000, 0o010644)],
    ['a size past 2^53', file(2 ** 53)],
    ['a negative size', file(-1)],
    ['no size said', { dev: 1, ino: 1, uid: 0, mode: 0o100644 }],
  ])('%s: no size', (_what, facts) => {
    const { runtime } = world({ facts });
    expect(withTransferSizes([dl()], runtime, all)[0]?.size).toBeUndefined();
  });

  it('more read than the file holds (it shrank): the size, no percent; an empty file: no percent', () => {
    expect(withTransferSizes([dl(20, { transferred: 5000 })], world().runtime, all)[0]).toMatchObject({ size: 1000 });
    expect(withTransferSizes([dl(20, { transferred: 5000 })], world().runtime, all)[0]?.percent).toBeUndefined();
    expect(withTransferSizes([dl(20, { transferred: 0 })], world({ facts: file(0) }).runtime, all)[0]?.percent).toBeUndefined();
  });

  it('a process gone meanwhile keeps what it had', () => {
    const o = dl(21);
    expect(withTransferSizes([o], world().runtime, all)[0]).toBe(o);
  });

  it('reads the mount table once per mount namespace (linear at 10,000 downloads)', () => {
    const pids = Array.from({ length: 10_000 }, (_, i) => 1000 + i);
    const { runtime, read, statted } = world({ pids });
    const out = withTransferSizes(pids.map((p) => dl(p)), runtime, all);
    expect(out.every((o) => o.size === 1000)).toBe(true);
    expect(read.filter((p) => p.endsWith('/mountinfo'))).toHaveLength(1);
    expect(statted).toHaveLength(10_000);
  });
});

describe('collect: sizes only after the trust checks', () => {
  // a pure-ftpd master (root) and a session (uid 1001) downloading /home/alice/big.bin at fd 6
  const proc = (sessionParent: number, caller: number) => {
    const stat = (pid: number, ppid: number) => `${pid} (pure-ftpd) S ${ppid} ${Array(17).fill('0').join(' ')} 100000 0 0\n`;
    const files: Record<string, string> = {
      '/proc/stat': `cpu 1\nbtime ${BTIME}\n`,
      '/proc/10/stat': stat(10, 1),
      '/proc/10/status': 'Name:\tpure-ftpd\nUid:\t0\t0\t0\t0\n',
      '/proc/10/cmdline': 'pure-ftpd (SERVER)\0',
      '/proc/20/stat': stat(20, sessionParent),
      '/proc/20/status': 'Name:\tpure-ftpd\nUid:\t1001\t1001\t1001\t1001\n',
      '/proc/20/cmdline': 'pure-ftpd (DOWNLOAD)\0',
      '/proc/20/fdinfo/6': 'pos:\t250\nflags:\t0100000\nmnt_id:\t27\n',
      '/proc/20/mountinfo': MOUNTINFO,
      '/proc/1/stat': `1 (init) S 0 ${Array(17).fill('0').join(' ')} 1 0 0\n`,
      '/proc/1/status': 'Name:\tinit\nUid:\t0\t0\t0\t0\n',
    };
    const links = { '/proc/20/fd/6': '/home/alice/big.bin', '/proc/20/ns/mnt': 'mnt:[1]' };
    const runtime = createTestRuntime({ argv: [], uid: caller, files, links, stats: { '/proc/20/fd/6': file(1000) } });
    const statted: string[] = [];
    const realStat = runtime.statNow;
    runtime.statNow = (path) => {
      statted.push(path);
      return realStat(path);
    };
    return { runtime, statted };
  };

  it('root: a vetted session gets its size', async () => {
    const { runtime, statted } = proc(10, 0);
    const { observations } = await collect('proc', new Map(), {}, runtime);
    expect(observations.map((o) => [o.pid, o.transferred, o.size, o.percent])).toEqual([[20, 250, 1000, 25]]);
    expect(statted).toContain('/proc/20/fd/6');
  });

  it('root: a look-alike without a root master is dropped before any stat of its file', async () => {
    const { runtime, statted } = proc(1, 0);
    const { observations } = await collect('proc', new Map(), {}, runtime);
    expect(observations).toEqual([]);
    expect(statted).not.toContain('/proc/20/fd/6');
  });

  it("an account: its own session's size; another uid's file is never stat-ed", async () => {
    const own = proc(10, 1001);
    expect((await collect('proc', new Map(), {}, own.runtime)).observations[0]?.size).toBe(1000);
    const other = proc(10, 1002);
    expect((await collect('proc', new Map(), {}, other.runtime)).observations[0]?.size).toBeUndefined();
    expect(other.statted).not.toContain('/proc/20/fd/6');
  });
});

describe('withTransferSizes: chrooted sessions', () => {
  // a chrooted session's mountinfo lists no mount outside its new root: its parents' tables say what its file is on
  const tree = (sessionTable: string, masterNs = 'mnt:[1]') => {
    const stat = (pid: number, ppid: number, comm = 'pure-ftpd') => `${pid} (${comm}) S ${ppid} ${Array(17).fill('0').join(' ')} 100 0 0\n`;
    const files: Record<string, string> = {
      '/proc/10/stat': stat(10, 1),
      '/proc/10/mountinfo': MOUNTINFO,
      '/proc/20/stat': stat(20, 10, 'x) S 1 1'),
      '/proc/20/mountinfo': sessionTable,
      '/proc/20/fdinfo/6': 'pos:\t250\nflags:\t0100000\nmnt_id:\t27\n',
      '/proc/21/stat': stat(21, 10),
      '/proc/21/mountinfo': sessionTable,
      '/proc/21/fdinfo/6': 'pos:\t500\nflags:\t0100000\nmnt_id:\t27\n',
    };
    const links = { '/proc/10/ns/mnt': masterNs, '/proc/20/ns/mnt': 'mnt:[1]', '/proc/21/ns/mnt': 'mnt:[1]' };
    const runtime = createTestRuntime({ argv: [], files, links, stats: { '/proc/20/fd/6': file(1000), '/proc/21/fd/6': file(1000) } });
    const read: string[] = [];
    const realRead = runtime.readFileNow;
    runtime.readFileNow = (path) => {
      read.push(path);
      return realRead(path);
    };
    return { runtime, read };
  };

  it("an empty table of its own: the master's, read once for all its sessions", () => {
    const { runtime, read } = tree('');
    expect(withTransferSizes([dl(20), dl(21, { transferred: 500 })], runtime, all).map((o) => [o.size, o.percent])).toEqual([
      [1000, 25],
      [1000, 50],
    ]);
    expect(read.filter((p) => p.endsWith('/mountinfo')).sort()).toEqual(['/proc/10/mountinfo', '/proc/20/mountinfo']);
  });

  it("a parent in another mount namespace is not asked: no size", () => {
    const { runtime, read } = tree('', 'mnt:[2]');
    expect(withTransferSizes([dl(20)], runtime, all)[0]?.size).toBeUndefined();
    expect(read).not.toContain('/proc/10/mountinfo');
  });
});
