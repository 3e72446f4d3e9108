// `ftpsessions watch` in-process: a fake server whose ps output changes from
// one reading to the next, the clock moved by the sleeps, signals delivered
// through the runtime's handlers.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import type { StopSignal } from '../../src/runtime.js';
import { createTestRuntime, procFromPs, type TestRuntime } from '../helpers/runtime.js';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const START = 'Tue Dec  1 11:59:00 2026';
const MASTER = ['100', '1', '0', 'root', START, 'proftpd: (accepting connections)'] as const;

/** A session process of the fake server: pid, uid, title (proftpd's: login, host, command), start time. */
type Proc = readonly [pid: number, uid: number, title: string, start?: string];

function psText(procs: readonly Proc[]): string {
  const line = ([pid, ppid, uid, user, start, title]: readonly string[]) =>
    `${pid!.padStart(5)} ${ppid!.padStart(5)} ${uid!.padStart(5)} ${user!.padEnd(64)} ${start} ${title}`;
  const names: Record<number, string> = { 0: 'root', 1001: 'alice', 1002: 'ftpvirt', 65534: 'nobody' };
  return [line(MASTER), ...procs.map(([pid, uid, title, start]) => line([String(pid), '100', String(uid), names[uid] ?? String(uid), start ?? START, title]))].join('\n') + '\n';
}

const idle = (pid: number, login = 'alice', host = '127.0.0.1'): Proc => [pid, login === 'alice' ? 1001 : 1002, `proftpd: ${login} - ${host}: IDLE`];
const retr = (pid: number, file: string): Proc => [pid, 1001, `proftpd: alice - 127.0.0.1: RETR ${file}`];
const stor = (pid: number, file: string): Proc => [pid, 1001, `proftpd: alice - 127.0.0.1: STOR ${file}`];
const auth = (pid: number): Proc => [pid, 65534, 'proftpd: 127.0.0.3:39319: USER alice'];

/** A reading of the fake server: its sessions, or a failure of ps. */
type Phase = readonly Proc[] | { fail: string };

interface Server extends TestRuntime {
  readings: number;
  sleeps: number[];
}

/**
 * A root server whose ps answers each reading with the next phase (the last
 * one again after the end); after `stopAfter` readings (default: the
 * phases), the next sleep delivers `signal`.
 */
function server(phases: readonly Phase[], argv: string[], options: { signal?: StopSignal; stopAfter?: number; uid?: number; isTTY?: boolean } = {}): Server {
  let clock = T0;
  const rt = createTestRuntime({ argv: ['watch', '--collector', 'ps', ...argv], uid: options.uid ?? 0, isTTY: options.isTTY ?? false }) as Server;
  rt.readings = 0;
  rt.sleeps = [];
  const base = { ...rt.files };
  rt.now = () => clock;
  rt.exec = async (file, args, execOptions) => {
    rt.calls.push({ file, args, options: execOptions });
    const phase = phases[Math.min(rt.readings, phases.length - 1)]!;
    rt.readings++;
    // a runaway loop (sleep is instant here) ends, and the test sees the count
    if (rt.readings > 200) for (const h of [...rt.signalHandlers]) h('SIGTERM');
    clock += 7; // a reading takes 7 ms
    if ('fail' in phase) return { exitCode: 1, stdout: '', stderr: `${phase.fail}\n`, timedOut: false };
    const text = psText(phase);
    // /proc as the vetting reads it: this reading's processes only
    for (const k of Object.keys(rt.files)) delete rt.files[k];
    Object.assign(rt.files, base, procFromPs(text));
    return { exitCode: 0, stdout: text, stderr: '', timedOut: false };
  };
  rt.isExecutable = async (path) => path === '/usr/bin/ps';
  rt.sleep = async (ms) => {
    rt.sleeps.push(ms);
    clock += ms;
    if (rt.readings >= (options.stopAfter ?? phases.length)) for (const h of [...rt.signalHandlers]) h(options.signal ?? 'SIGTERM');
  };
  return rt;
}

interface Event {
  event: string;
  at: string;
  session?: { pid: number; state: string; file: string | null; account: string | null; login: string | null };
  message?: string;
}

async function watch(phases: readonly Phase[], argv: string[] = [], options: Parameters<typeof server>[2] = {}) {
  const rt = server(phases, argv, options);
  const code = await run('action', rt);
  expect(rt.out === '' || rt.out.endsWith('\n')).toBe(true);
  const table = argv.includes('table') || options.isTTY === true;
  const events = rt.out === '' || table ? [] : rt.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Event);
  const brief = events.map((e) => (e.event === 'error' ? `error ${e.message}` : `${e.event} ${e.session!.pid} ${e.session!.state}${e.session!.file === null ? '' : ` ${e.session!.file}`}`));
  return { code, rt, events, brief };
}

