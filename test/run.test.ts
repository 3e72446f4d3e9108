// The whole pipeline in-process: argv -> stdout/stderr/exit code, with a
// runtime whose programs and files are the lab's captures.
import { describe, expect, it } from 'vitest';
import { PS_ARGS } from '../src/collectors/ps/index.js';
import { PURE_FTPWHO_ARGS } from '../src/collectors/pure-ftpwho/index.js';
import { run } from '../src/run.js';
import { createTestRuntime, fixture, ok, procFromPs, type TestRuntimeOptions } from './helpers/runtime.js';

const PS = fixture('pure-ftpd/02-tricky.ps.txt');
const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');

/** A machine with the lab's pure-ftpd sessions: ps and pure-ftpwho installed, their /proc readable. */
function server(options: Partial<TestRuntimeOptions> & { argv: string[]; noProc?: boolean }) {
  const { noProc, ...rest } = options;
  return createTestRuntime({
    programs: { '/usr/bin/ps': ok(PS), '/usr/sbin/pure-ftpwho': ok(WHO) },
    files: noProc ? procStatus(PS) : procFromPs(PS),
    ...rest,
  });
}

/** /proc/PID/status for every process of a ps capture, with its uid. */
function procStatus(ps: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const line of ps.split('\n')) {
    const m = /^ *(\d+) +\d+ +(\d+) /.exec(line);
    if (m) files[`/proc/${m[1]}/status`] = `Name:\tx\nUid:\t${m[2]}\t${m[2]}\t${m[2]}\t${m[2]}\n`;
  }
  return files;
}

async function json(rt: ReturnType<typeof createTestRuntime>, dialect: 'api2' | 'uapi' = 'uapi') {
  const code = await run(dialect, rt);
  return { code, doc: rt.out === '' ? undefined : JSON.parse(rt.out), err: rt.err };
}

