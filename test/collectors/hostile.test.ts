// Hostile titles end to end: the lab's ProFTPD capture plus processes whose
// titles carry what a client can put in them (fixtures/derive-hostile.mjs),
// read from ps and from /proc, listed and killed as root.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProc } from '../../src/collectors/proc/parse.js';
import { readProcTree } from '../../src/collectors/proc/snapshot.js';
import { parsePs } from '../../src/collectors/ps/parse.js';
import { run } from '../../src/run.js';
import { createTestRuntime, ok, procFromPs } from '../helpers/runtime.js';

const HERE = new URL('./fixtures/', import.meta.url);
const PS = readFileSync(new URL('hostile.ps.txt', HERE), 'utf8');
const CMDLINES = JSON.parse(readFileSync(new URL('hostile.cmdline.json', HERE), 'utf8')) as Record<string, string>;
const BTIME = 1_795_325_103; // test/helpers/runtime.ts
const MASTER = 27066;

const PRE_LOGIN = [30001, 30002, 30003, 30004, 30005, 30006];
const SECRETS = ['a:b:c', 'x@y', 'p: w', 's3cret', 'anonymous/'];

/** /proc of the capture: the lab's rows as procFromPs makes them, the added ones byte for byte. */
function proc(): Record<string, string> {
  const files = procFromPs(PS);
  // ProFTPD's master: real and saved uid root, effective uid its User (ftp-servers.md §3.1)
  files[`/proc/${MASTER}/status`] = 'Name:\tproftpd\nUid:\t0\t65534\t0\t65534\n';
  for (const line of PS.split('\n')) {
    const m = /^ *(3\d{4}) +\d+ +(\d+) /.exec(line);
    if (m === null) continue;
    const [, pid, uid] = m as unknown as [string, string, string];
    // pid 30030 started at a tick past what a Date can hold (and within what trust.ts accepts: a safe integer)
    const ticks = pid === '30030' ? '9000000000000000' : String((Date.parse('2026-11-22T06:07:49Z') / 1000 - BTIME) * 100);
    for (const key of Object.keys(files)) if (key.startsWith(`/proc/${pid}/`)) delete files[key];
    files[`/proc/${pid}/comm`] = 'proftpd\n';
    files[`/proc/${pid}/cmdline`] = CMDLINES[pid] as string;
    files[`/proc/${pid}/stat`] = `${pid} (proftpd) S ${MASTER} ${Array(17).fill('0').join(' ')} ${ticks} 0 0\n`;
    files[`/proc/${pid}/status`] = `Name:\tproftpd\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`;
  }
  return files;
}

const server = (argv: string[], extra: { collector?: 'ps' | undefined } = {}) =>
  createTestRuntime({
    programs: { '/usr/bin/ps': ok(PS) },
    files: proc(),
    argv: [...(extra.collector === 'ps' ? ['--collector=ps'] : []), '--output=json', ...argv],
    // a process that ends on TERM: its /proc entry goes
    kill: (pid, _signal, files) => {
      for (const path of Object.keys(files)) if (path.startsWith(`/proc/${pid}/`)) delete files[path];
    },
  });

async function sessions(user: string, collector?: 'ps') {
  const rt = server([`--user=${user}`, 'Ftp', 'list_sessions'], { collector });
  const code = await run('uapi', rt);
  expect(rt.err).toBe('');
  const result = JSON.parse(rt.out).result;
  return { code, data: result.data as Array<Record<string, unknown>>, warnings: (result.warnings ?? []) as string[], out: rt.out };
}