describe('watch: the events', () => {
  it('first reading: every session opened (and a transfer under way started); then state, transfers, closed, by pid', async () => {
    const { code, brief, events, rt } = await watch([
      [idle(201), retr(202, 'big.bin')],
      [retr(201, 'a.bin'), idle(202), idle(203)],
      [stor(201, 'b.bin'), idle(203)],
      [idle(203)],
    ]);
    expect(code).toBe(0);
    expect(brief).toEqual([
      'opened 201 IDLE',
      'opened 202 DL big.bin',
      'transfer_started 202 DL big.bin',
      // 201: IDLE -> DL; 202: DL -> IDLE (the finished transfer: its last row); 203 new
      'state 201 DL a.bin',
      'transfer_started 201 DL a.bin',
      'transfer_finished 202 DL big.bin',
      'state 202 IDLE',
      'opened 203 IDLE',
      // 201: a download, then an upload: finished, state, started; 202 gone
      'transfer_finished 201 DL a.bin',
      'state 201 UL b.bin',
      'transfer_started 201 UL b.bin',
      'closed 202 IDLE',
      // 201 gone in the middle of its upload
      'transfer_finished 201 UL b.bin',
      'closed 201 UL b.bin',
    ]);
    // at: the reading's moment, ISO 8601 UTC; the session: the whole native row
    expect(events[0]!.at).toBe('2026-12-01T12:00:00.007Z');
    expect(new Set(events.map((e) => e.at)).size).toBe(4);
    expect(Object.keys(events[0]!.session!)).toEqual(['account', 'pid', 'daemon', 'login', 'host', 'state', 'file', 'cwd', 'connected_at', 'idle_seconds', 'transferred_bytes', 'size_bytes', 'percent', 'rate_bytes_per_second', 'cmdline']);
    expect(events[0]!.session).toMatchObject({ account: 'alice', login: 'alice', host: '127.0.0.1', connected_at: '2026-12-01T11:59:00Z' });
    expect(rt.err).toBe('');
  });

  it('nothing while nothing changes', async () => {
    const { brief, rt } = await watch([[idle(201)], [idle(201)], [idle(201)], [idle(201)]]);
    expect(brief).toEqual(['opened 201 IDLE']);
    expect(rt.readings).toBe(4);
  });

  it('another file in the same direction: transfer_finished then transfer_started, no state event', async () => {
    const { brief } = await watch([[retr(201, 'a.bin')], [retr(201, 'b.bin')]]);
    expect(brief).toEqual(['opened 201 DL a.bin', 'transfer_started 201 DL a.bin', 'transfer_finished 201 DL a.bin', 'transfer_started 201 DL b.bin']);
  });

  it('a pid taken by a new process (another start time): the old session closed, then the new one opened', async () => {
    const { brief } = await watch([[idle(201)], [[201, 1001, 'proftpd: alice - 127.0.0.1: IDLE', 'Tue Dec  1 12:00:00 2026']]]);
    expect(brief).toEqual(['opened 201 IDLE', 'closed 201 IDLE', 'opened 201 IDLE']);
  });

  it('AUTH -> logged in is a state event (root, --include-unauthenticated)', async () => {
    const { brief, events } = await watch([[auth(204)], [[204, 1001, 'proftpd: alice - 127.0.0.3: IDLE']]], ['--include-unauthenticated']);
    expect(brief).toEqual(['opened 204 AUTH', 'state 204 IDLE']);
    expect(events.map((e) => e.session!.account)).toEqual([null, 'alice']);
  });

  it('without --include-unauthenticated, a session appears when it has logged in: opened', async () => {
    const { brief } = await watch([[auth(204)], [[204, 1001, 'proftpd: alice - 127.0.0.3: IDLE']]]);
    expect(brief).toEqual(['opened 204 IDLE']);
  });

  it('filters choose events by the row each carries: a session leaving --state DL is not closed', async () => {
    const { brief } = await watch([[idle(201), retr(202, 'x.bin')], [retr(201, 'a.bin'), idle(202)], [idle(201), idle(202)]], ['--state', 'DL']);
    expect(brief).toEqual([
      'opened 202 DL x.bin',
      'transfer_started 202 DL x.bin',
      'state 201 DL a.bin',
      'transfer_started 201 DL a.bin',
      'transfer_finished 202 DL x.bin',
      'transfer_finished 201 DL a.bin',
    ]);
    const byLogin = await watch([[idle(201), idle(202, 'carol')], [idle(202, 'carol')]], ['--login', 'CAROL']);
    expect(byLogin.brief).toEqual(['opened 202 IDLE']);
  });

  it('--user narrows to accounts', async () => {
    const { brief } = await watch([[idle(201), idle(202, 'carol')]], ['--user', 'ftpvirt']);
    expect(brief).toEqual(['opened 202 IDLE']);
  });
});