describe('live path (auto): /proc merged with pure-ftpwho by pid, as root', () => {
  it('reads /proc in-process and runs pure-ftpwho by absolute path, with an argv array, C locale and a timeout', async () => {
    const rt = server({ argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(0);
    expect(rt.calls.map((c) => [c.file, c.args])).toEqual([['/usr/sbin/pure-ftpwho', PURE_FTPWHO_ARGS]]);
    for (const c of rt.calls) expect(c.options).toMatchObject({ env: { LC_ALL: 'C' }, timeoutMs: expect.any(Number) });
  });

  it('falls back to ps where /proc cannot be read (an account: its own uid\'s processes)', async () => {
    const rt = server({ noProc: true, uid: 1001, argv: ['--output=json', 'Ftp', 'list_sessions'] });
    const { code, doc } = await json(rt);
    expect(code).toBe(0);
    expect(rt.calls.map((c) => [c.file, c.args])).toEqual([['/usr/bin/ps', PS_ARGS]]);
    const viaProc = await json(server({ uid: 1001, argv: ['--output=json', 'Ftp', 'list_sessions'] }));
    expect(doc.result.data).toEqual(viaProc.doc.result.data);
    expect(doc.result.data.length).toBeGreaterThan(0);
  });

  it('as root, where /proc cannot be read, shows nothing it cannot check, and says why', async () => {
    const rt = server({ noProc: true, argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] });
    const { code, doc } = await json(rt);
    expect(code).toBe(1);
    expect(doc.result.errors).toEqual([
      'as root, each session is checked in /proc (its program and the daemon it descends from), and /proc cannot be read here',
    ]);
  });

  it('runs no daemon list for a daemon that has no sessions', async () => {
    const rt = server({ argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'], files: procFromPs(fixture('pure-ftpd/00-no-sessions.ps.txt')) });
    const { code, doc } = await json(rt);
    expect([code, doc.result.data, rt.calls]).toEqual([0, [], []]);
  });

  it('runs the sources in the caller\'s time zone, which is the one their times are read back in', async () => {
    const rt = server({ env: { TZ: 'Asia/Kolkata', HOME: '/root' }, argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] });
    await run('uapi', rt);
    for (const c of rt.calls) expect(c.options.env).toEqual({ LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TZ: 'Asia/Kolkata' });
  });

  it('reports alice her own sessions with login names, hosts and files, sorted by pid', async () => {
    const { code, doc } = await json(server({ argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] }));
    expect(code).toBe(0);
    const rows = doc.result.data as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.pid)).toEqual([24393, 24498, 24514, 24563, 24579, 25679, 25695, 25711, 25727, 25744, 25760, 25776, 25792, 25832, 25848]);
    expect(rows.find((r) => r.pid === 25848)).toEqual({
      cmdline: 'pure-ftpd (UPLOAD)',
      file: 'incoming/über upload|x.bin',
      host: '127.0.0.1',
      login: 'Sun Nov 22 06:06:42 2026',
      pid: 25848,
      status: 'UL',
      user: 'alice',
    });
    expect(doc.result.warnings).toBeNull();
  });

  it('shows a virtual user under the uid it maps to, by its FTP login name', async () => {
    const { doc } = await json(server({ argv: ['--user=ftpvirt', '--output=json', 'Ftp', 'list_sessions'] }));
    expect(doc.result.data.map((r: { user: string; pid: number }) => [r.pid, r.user])).toEqual([
      [24462, 'bob@example.com'],
      [24530, 'bob@example.com'],
      [25808, 'bob@example.com'],
    ]);
  });

  it.each(['proftpd', 'vsftpd'])('never shows a session that has not logged in (%s runs them as nobody)', async (daemon) => {
    const ps = fixture(`${daemon}/02-tricky.ps.txt`);
    expect(ps).toMatch(/^ *\d+ +\d+ +65534 +nobody .*(USER alice|not logged in)$/m);
    const { doc } = await json(server({ argv: ['--user=nobody', '--output=json', 'Ftp', 'list_sessions'], programs: { '/usr/bin/ps': ok(ps) } }));
    expect(doc.result.data).toEqual([]);
  });

  it('falls back to ps alone when pure-ftpwho fails, and says so', async () => {
    const rt = server({ argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] });
    (rt as { exec: typeof rt.exec }).exec = async () => ({ exitCode: null, stdout: '', stderr: '', timedOut: true });
    const { code, doc } = await json(rt);
    expect(code).toBe(0);
    expect(doc.result.data).toHaveLength(15);
    expect(doc.result.data[0].host).toBe('');
    expect(doc.result.warnings).toEqual([
      'No FTP login name (user is the system account) for 15 sessions, no client host for 15 sessions, no file name for 9 sessions: /usr/sbin/pure-ftpwho did not answer within 10 s.',
    ]);
  });
});

describe('as an account (not root)', () => {
  it('sees its own sessions from /proc without --user, with a warning that pure-ftpwho needs root', async () => {
    const rt = server({ uid: 1001, argv: ['--output=json', 'Ftp', 'list_sessions'] });
    const { code, doc } = await json(rt);
    expect(code).toBe(0);
    expect(rt.calls).toEqual([]);
    expect(doc.result.data).toHaveLength(15);
    expect(doc.result.data.every((r: { user: string }) => r.user === 'alice')).toBe(true);
    expect(doc.result.warnings).toEqual([
      'No FTP login name (user is the system account) for 15 sessions, no client host for 15 sessions, no file name for 9 sessions: pure-ftpwho needs root.',
    ]);
  });

  it('may name itself with --user', async () => {
    expect((await json(server({ uid: 1001, argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] }))).code).toBe(0);
  });

  it('is refused any other account, with a failure envelope', async () => {
    const { code, doc } = await json(server({ uid: 1001, argv: ['--user=ftpvirt', '--output=json', 'Ftp', 'list_sessions'] }));
    expect(code).toBe(1);
    expect(doc).toEqual({
      apiversion: 3,
      func: 'list_sessions',
      module: 'Ftp',
      result: {
        data: null,
        errors: ['You are “alice”: only root may list the sessions of “ftpvirt”.'],
        messages: null,
        metadata: {},
        status: 0,
        warnings: null,
      },
    });
  });

  it('cannot use pure-ftpwho alone', async () => {
    const { code, doc } = await json(server({ uid: 1001, argv: ['--collector=pure-ftpwho', '--output=json', 'Ftp', 'list_sessions'] }));
    expect(code).toBe(1);
    expect(doc.result.errors).toEqual(['pure-ftpwho needs root']);
  });
});

