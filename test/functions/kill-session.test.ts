import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture, ok, procFromPs, type TestRuntimeOptions } from '../helpers/runtime.js';

const PS = fixture('pure-ftpd/02-tricky.ps.txt');
const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');
const ALICE = [24393, 24498, 24514, 24563, 24579, 25679, 25695, 25711, 25727, 25744, 25760, 25776, 25792, 25832, 25848];

/** A process that ends on TERM: its /proc entry goes. */
const diesOnTerm: NonNullable<TestRuntimeOptions['kill']> = (pid, _signal, files) => {
  for (const path of Object.keys(files)) if (path.startsWith(`/proc/${pid}/`)) delete files[path];
};

function server(args: string[], options: Partial<TestRuntimeOptions> = {}) {
  return createTestRuntime({
    programs: { '/usr/sbin/pure-ftpwho': ok(WHO) },
    files: procFromPs(PS),
    kill: diesOnTerm,
    argv: ['--output=json', 'Ftp', 'kill_session', ...args],
    ...options,
  });
}

async function call(rt: ReturnType<typeof createTestRuntime>) {
  const code = await run('uapi', rt);
  return { code, result: JSON.parse(rt.out).result };
}

describe('Ftp::kill_session', () => {
  it('login=all (the default) ends every session of the account, and only those', async () => {
    const rt = server(['--user=alice']);
    const { code, result } = await call(rt);
    expect(code).toBe(0);
    expect(result.data).toEqual({ login: 'all', ended: ALICE });
    expect([...rt.signals].sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(ALICE.map((pid) => [pid, 'SIGTERM']));
  });

  it('login=PID ends that session', async () => {
    const rt = server(['--user=ftpvirt', 'login=24530']);
    const { code, result } = await call(rt);
    expect([code, result.data, rt.signals]).toEqual([0, { login: '24530', ended: [24530] }, [[24530, 'SIGTERM']]]);
  });

  it('sends KILL to a session still there after the grace period', async () => {
    const rt = server(['--user=ftpvirt', 'login=24530'], { kill: (pid, signal, files) => signal === 'SIGKILL' && diesOnTerm(pid, signal, files) });
    const { code, result } = await call(rt);
    expect([code, result.data, rt.signals]).toEqual([0, { login: '24530', ended: [24530] }, [[24530, 'SIGTERM'], [24530, 'SIGKILL']]]);
  });

  it('never signals a pid the system has given to another process since it was listed', async () => {
    const rt = server(['--user=ftpvirt', 'login=24530']);
    // the session ends and its pid is reused, between the listing and the signal
    // (kill_session reads the boot time right after the listing)
    const realReadFile = rt.readFile;
    rt.readFile = async (path) => {
      if (path === '/proc/stat') rt.files['/proc/24530/stat'] = '24530 (pure-ftpd) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 999999 0\n';
      return realReadFile(path);
    };
    const { code, result } = await call(rt);
    expect([code, result.data, rt.signals]).toEqual([0, { login: '24530', ended: [] }, []]);
    expect(result.warnings).toEqual([
      'not signalled: 24530 (no longer the session listed: it ended meanwhile, or its pid is another process now)',
    ]);
  });

  it('never signals a process that stopped being a real daemon\'s session (its program replaced) between the listing and the signal', async () => {
    const rt = server(['--user=ftpvirt', 'login=24530']);
    let listed = false;
    const realReadFile = rt.readFile;
    rt.readFile = async (path) => {
      if (path === '/proc/stat') listed = true;
      return realReadFile(path);
    };
    const realStat = rt.statNow;
    rt.statNow = (path) => (listed && path === '/proc/24530/exe' ? { dev: 1, ino: 42, uid: 1002, mode: 0o100755 } : realStat(path));
    const { code, result } = await call(rt);
    expect([code, result.data, rt.signals]).toEqual([0, { login: '24530', ended: [] }, []]);
    expect(result.warnings).toHaveLength(1);
  });

  it('never signals a process that changed owner, or left its master, between the listing and the signal', async () => {
    for (const change of [
      (files: Record<string, string>) => {
        files['/proc/24530/status'] = 'Name:\tpure-ftpd\nUid:\t1001\t1001\t1001\t1001\n';
      },
      (files: Record<string, string>) => {
        const stat = files['/proc/24530/stat'] as string;
        files['/proc/24530/stat'] = stat.replace(/\) S \d+ /, ') S 1 '); // re-parented: no root master above it
      },
    ]) {
      const rt = server(['--user=ftpvirt', 'login=24530']);
      const realReadFile = rt.readFile;
      rt.readFile = async (path) => {
        if (path === '/proc/stat') change(rt.files);
        return realReadFile(path);
      };
      const { code, result } = await call(rt);
      expect([code, result.data, rt.signals]).toEqual([0, { login: '24530', ended: [] }, []]);
      expect(result.warnings).toHaveLength(1);
    }
  });

  it.each([
    [['--user=alice', 'login=24530'], 'The session “24530” is not one of your FTP sessions.'],
    [['--user=alice', 'login=99999'], 'The session “99999” is not one of your FTP sessions.'],
    [['--user=alice', 'login=24381'], 'The session “24381” is not one of your FTP sessions.'], // not logged in
    [['--user=alice', 'login=bob'], 'login must be the pid of one of your sessions, or all, not “bob”.'],
    [['--user=alice', 'login=-1'], 'login must be the pid of one of your sessions, or all, not “-1”.'],
    [['--user=alice', 'login='], 'login must be the pid of one of your sessions, or all, not “”.'],
    [['--user=alice', '__proto__=1'], 'Unrecognized API parameter(s): __proto__ (kill_session takes only login=PID or login=all)'],
    [['--user=alice', 'constructor=1'], 'Unrecognized API parameter(s): constructor (kill_session takes only login=PID or login=all)'],
    [['--user=alice', 'id=24393'], 'Unrecognized API parameter(s): id (kill_session takes only login=PID or login=all)'],
    [['--user=alice', 'login=24393', 'api.filter_column=pid'], 'Unrecognized API parameter(s): api.filter_column (kill_session takes only login=PID or login=all)'],
    [['--user=alice', '--input', 'ps=/x'], 'kill_session acts on the live server: it cannot replay --input captures.'],
  ])('%j is refused, and nothing is signalled', async (args, message) => {
    const rt = server(args);
    const { code, result } = await call(rt);
    expect([code, result.status, result.errors, rt.signals]).toEqual([1, 0, [message], []]);
  });

  it('says so when the process is not the caller\'s to signal', async () => {
    const rt = server(['--user=ftpvirt', 'login=24530'], {
      kill: () => {
        throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
      },
    });
    const { code, result } = await call(rt);
    expect([code, result.errors]).toEqual([1, ['The session could not be ended: 24530: not permitted (the process is not yours)']]);
  });

  it.each([
    ['{"__proto__": "24393"}', '__proto__'],
    ['{"login": ""}', ''],
    ['{"constructor": {"x": 1}}', ''],
  ])('--input=json %s is refused too, and nothing is signalled', async (stdin, key) => {
    const rt = server(['--user=alice', '--input=json'], { stdin });
    const code = await run('uapi', rt);
    expect([code, rt.signals]).not.toEqual([0, expect.anything()]);
    expect(rt.signals).toEqual([]);
    if (key !== '') expect(JSON.parse(rt.out).result.errors[0]).toContain(key);
  });

  it('a non-root account ends its own sessions without --user', async () => {
    const rt = server([], { uid: 1002 });
    const { code, result } = await call(rt);
    expect([code, result.data]).toEqual([0, { login: 'all', ended: [24462, 24530, 25808] }]);
  });
});