describe('watch: errors and warnings', () => {
  it('a failed reading is one error event while it lasts; watch goes on from the last good reading', async () => {
    const { code, brief, events } = await watch([
      [idle(201), idle(202)],
      { fail: 'ps: out of memory' },
      { fail: 'ps: out of memory' },
      { fail: 'ps: out of memory' },
      [idle(202), idle(203)],
      { fail: 'ps: out of memory' },
      { fail: 'ps: segfault' },
      [idle(202), idle(203)],
    ]);
    expect(code).toBe(0);
    expect(brief).toEqual([
      'opened 201 IDLE',
      'opened 202 IDLE',
      'error /usr/bin/ps exited with status 1: ps: out of memory',
      // the good reading is compared with the last good one: 201 closed while ps failed
      'closed 201 IDLE',
      'opened 203 IDLE',
      // after a good reading the same error is news again
      'error /usr/bin/ps exited with status 1: ps: out of memory',
      'error /usr/bin/ps exited with status 1: ps: segfault',
    ]);
    expect(Object.keys(events[2]!)).toEqual(['event', 'at', 'message']);
  });

  it('a source failing at the first reading is an error event too; the first good reading opens every session', async () => {
    const { code, brief } = await watch([{ fail: 'busy' }, [idle(201)]]);
    expect(code).toBe(0);
    expect(brief).toEqual(['error /usr/bin/ps exited with status 1: busy', 'opened 201 IDLE']);
  });

  it('a first reading that fails for the invocation\'s own reason ends watch as it ends list', async () => {
    const noUser = await watch([[idle(201)]], ['--user', 'nosuch']);
    expect(noUser.code).toBe(1);
    expect(noUser.rt.out).toBe('');
    expect(noUser.rt.err).toBe('ftpsessions: The user “nosuch” does not exist.\n');
    const notRoot = await watch([[idle(201)]], ['--include-unauthenticated'], { uid: 1001 });
    expect(notRoot.code).toBe(1);
    expect(notRoot.rt.err).toMatch(/^ftpsessions: Only root sees the sessions that have not logged in/);
  });

  it('a warning is printed once, however many readings give it', async () => {
    const rt = server([[idle(201)], [idle(202)], [idle(203)]], []);
    // every reading passes over an account file someone else owns, with a warning
    const stat = rt.statNow;
    rt.statNow = (path) => (path === '/etc/userdomains' ? { dev: 1, ino: 2, uid: 1001, mode: 0o100644 } : stat(path));
    rt.files['/etc/userdomains'] = 'example.com: alice\n';
    expect(await run('action', rt)).toBe(0);
    expect(rt.readings).toBe(3);
    expect(rt.err).toBe(
      'ftpsessions: warning: /etc/userdomains was passed over: only a regular file that root owns and no one else may write says who owns a login.\n',
    );
  });
});

describe('watch: stopping', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGPIPE'] as const) {
    it(`${signal}: exit 0, whole lines only, no more readings, the handler removed`, async () => {
      const { code, rt, brief } = await watch([[idle(201)], [idle(201), idle(202)]], [], { signal });
      expect(code).toBe(0);
      expect(brief).toEqual(['opened 201 IDLE', 'opened 202 IDLE']);
      expect(rt.readings).toBe(2);
      expect(rt.signalHandlers).toEqual([]);
    });
  }

  it('a signal during a reading: that reading\'s events are written, whole, and watch stops', async () => {
    const rt = server([[idle(201)], [idle(201), idle(202)]], [], { stopAfter: 99 });
    const exec = rt.exec;
    rt.exec = async (...args) => {
      const result = await exec(...args);
      if (rt.readings === 2) for (const h of [...rt.signalHandlers]) h('SIGINT');
      return result;
    };
    expect(await run('action', rt)).toBe(0);
    expect(rt.out.trimEnd().split('\n').map((l) => JSON.parse(l).session.pid)).toEqual([201, 202]);
    expect(rt.readings).toBe(2);
  });

  it('a reading that fails because the signal came (ps killed by Ctrl-C) is not reported', async () => {
    const rt = server([[idle(201)], { fail: 'killed' }], [], { stopAfter: 99 });
    const exec = rt.exec;
    rt.exec = async (...args) => {
      if (rt.readings === 1) for (const h of [...rt.signalHandlers]) h('SIGINT');
      return exec(...args);
    };
    expect(await run('action', rt)).toBe(0);
    expect(rt.out).not.toMatch(/error/);
  });
});