describe('the hostile capture, parsed', () => {
  it('ps: every added row is read; the pre-login ones are not logged in, whatever their USER argument says', () => {
    const { observations, skippedLines } = parsePs(PS);
    expect(skippedLines).toEqual([]);
    const byPid = new Map(observations.map((o) => [o.pid, o]));
    for (const pid of PRE_LOGIN) expect(byPid.get(pid), String(pid)).toMatchObject({ loggedIn: false });
    expect(byPid.get(30001)?.login).toBeUndefined();
  });

  it('/proc: the same, and LFs in a title are data too', () => {
    const rt = createTestRuntime({ argv: [], files: proc() });
    const { observations } = parseProc(readProcTree('/proc', rt));
    const byPid = new Map(observations.map((o) => [o.pid, o]));
    for (const pid of PRE_LOGIN) expect(byPid.get(pid), String(pid)).toMatchObject({ loggedIn: false });
    expect(byPid.get(30013)).toMatchObject({ loggedIn: true, login: 'alice', state: 'DL', file: 'new\nline.bin' });
  });

  it.each([
    ['ps', () => parsePs(PS).observations],
    ['/proc', () => parseProc(readProcTree('/proc', createTestRuntime({ argv: [], files: proc() }))).observations],
  ])('%s: an anonymous password never reaches cmdline, whatever it holds', (_source, read) => {
    const byPid = new Map(read().map((o) => [o.pid, o]));
    expect([30020, 30021, 30022, 30023].map((pid) => byPid.get(pid)?.title)).toEqual([
      'proftpd: ftp - 127.0.0.1: anonymous',
      'proftpd: ftp - 127.0.0.1: anonymous',
      'proftpd: ftp - 127.0.0.1: anonymous: RETR pub/anon big.iso',
      'proftpd: ftp - 127.0.0.1: anonymous: IDLE',
    ]);
    expect(byPid.get(30022)).toMatchObject({ loggedIn: true, login: 'ftp', state: 'DL', file: 'pub/anon big.iso' });
    for (const pid of [30020, 30021, 30022, 30023]) for (const secret of SECRETS) expect(byPid.get(pid)?.title).not.toContain(secret);
  });
});

describe('the hostile capture, listed and killed as root', () => {
  it.each([undefined, 'ps'] as const)('collector %s: no pre-login session is anybody\'s', async (collector) => {
    for (const user of ['alice', 'ftpvirt', 'charlotte-longname']) {
      const { code, data } = await sessions(user, collector);
      expect(code, user).toBe(0);
      const pids = data.map((s) => s.pid as number);
      for (const pid of PRE_LOGIN) expect(pids, `${user} ${pid}`).not.toContain(pid);
    }
  });

  it.each([undefined, 'ps'] as const)('collector %s: file names with CR, U+2028, U+2029, U+0085, U+FEFF are listed, exactly', async (collector) => {
    const { data } = await sessions('alice', collector);
    const file = (pid: number) => data.find((s) => s.pid === pid)?.file;
    expect(file(30010)).toBe('a\rb\u2028c\u2029d\u0085e\uFEFF.bin');
    expect(file(30011)).toBe('trailing\u2028');
    expect(file(30012)).toBe('ends-in-cr\r');
    expect(file(30013)).toBe(collector === 'ps' ? 'new?line.bin' : 'new\nline.bin');
  });

  it.each([undefined, 'ps'] as const)('collector %s: a start time out of range is listed with an empty login and a warning naming its pid', async (collector) => {
    const { data, warnings } = await sessions('alice', collector);
    expect(data.find((s) => s.pid === 30030)).toMatchObject({ login: '', status: 'IDLE', user: 'alice' });
    expect(warnings).toContainEqual(expect.stringMatching(/^session 30030: its start time is out of range/));
  });

  it('the JSON action dialect answers with an empty login for it (no RangeError)', async () => {
    const rt = createTestRuntime({ programs: { '/usr/bin/ps': ok(PS) }, files: proc(), argv: ['--user=alice'], stdin: JSON.stringify({ action: 'listSessions' }) });
    expect(await run('action', rt)).toBe(0);
    const response = JSON.parse(rt.out);
    expect(response.errorCode).toBe(0);
    expect(response.result.sessions.find((s: { pid: number }) => s.pid === 30030)).toMatchObject({ login: '', username: 'alice' });
  });

  it('kill_session: a pre-login session is nobody\'s to end, whatever its title says', async () => {
    for (const [user, pid] of [['ftpvirt', 30001], ['alice', 30002], ['ftpvirt', 30003], ['ftpvirt', 30005], ['charlotte-longname', 30006]] as const) {
      const rt = server([`--user=${user}`, 'Ftp', 'kill_session', `login=${pid}`]);
      await run('uapi', rt);
      expect(rt.signals, `${user} ${pid}`).toEqual([]);
    }
  });

  it('kill_session: a session whose file name holds CR and U+2028 is found and ended', async () => {
    const rt = server(['--user=alice', 'Ftp', 'kill_session', 'login=30010']);
    expect(await run('uapi', rt)).toBe(0);
    expect(rt.signals).toEqual([[30010, 'SIGTERM']]);
  });
});
