// Is a process a real daemon's session (src/collectors/trust.ts)? Fakes of
// /proc: what the kernel would say of each process, and of its program file.
import { describe, expect, it } from 'vitest';
import { ProcessVetter, runningMasters, scoreboardOf } from '../../src/collectors/trust.js';
import type { FileFacts } from '../../src/runtime.js';
import { createTestRuntime, daemonFile } from '../helpers/runtime.js';

interface P {
  pid: number;
  ppid: number;
  uids: [number, number, number];
  exe?: FileFacts;
  link?: string;
  name?: string;
}
const stat = (p: P) => `${p.pid} (${p.name ?? 'pure-ftpd'}) S ${p.ppid} ${Array(17).fill('0').join(' ')} 4242 0 0\n`;
const PURE = daemonFile('pure-ftpd');

function world(procs: P[]) {
  const files: Record<string, string> = {};
  const stats: Record<string, FileFacts> = {};
  const links: Record<string, string> = {};
  for (const p of procs) {
    files[`/proc/${p.pid}/stat`] = stat(p);
    files[`/proc/${p.pid}/status`] = `Name:\t${p.name ?? 'pure-ftpd'}\nUid:\t${p.uids.join('\t')}\t${p.uids[1]}\n`;
    stats[`/proc/${p.pid}/exe`] = p.exe ?? PURE;
    links[`/proc/${p.pid}/exe`] = p.link ?? '/usr/sbin/pure-ftpd';
  }
  const runtime = createTestRuntime({ argv: [], files, stats, links });
  const statted: string[] = [];
  const realStat = runtime.statNow;
  runtime.statNow = (path) => {
    statted.push(path);
    return realStat(path);
  };
  return { runtime, statted };
}
const vetter = (procs: P[]) => new ProcessVetter(world(procs).runtime);
const master: P = { pid: 100, ppid: 1, uids: [0, 0, 0] };
const session: P = { pid: 200, ppid: 100, uids: [1001, 1001, 1001] };

