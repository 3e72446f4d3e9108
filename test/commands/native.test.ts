// The native front in-process (`ftpsessions list|count|kill`, the action
// API with no command), on a runtime whose /proc and pure-ftpwho are the
// lab's pure-ftpd captures (test/fixtures/pure-ftpd/02-tricky.*).
import { describe, expect, it } from 'vitest';
import { load as loadYaml } from 'js-yaml';
import { COMMANDS } from '../../src/commands/table.js';
import { NATIVE_KEYS } from '../../src/model/native.js';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture, ok, procFromPs, type TestRuntimeOptions } from '../helpers/runtime.js';

const PS = fixture('pure-ftpd/02-tricky.ps.txt');
const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');
const ALICE = [24393, 24498, 24514, 24563, 24579, 25679, 25695, 25711, 25727, 25744, 25760, 25776, 25792, 25832, 25848];

/** A process that ends on TERM: its /proc entry goes. */
const diesOnTerm: NonNullable<TestRuntimeOptions['kill']> = (pid, _signal, files) => {
  for (const path of Object.keys(files)) if (path.startsWith(`/proc/${pid}/`)) delete files[path];
};

function server(argv: string[], options: Partial<TestRuntimeOptions> = {}) {
  return createTestRuntime({ programs: { '/usr/sbin/pure-ftpwho': ok(WHO) }, files: procFromPs(PS), kill: diesOnTerm, argv, ...options });
}

async function native(argv: string[], options: Partial<TestRuntimeOptions> = {}) {
  const rt = server(argv, options);
  const code = await run('action', rt);
  return { code, out: rt.out, err: rt.err, rt };
}

async function rows(argv: string[], options: Partial<TestRuntimeOptions> = {}) {
  const r = await native([...argv, '--output', 'json'], options);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Array<Record<string, unknown>>;
}