describe('collector choices', () => {
  it('ps: system users, no host or file, no pure-ftpwho run', async () => {
    const rt = server({ argv: ['--user=ftpvirt', '--collector=ps', '--output=json', 'Ftp', 'list_sessions'] });
    const { doc } = await json(rt);
    expect(rt.calls.map((c) => c.file)).toEqual(['/usr/bin/ps']);
    expect(doc.result.data.map((r: { user: string; host: string; file: string }) => [r.user, r.host, r.file])).toEqual([
      ['ftpvirt', '', ''],
      ['ftpvirt', '', ''],
      ['ftpvirt', '', ''],
    ]);
    expect(doc.result.warnings).toEqual([
      'No FTP login name (user is the system account) for 3 sessions, no client host for 3 sessions, no file name for 2 sessions: ps cannot tell.',
    ]);
  });

  it('pure-ftpwho: scopes by the uid of each process in /proc; a vanished process is left out', async () => {
    const rt = server({ argv: ['--user=ftpvirt', '--collector=pure-ftpwho', '--output=json', 'Ftp', 'list_sessions'] });
    const { doc } = await json(rt);
    expect(rt.calls.map((c) => c.file)).toEqual(['/usr/sbin/pure-ftpwho']);
    expect(doc.result.data.map((r: { pid: number }) => r.pid)).toEqual([24462, 24530, 25808]);

    const files = procFromPs(PS);
    delete files['/proc/24530/status'];
    const gone = await json(createTestRuntime({ ...{ programs: { '/usr/sbin/pure-ftpwho': ok(WHO) } }, files, argv: ['--user=ftpvirt', '--collector=pure-ftpwho', '--output=json', 'Ftp', 'list_sessions'] }));
    expect(gone.doc.result.data.map((r: { pid: number }) => r.pid)).toEqual([24462, 25808]);
  });
});