describe('ProcessVetter', () => {
  it('a session of a root master running the same root-owned program is one', () => {
    expect(vetter([master, session]).vet(200, 'pure-ftpd')).toEqual({ master: 100 });
  });
  it('a master running as its User with root saved (ProFTPD) still holds root', () => {
    expect(vetter([{ ...master, uids: [0, 65534, 0] }, session]).vet(200, 'pure-ftpd')).toEqual({ master: 100 });
  });
  it.each([
    ['a copy of the program the user owns', [master, { ...session, exe: { ...PURE, uid: 1001, ino: 7 } }]],
    ['a program others may write', [{ ...master, exe: { ...PURE, mode: 0o100757 } }, { ...session, exe: { ...PURE, mode: 0o100757 } }]],
    ['a program group may write', [{ ...master, exe: { ...PURE, mode: 0o100775 } }, { ...session, exe: { ...PURE, mode: 0o100775 } }]],
    ['not a regular file', [master, { ...session, exe: { ...PURE, mode: 0o020755 } }]],
    ['no master above it (the parent runs another program)', [{ ...master, exe: daemonFile('bash') }, session]],
    ['a master that does not hold root', [{ ...master, uids: [1001, 1001, 1001] }, session]],
    ['its own master (no parent of the same program)', [{ ...session, ppid: 1 }]],
    ['a root program of another name', [{ ...master, link: '/usr/local/bin/perl' }, { ...session, link: '/usr/local/bin/perl' }]],
  ])('is not one: %s', (_what, procs) => {
    expect(vetter(procs as P[]).vet(200, 'pure-ftpd')).toHaveProperty('refused');
  });
  it('a session of one daemon is not a session of another', () => {
    expect(vetter([master, session]).vet(200, 'proftpd')).toHaveProperty('refused');
  });
  it('a deleted program (an upgrade) still counts', () => {
    expect(vetter([{ ...master, link: '/usr/sbin/pure-ftpd (deleted)' }, session]).vet(200, 'pure-ftpd')).toEqual({ master: 100 });
  });
  it('a name holding U+2028 or CR and a forged Uid line does not make a process root', () => {
    for (const sep of ['\u2028', '\r']) {
      const forged: P = { ...master, uids: [1001, 1001, 1001], name: `${sep}Uid:\t0\t0\t0` };
      const v = vetter([forged, session]);
      expect(v.readNow(100)).toMatchObject({ uid: 1001, root: false });
      expect(v.vet(200, 'pure-ftpd')).toHaveProperty('refused');
    }
  });
  it('never stats the program of a process that does not descend from a root master (a FUSE mount of the user\'s could make that stat wait for ever)', () => {
    const shell: P = { pid: 300, ppid: 1, uids: [1001, 1001, 1001], name: 'bash' };
    const impostors: P[] = [
      { pid: 301, ppid: 300, uids: [1001, 1001, 1001] }, // a session's name and title, under the user's shell
      { pid: 302, ppid: 301, uids: [1001, 1001, 1001] }, // and a child of it: same name all the way up, no root
      { pid: 303, ppid: 300, uids: [1001, 1001, 1001], name: 'vsftpd' },
    ];
    const { runtime, statted } = world([master, session, shell, ...impostors]);
    const v = new ProcessVetter(runtime);
    expect(v.vet(301, 'pure-ftpd')).toHaveProperty('refused');
    expect(v.vet(302, 'pure-ftpd')).toHaveProperty('refused');
    expect(v.vet(303, 'vsftpd')).toHaveProperty('refused');
    expect(v.vet(200, 'pure-ftpd')).toEqual({ master: 100 });
    expect(runningMasters(runtime)).toEqual(new Set(['pure-ftpd']));
    expect(statted.filter((p) => /^\/proc\/30\d\//.test(p))).toEqual([]);
  });
});

describe('scoreboardOf (the scoreboard a vetted ProFTPD master uses)', () => {
  const board = (facts: Record<string, FileFacts>, fds: Record<string, string>) => {
    const links: Record<string, string> = {};
    for (const [fd, target] of Object.entries(fds)) links[`/proc/100/fd/${fd}`] = target;
    return createTestRuntime({ argv: [], links, stats: facts });
  };
  const ROOT_FILE: FileFacts = { dev: 1, ino: 5, uid: 0, mode: 0o100644 };

  it('the scoreboard it holds open', () => {
    const rt = board({ '/proc/100/fd/5': ROOT_FILE }, { 5: '/run/x/proftpd.scoreboard', 3: 'socket:[1]' });
    expect(scoreboardOf(100, rt, [0])).toBe('/run/x/proftpd.scoreboard');
  });

  it('only its lock (ProFTPD 1.3.8): the scoreboard next to it', () => {
    const rt = board({ '/run/x/proftpd.scoreboard': ROOT_FILE }, { 6: '/run/x/proftpd.scoreboard.lck', 3: 'socket:[1]' });
    expect(scoreboardOf(100, rt, [0])).toBe('/run/x/proftpd.scoreboard');
  });

  it.each([
    ['writable by others', { '/run/x/proftpd.scoreboard': { ...ROOT_FILE, mode: 0o100666 } }, [0]],
    ["a user's", { '/run/x/proftpd.scoreboard': { ...ROOT_FILE, uid: 1001 } }, [0]],
    ['a FIFO', { '/run/x/proftpd.scoreboard': { ...ROOT_FILE, mode: 0o010644 } }, [0]],
    ['missing', {}, [0]],
  ])('next to its lock, but %s: none', (_what, facts, owners) => {
    expect(scoreboardOf(100, board(facts as Record<string, FileFacts>, { 6: '/run/x/proftpd.scoreboard.lck' }), owners)).toBeUndefined();
  });

  it("the daemon's own user's scoreboard counts when it is one of the owners", () => {
    const rt = board({ '/run/x/proftpd.scoreboard': { ...ROOT_FILE, uid: 65534 } }, { 6: '/run/x/proftpd.scoreboard.lck' });
    expect(scoreboardOf(100, rt, [0, 65534])).toBe('/run/x/proftpd.scoreboard');
  });
});