describe('watch: the interval', () => {
  it('from the start of one reading to the start of the next (default 1000 ms), slept in steps of at most 200 ms', async () => {
    const { rt } = await watch([[idle(201)], [idle(201)], [idle(201)]]);
    // each reading took 7 ms: 993 ms more to wait
    expect(rt.sleeps).toEqual([200, 200, 200, 200, 193, 200, 200, 200, 200, 193, 200]);
    const slow = await watch([[idle(201)], [idle(201)]], ['--interval', '100']);
    expect(slow.rt.sleeps).toEqual([93, 93]);
  });

  it('a reading longer than the interval: the next starts at once (never two at a time)', async () => {
    const rt = server([[idle(201)], [idle(201)], [idle(201)]], ['--interval', '100']);
    const exec = rt.exec;
    let clock = T0;
    rt.now = () => clock;
    rt.exec = async (...args) => {
      clock += 500;
      const r = await exec(...args);
      if (rt.readings === 3) for (const h of [...rt.signalHandlers]) h('SIGTERM');
      return r;
    };
    expect(await run('action', rt)).toBe(0);
    expect(rt.readings).toBe(3);
    expect(rt.sleeps).toEqual([]);
  });

  for (const bad of ['99', '3600001', 'abc', '1.5', '-5', '']) {
    it(`--interval ${JSON.stringify(bad)}: usage error, exit 2, nothing read`, async () => {
      const rt = server([[idle(201)]], ['--interval', bad]);
      expect(await run('action', rt)).toBe(2);
      expect(rt.err.split('\n')[0]).toMatch(/^ftpsessions: (--interval takes a whole number from 100 to 3600000, not|watch: )/);
      expect(rt.readings).toBe(0);
      expect(rt.out).toBe('');
    });
  }

  it('--input SOURCE=- is refused (standard input can be read only once): usage error, nothing read', async () => {
    const rt = server([[idle(201)]], ['--input', 'ps=-']);
    expect(await run('action', rt)).toBe(2);
    expect(rt.err).toMatch(/^ftpsessions: .*standard input/);
    expect(rt.readings).toBe(0);
  });
});

describe('watch: lines for people (--output table, the default on a terminal)', () => {
  it('time (UTC), event, pid, account, login, host, state (from->to), file (bytes); made safe for a terminal', async () => {
    const evil = 'x\u001b]52;c;ZXZpbA==\u0007.bin';
    const { code, rt } = await watch([[idle(201)], [retr(201, evil)], { fail: 'no\u001b[2Jway' }], ['--no-color'], { isTTY: true });
    expect(code).toBe(0);
    expect(rt.out).toBe(
      [
        '2026-12-01 12:00:00  opened                 201  alice         alice                 127.0.0.1        IDLE  -',
        '2026-12-01 12:00:01  state                  201  alice         alice                 127.0.0.1        IDLE->DL  x\\x1b]52;c;ZXZpbA==\\x07.bin',
        '2026-12-01 12:00:01  transfer_started       201  alice         alice                 127.0.0.1        DL    x\\x1b]52;c;ZXZpbA==\\x07.bin',
        '2026-12-01 12:00:02  error              /usr/bin/ps exited with status 1: no\\x1b[2Jway',
        '',
      ].join('\n'),
    );
  });

  it('colour only when asked: --color paints the event name', async () => {
    const { rt } = await watch([[idle(201)]], ['--output', 'table', '--color']);
    expect(rt.out).toContain('\u001b[32mopened           \u001b[39m');
  });
});

describe('a reader that went away', () => {
  it('ends watch with 0 at the next write, with no further reading (the output says it is gone)', async () => {
    const rt = server([[idle(201)], [idle(201), idle(202)], [idle(202)]], ['--output', 'ndjson'], { stopAfter: 1000 });
    let open = true;
    rt.stdout.drain = async () => {
      const was = open;
      open = false; // the reader takes the first reading's lines, then goes
      return was;
    };
    expect(await run('action', rt)).toBe(0);
    expect(rt.readings).toBe(2);
    expect(rt.out.trim().split('\n').map((l) => JSON.parse(l).event)).toEqual(['opened', 'opened']);
    expect(rt.signalHandlers).toEqual([]);
  });
});

describe('--no-initial', () => {
  it('the first reading opens nothing; changes from then on are events', async () => {
    const rt = server([[idle(201)], [idle(201), idle(202)]], ['--output', 'ndjson', '--no-initial']);
    expect(await run('action', rt)).toBe(0);
    const events = rt.out.trim().split('\n').map((l) => JSON.parse(l) as Event);
    expect(events.map((e) => [e.event, e.session?.pid])).toEqual([['opened', 202]]);
  });
});