describe('replay (--input)', () => {
  it('runs nothing and gives what the live path gives', async () => {
    const live = server({ argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'] });
    await run('uapi', live);
    const replay = createTestRuntime({
      files: { '/cap/ps': PS, '/cap/who': WHO },
      argv: ['--user=alice', '--output=json', '--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who', 'Ftp', 'list_sessions'],
    });
    expect(await run('uapi', replay)).toBe(0);
    expect(replay.calls).toEqual([]);
    expect(replay.out).toBe(live.out);
  });

  it('reads a capture from standard input', async () => {
    const rt = createTestRuntime({ stdin: PS, argv: ['--user=alice', '--output=json', '--collector=ps', '--input', 'ps=-', 'Ftp', 'list_sessions'] });
    const { code, doc } = await json(rt);
    expect(code).toBe(0);
    expect(doc.result.data).toHaveLength(15);
  });

  it('scopes a pure-ftpwho capture without ps by login name', async () => {
    const rt = createTestRuntime({ files: { '/cap/who': WHO }, argv: ['--user=alice', '--output=json', '--input', 'pure-ftpwho=/cap/who', 'Ftp', 'list_sessions'] });
    const { code, doc } = await json(rt);
    expect(code).toBe(0);
    expect(doc.result.data.map((r: { user: string }) => r.user)).toEqual(Array(15).fill('alice'));
    // its login time is the capture's "seconds ago" counted back from now
    expect(doc.result.data[0]).toMatchObject({ pid: 24393, login: 'Sun Nov 22 06:06:28 2026' });
  });

  it('with ps alone, warns that pure-ftpwho was not given', async () => {
    const rt = createTestRuntime({ files: { '/cap/ps': PS }, argv: ['--user=alice', '--output=json', '--input', 'ps=/cap/ps', 'Ftp', 'list_sessions'] });
    const { doc } = await json(rt);
    expect(doc.result.warnings).toEqual([
      'No FTP login name (user is the system account) for 15 sessions, no client host for 15 sessions, no file name for 9 sessions: pure-ftpwho was not given with --input.',
    ]);
  });
});

describe('failures keep the envelope (exit 1)', () => {
  it.each([
    [{ argv: ['--user=zed', '--output=json', 'Ftp', 'list_sessions'] }, 'The user “zed” does not exist.'],
    [{ argv: ['--user=-rf', '--output=json', 'Ftp', 'list_sessions'] }, 'The user “-rf” does not exist.'],
    [{ argv: ['--user=root', '--output=json', 'Ftp', 'list_sessions'] }, 'The user “root” is the superuser, not an account with FTP sessions.'],
    [{ argv: ['--user=alice', '--output=json', 'Nope', 'list_sessions'] }, 'Failed to load module “Nope”: no such module.'],
    [{ argv: ['--user=alice', '--output=json', 'ftp', 'list_sessions'] }, 'Failed to load module “ftp”: no such module.'],
    [{ argv: ['--user=alice', '--output=json', 'Ftp', '_private'] }, 'Illegal function name: _private'],
    [{ argv: ['--user=alice', '--output=json', 'Ftp', 'a-b'] }, 'Illegal function name: a-b'],
    [{ argv: ['--user=alice', '--output=json', 'Ftp', 'kill_all'] }, 'The system could not find the function “kill_all” in the module “Ftp”.'],
    [{ argv: ['--user=alice', '--output=json', 'Ftp', 'listftpsessions'] }, 'The system could not find the function “listftpsessions” in the module “Ftp”.'],
    [{ argv: ['--user=alice', '--output=json', 'Ftp', 'constructor'] }, 'The system could not find the function “constructor” in the module “Ftp”.'],
    [{ argv: ['--user=alice', '--output=json', '--input', 'ps=/missing', 'Ftp', 'list_sessions'] }, 'cannot read --input ps=/missing: no such file'],
    [{ argv: ['--user=alice', '--output=json', '--collector=ps', '--input', 'pure-ftpwho=/cap/who', 'Ftp', 'list_sessions'], files: { '/cap/who': WHO } }, 'ps was not given with --input'],
    [{ argv: ['--user=alice', '--output=json', '--input', 'ps=/cap/ps', 'Ftp', 'list_sessions'], files: { '/cap/ps': 'this is not ps\noutput at all\n' } }, '--input ps gave nothing that looks like ps output'],
    [{ argv: ['--user=alice', '--output=json', 'Ftp', 'list_sessions'], programs: {}, noProc: true }, 'no session source could be read: proc: proc gave nothing that looks like proc output; ps: ps is not installed (looked for /usr/bin/ps, /bin/ps); pure-ftpwho: pure-ftpwho is not installed (looked for /usr/sbin/pure-ftpwho, /usr/bin/pure-ftpwho, /usr/local/sbin/pure-ftpwho); ftpwho: ftpwho is not installed (looked for /usr/bin/ftpwho, /usr/local/bin/ftpwho, /usr/sbin/ftpwho)'],
    [{ argv: ['--user=alice', '--output=json', '--collector=ps', 'Ftp', 'list_sessions'], programs: { '/bin/ps': { exitCode: 1, stdout: '', stderr: 'error: garbage option\n\nUsage:\n', timedOut: false } } }, '/bin/ps exited with status 1: error: garbage option'],
    [{ argv: ['--user=alice', '--output=json', '--collector=ps', 'Ftp', 'list_sessions'], programs: { '/bin/ps': { exitCode: null, stdout: '', stderr: '', timedOut: true } } }, '/bin/ps did not answer within 10 s'],
    [{ argv: ['--user=alice', '--output=json', '--collector=ps', 'Ftp', 'list_sessions'], programs: { '/bin/ps': { exitCode: null, stdout: '', stderr: '', timedOut: false, spawnError: 'EACCES' } } }, 'cannot run /bin/ps: EACCES'],
    [{ argv: ['--user=alice', '--output=json', '--collector=ps', 'Ftp', 'list_sessions'], programs: { '/bin/ps': { exitCode: null, stdout: '', stderr: '', timedOut: false } } }, '/bin/ps was killed'],
  ])('%j', async (options, message) => {
    const rt = server(options as TestRuntimeOptions);
    const { code, doc, err } = await json(rt);
    expect(code).toBe(1);
    expect(doc.result).toMatchObject({ status: 0, data: null, errors: [message] });
    expect(err).toBe('');
  });

  it('API 2 says it in error, data and event', async () => {
    const { code, doc } = await json(server({ argv: ['--user=zed', '--output=json', 'Ftp', 'listftpsessions'] }), 'api2');
    expect(code).toBe(1);
    const reason = 'The user “zed” does not exist.';
    expect(doc).toEqual({
      cpanelresult: { apiversion: 2, func: 'listftpsessions', module: 'Ftp', error: reason, data: { result: 0, reason }, event: { result: 0, reason } },
    });
  });

  it('the table says it on stderr', async () => {
    const rt = server({ argv: ['--user=zed', '--output=table', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(1);
    expect(rt.out).toBe('');
    expect(rt.err).toBe('uapi: The user “zed” does not exist.\n');
  });
});

describe('usage errors (exit 2): one line and a pointer to --help, nothing on stdout', () => {
  it.each([
    [['Ftp', 'list_sessions'], 'uapi: --user is required when running as root'],
    [['--output=csv', 'Ftp', 'list_sessions'], "uapi: --output must be one of yaml, json, jsonpretty, xml, table, not 'csv'"],
    [['--frobnicate'], "uapi: unknown option '--frobnicate'"],
  ])('%j', async (argv, line) => {
    const rt = server({ argv });
    expect(await run('uapi', rt)).toBe(2);
    expect(rt.out).toBe('');
    expect(rt.err).toBe(`${line}\nTry 'uapi --help' for more information.\n`);
  });
});

describe('warnings', () => {
  const broken = `${PS}this line is not ps output\n`;
  it('UAPI carries them in result.warnings', async () => {
    const { code, doc, err } = await json(server({ argv: ['--user=alice', '--collector=ps', '--output=json', 'Ftp', 'list_sessions'], programs: { '/usr/bin/ps': ok(broken) } }));
    expect(code).toBe(0);
    expect(doc.result.data).toHaveLength(15);
    expect(doc.result.warnings[0]).toBe(`ps: skipped a line that could not be parsed (line ${broken.split('\n').length - 1})`);
    expect(err).toBe('');
  });
  it('API 2 has no place for them: stderr', async () => {
    const rt = server({ argv: ['--user=alice', '--collector=ps', '--output=json', 'Ftp', 'listftpsessions'], programs: { '/usr/bin/ps': ok(broken) } });
    expect(await run('api2', rt)).toBe(0);
    expect(rt.err).toMatch(/^cpapi2: warning: ps: skipped a line that could not be parsed \(line \d+\)\ncpapi2: warning: No FTP login name .*: ps cannot tell\.\n$/);
  });
});

describe('internal errors (exit 70)', () => {
  const explode = (options: Partial<TestRuntimeOptions>) => {
    const rt = server({ argv: ['--user=alice', 'Ftp', 'list_sessions'], ...options });
    (rt as { exec: typeof rt.exec }).exec = async () => {
      throw new TypeError('boom\nsecond line');
    };
    return rt;
  };
  it('one line on stderr, no stack, nothing on stdout', async () => {
    const rt = explode({});
    expect(await run('uapi', rt)).toBe(70);
    expect(rt.out).toBe('');
    expect(rt.err).toBe('uapi: internal error: boom second line (run with --debug for details)\n');
  });
  it('the stack with --debug', async () => {
    const rt = explode({ argv: ['--debug', '--user=alice', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(70);
    expect(rt.err).toMatch(/^uapi: internal error: boom second line\nTypeError: boom\n[\s\S]*at /);
  });
});

describe('--help and --version', () => {
  it('print on stdout and succeed', async () => {
    const help = server({ argv: ['--help'] });
    expect(await run('uapi', help)).toBe(0);
    expect(help.out).toMatch(/^Usage: uapi /);
    const version = server({ argv: ['--version'] });
    expect(await run('api2', version)).toBe(0);
    expect(version.out).toBe('0.1.0\n');
    expect(help.err + version.err).toBe('');
  });
});