describe('ftpsessions list', () => {
  it("as root: every account's sessions, each with its account, sorted by account then pid, every key in order", async () => {
    const list = await rows(['list']);
    for (const row of list) expect(Object.keys(row)).toEqual([...NATIVE_KEYS]);
    const accounts = list.map((r) => r.account);
    expect(new Set(accounts)).toEqual(new Set(['alice', 'ftpvirt', 'charlotte-longname', 'ftp']));
    expect(list.filter((r) => r.account === 'alice').map((r) => r.pid)).toEqual(ALICE);
    const keys = list.map((r) => `${r.account}\u0000${String(r.pid).padStart(10, '0')}`);
    expect(keys).toEqual([...keys].sort());
    expect(list.every((r) => r.state !== 'AUTH')).toBe(true);
  });

  it('as an account: its own sessions only; --user may name only itself', async () => {
    const list = await rows(['list'], { uid: 1001 });
    expect(list.map((r) => r.pid)).toEqual(ALICE);
    expect(new Set(list.map((r) => r.account))).toEqual(new Set(['alice']));
    const other = await native(['list', '--user', 'ftpvirt'], { uid: 1001 });
    expect([other.code, other.out]).toEqual([1, '']);
    expect(other.err).toMatch(/^ftpsessions: You are “alice”: only root may list the sessions of “ftpvirt”\.\n$/);
  });

  it('--user narrows (repeatable); an unknown account is a one-line failure', async () => {
    const list = await rows(['list', '--user', 'ftpvirt', '-u', 'ftp']);
    expect(new Set(list.map((r) => r.account))).toEqual(new Set(['ftpvirt', 'ftp']));
    const bad = await native(['list', '--user', 'nosuch']);
    expect([bad.code, bad.out, bad.err]).toEqual([1, '', 'ftpsessions: The user “nosuch” does not exist.\n']);
  });

  it('--include-unauthenticated (root): the sessions not logged in, as AUTH, with address and age; never to an account', async () => {
    const list = await rows(['list', '--include-unauthenticated']);
    const auth = list.filter((r) => r.state === 'AUTH');
    expect(auth.length).toBeGreaterThan(0);
    for (const r of auth) {
      expect(r).toMatchObject({ account: null, login: null, file: null });
      expect(r.host).toMatch(/^127\.0\.0\.\d$/);
      expect(r.connected_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect((await rows(['list', '--state', 'auth'])).map((r) => r.pid)).toEqual(auth.map((r) => r.pid));
    const refused = await native(['list', '--include-unauthenticated'], { uid: 1001 });
    expect([refused.code, refused.out]).toEqual([1, '']);
    expect(refused.err).toMatch(/Only root sees the sessions that have not logged in/);
  });

  it('filters: --state, --login, --host, --daemon (case-insensitive, repeatable, comma lists)', async () => {
    const all = await rows(['list']);
    const dl = await rows(['list', '--state', 'dl']);
    expect(dl.map((r) => r.pid)).toEqual(all.filter((r) => r.state === 'DL').map((r) => r.pid));
    const moving = await rows(['list', '--state', 'DL,UL']);
    expect(moving.length).toBe(all.filter((r) => r.state !== 'IDLE').length);
    const bob = await rows(['list', '--login', 'BOB@example.com']);
    expect(bob.length).toBeGreaterThan(0);
    expect(bob.every((r) => r.login === 'bob@example.com')).toBe(true);
    const v6 = await rows(['list', '--host', '::1']);
    expect(v6.map((r) => r.host)).toEqual(all.filter((r) => r.host === '::1').map((r) => r.host));
    expect(await rows(['list', '--daemon', 'vsftpd'])).toEqual([]);
    const bad = await native(['list', '--state', 'BUSY']);
    expect([bad.code, bad.err.split('\n')[0]]).toEqual([2, 'ftpsessions: --state takes IDLE, DL, UL, AUTH, not \'BUSY\'']);
  });

  it('--sort: keys given first (-KEY descending), nulls last, then account and pid; an unknown key is a usage error', async () => {
    const list = await rows(['list', '--sort', '-transferred_bytes']);
    const bytes = list.map((r) => r.transferred_bytes);
    const known = bytes.filter((b) => b !== null) as number[];
    expect(known).toEqual([...known].sort((a, b) => b - a));
    expect(bytes.slice(known.length).every((b) => b === null)).toBe(true);
    const bad = await native(['list', '--sort', 'size']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--sort takes keys of account, pid, .* not 'size'/);
  });

  it('transfer detail from pure-ftpwho: bytes, size, percent, its rate; null where nothing can know', async () => {
    const list = await rows(['list', '--sample', '0']);
    const dl = list.find((r) => r.pid === 24514) as Record<string, unknown>;
    expect(dl).toMatchObject({ state: 'DL', file: 'big.bin', transferred_bytes: 7296 * 1024, size_bytes: 2097152 * 1024, rate_bytes_per_second: 405 * 1024, idle_seconds: 0 });
    expect(dl.percent).toBeCloseTo(0.3, 5);
    const idle = list.find((r) => r.pid === 24393) as Record<string, unknown>;
    expect(idle).toMatchObject({ state: 'IDLE', file: null, transferred_bytes: null, size_bytes: null, percent: null, rate_bytes_per_second: null });
  });

  it('ndjson: one row per line; csv: a header and RFC 4180 quoting; yaml reads back to the JSON', async () => {
    const list = await rows(['list']);
    const nd = await native(['list', '--output', 'ndjson']);
    expect(nd.out.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual(list);
    const csv = await native(['list', '--output', 'csv']);
    const lines = csv.out.split('\n');
    expect(lines[0]).toBe(NATIVE_KEYS.join(','));
    expect(csv.out).toContain(`"quote""s and 'apostrophes'.bin"`);
    expect(lines.length).toBe(list.length + 2);
    const yaml = await native(['list', '--output', 'yaml']);
    expect(yaml.out.startsWith('---\n')).toBe(true);
    expect(loadYaml(yaml.out)).toEqual(list);
  });

  it('the default output: json off a terminal, a table on one (that fits it)', async () => {
    const off = await native(['list']);
    expect(() => JSON.parse(off.out)).not.toThrow();
    for (const columns of [200, 100, 80, 60]) {
      const on = await native(['list'], { isTTY: true, columns, env: { LANG: 'C.UTF-8', NO_COLOR: '1' } });
      expect(on.out).toMatch(/PID .* LOGIN .* STATE .* FILE/);
      for (const line of on.out.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
      if (columns === 200) expect(on.out).toMatch(/ACCOUNT .* CONNECTED .* RATE/);
    }
  });

  it('a capture may come on standard input (nothing else reads it here)', async () => {
    const r = await native(['list', '--output', 'json', '--input', 'ps=-'], { stdin: PS });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as unknown[]).length).toBeGreaterThan(0);
  });

  it('a replay is read once: no second reading for rates', async () => {
    const rt = server(['list', '--input', 'ps=/captures/ps.txt', '--sample', '60000'], { files: { '/captures/ps.txt': PS } });
    rt.sleep = async () => {
      throw new Error('a replay was read twice');
    };
    expect(await run('action', rt)).toBe(0);
    expect(JSON.parse(rt.out).length).toBeGreaterThan(0);
  });

  it('--sample measures a rate from two readings of the transfer file position, only for the same process and file', async () => {
    const files = procFromPs(PS);
    files['/proc/24514/fdinfo/5'] = 'pos:\t1000000\nflags:\t0100000\n';
    const links = { '/proc/24514/fd/5': '/home/alice/big.bin', '/proc/24514/fd/0': 'socket:[1]' };
    let clock = Date.parse('2026-11-22T06:06:48Z');
    const rt = server(['list', '--output', 'json', '--sample', '2000', '--collector', 'proc'], { files, links });
    rt.now = () => clock;
    rt.sleep = async (ms) => {
      clock += ms;
      rt.files['/proc/24514/fdinfo/5'] = 'pos:\t1065536\nflags:\t0100000\n';
    };
    expect(await run('action', rt)).toBe(0);
    const row = (JSON.parse(rt.out) as Array<Record<string, unknown>>).find((r) => r.pid === 24514);
    expect(row).toMatchObject({ transferred_bytes: 1065536, rate_bytes_per_second: 32768 });
    // a process that is not the one read first (another start tick) gives no rate
    const again = server(['list', '--output', 'json', '--sample', '2000', '--collector', 'proc'], { files, links });
    again.sleep = async () => {
      again.files['/proc/24514/fdinfo/5'] = 'pos:\t1065536\nflags:\t0100000\n';
      again.files['/proc/24514/stat'] = (again.files['/proc/24514/stat'] as string).replace(/ (\d+) 0 0\n$/, ' 1$1 0 0\n');
    };
    expect(await run('action', again)).toBe(0);
    const other = (JSON.parse(again.out) as Array<Record<string, unknown>>).find((r) => r.pid === 24514);
    expect(other).toMatchObject({ transferred_bytes: 1000000, rate_bytes_per_second: null });
  });
});

describe('ftpsessions count', () => {
  it('per daemon, state, account and client address; the sums agree with list', async () => {
    const list = await rows(['list']);
    const r = await native(['count', '--output', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.total).toBe(list.length);
    expect(doc.daemons).toEqual({ 'pure-ftpd': list.length });
    expect(doc.states.IDLE + doc.states.DL + doc.states.UL).toBe(list.length);
    expect(Object.values(doc.accounts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(list.length);
    expect(doc.accounts.alice).toBe(ALICE.length);
    expect(Object.values(doc.hosts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(list.length);
    // root's count of the sessions not logged in: AUTH, the same ones list shows, and nobody's account
    const auth = (await rows(['list', '--include-unauthenticated'])).filter((x) => x.state === 'AUTH').length;
    const withAuth = JSON.parse((await native(['count', '--output', 'json', '--include-unauthenticated'])).out);
    expect(auth).toBeGreaterThan(0);
    expect([withAuth.states.AUTH, withAuth.total]).toEqual([auth, list.length + auth]);
    expect(Object.values(withAuth.accounts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(list.length);
    expect(doc.states.AUTH).toBeUndefined();
    const csv = await native(['count', '--output', 'csv']);
    expect(csv.out.split('\n')[0]).toBe('group,key,value');
    expect(csv.out).toContain('accounts,alice,15\n');
  });
});

describe('ftpsessions kill', () => {
  it('needs a selector; off a terminal it needs --yes (or --dry-run); replays are refused', async () => {
    for (const [argv, message] of [
      [['kill'], 'say which sessions'],
      [['kill', '--login', 'alice'], 'add --yes'],
      [['kill', '--all', '--pid', '1'], 'does not go with'],
      [['kill', '--pid', 'x', '--yes'], "--pid takes a process id, not 'x'"],
    ] as const) {
      const r = await native([...argv]);
      expect([r.code, r.out, r.rt.signals]).toEqual([2, '', []]);
      expect(r.err).toContain(message);
    }
  });

  it('--dry-run lists what matches and ends nothing', async () => {
    const r = await native(['kill', '--login', 'alice', '--dry-run', '--output', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ matched: ALICE, ended: [], gone: [], not_ended: [], dry_run: true });
    expect(r.rt.signals).toEqual([]);
  });

  it("--login NAME --yes ends exactly that login's sessions", async () => {
    const r = await native(['kill', '--login', 'bob@example.com', '--yes', '--output', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    const bob = (await rows(['list', '--login', 'bob@example.com'])).map((x) => x.pid);
    expect(doc).toEqual({ matched: bob, ended: bob, gone: [], not_ended: [], dry_run: false });
    expect(r.rt.signals.map(([pid]) => pid).sort()).toEqual([...bob].sort());
  });

  it('as an account: only its own, whatever it names', async () => {
    const r = await native(['kill', '--all', '--yes', '--output', 'json'], { uid: 1002 });
    const doc = JSON.parse(r.out);
    expect(r.code).toBe(0);
    expect(doc.ended.length).toBeGreaterThan(0);
    expect(doc.ended.some((pid: number) => ALICE.includes(pid))).toBe(false);
    const none = await native(['kill', '--pid', String(ALICE[0]), '--yes', '--output', 'json'], { uid: 1002 });
    expect([none.code, none.rt.signals]).toEqual([1, []]);
    expect(none.err).toBe('ftpsessions: no session matched: nothing was ended\n');
  });

  it('on a terminal it lists the sessions and asks: anything but y ends nothing', async () => {
    const no = await native(['kill', '--host', '::1', '--output', 'json'], { stdinIsTTY: true, answers: ['n'] });
    expect([no.code, no.rt.signals]).toEqual([1, []]);
    expect(no.err).toMatch(/End 2 sessions \(24498 alice from ::1, 24563 alice from ::1\)\? \[y\/N\] /);
    const eof = await native(['kill', '--host', '::1'], { stdinIsTTY: true, answers: [] });
    expect([eof.code, eof.rt.signals]).toEqual([1, []]);
    const yes = await native(['kill', '--host', '::1', '--output', 'json'], { stdinIsTTY: true, answers: ['y'] });
    expect(yes.code).toBe(0);
    expect(JSON.parse(yes.out).ended).toEqual([24498, 24563]);
  });

  it('a session that cannot be ended is a failure (exit 1), named', async () => {
    const r = await native(['kill', '--pid', '24514', '--yes', '--output', 'json'], {
      kill: () => {
        throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
      },
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).not_ended).toEqual([{ pid: 24514, reason: 'not permitted (the process is not yours)' }]);
    expect(r.err).toContain('not ended: 24514');
  });
});

describe('the front door', () => {
  it('with no command and a request on stdin: the JSON action API, as before', async () => {
    const r = await native(['--user=alice'], { stdin: '{"action":"listSessions","requestId":7}' });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requestId).toBe(7);
    expect(doc.result.sessions.map((s: { pid: number }) => s.pid)).toEqual(ALICE);
    const explicit = await native(['action', '--user=alice'], { stdin: '{"action":"listSessions","requestId":7}' });
    expect(explicit.out).toBe(r.out);
  });

  it('no command on a terminal, an unknown command: usage errors (exit 2), one line and a pointer', async () => {
    const none = await native([], { stdinIsTTY: true });
    expect([none.code, none.out]).toEqual([2, '']);
    const names = [...Object.keys(COMMANDS), 'action'].join(', ');
    expect(names.startsWith('list, count, kill, top, watch, ')).toBe(true);
    expect(none.err.split('\n')[0]).toBe(`ftpsessions: missing command: one of ${names} (or a JSON action request on standard input)`);
    const typo = await native(['lsit']);
    expect(typo.code).toBe(2);
    expect(typo.err.split('\n')[0]).toBe(`ftpsessions: unknown command 'lsit' (Did you mean list?); the commands are ${names}`);
  });

  it('options may come before the command; --help per command; help COMMAND', async () => {
    expect((await rows(['--user', 'ftpvirt', 'list'])).every((r) => r.account === 'ftpvirt')).toBe(true);
    const help = await native(['list', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: ftpsessions list [options]');
    expect((await native(['help', 'list'])).out).toBe(help.out);
    expect((await native(['--help'])).out).toContain('Commands:');
  });

  it('a non-root caller may not point the tool at other files', async () => {
    const r = await native(['list', '--userdomains', '/tmp/mine'], { uid: 1001 });
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/--userdomains: only root may point ftpsessions at other files/);
  });
});
