// The completion fast path in-process (`ftpsessions __complete CWORD --
// WORDS...`, as the scripts call it), on a runtime whose /proc and
// pure-ftpwho are the lab's pure-ftpd captures (test/fixtures/pure-ftpd/02-tricky.*).
import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, COLLECTOR_CHOICES } from '../../src/cli/invocation.js';
import { COMMANDS } from '../../src/commands/table.js';
import { functionsOf } from '../../src/dispatch/table.js';
import { NATIVE_KEYS } from '../../src/model/native.js';
import { FILTER_TYPES } from '../../src/postprocess/primitives.js';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture, ok, procFromPs, type TestRuntimeOptions } from '../helpers/runtime.js';

const PS = fixture('pure-ftpd/02-tricky.ps.txt');
const WHO = fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt');
const ALICE = [24393, 24498, 24514, 24563, 24579, 25679, 25695, 25711, 25727, 25744, 25760, 25776, 25792, 25832, 25848];

/** `__complete` for the words typed so far, the last one the word under the cursor: its answer's lines. */
async function complete(words: string[], options: Partial<TestRuntimeOptions> = {}) {
  const rt = createTestRuntime({ programs: { '/usr/sbin/pure-ftpwho': ok(WHO) }, files: procFromPs(PS), argv: ['__complete', String(words.length - 1), '--', ...words], ...options });
  const code = await run('action', rt);
  expect(rt.err).toBe('');
  expect(code).toBe(0);
  const [head, ...lines] = rt.out.split('\n').slice(0, -1);
  return { head, lines, values: lines.map((l) => l.split('\t')[0] as string), descriptions: lines.map((l) => l.split('\t')[1]), rt };
}

describe('static candidates, from the parsers and the tables', () => {
  it("options: the dialect's, as its parser declares them (long forms; short ones after a single dash)", async () => {
    const uapi = await complete(['uapi', '--']);
    expect(uapi.head).toBe('words');
    expect(uapi.values).toEqual(expect.arrayContaining(['--output', '--user', '--collector', '--input', '--extended', '--no-color', '--help']));
    expect(uapi.values.every((v) => v.startsWith('--'))).toBe(true);
    expect((await complete(['cpapi2', '-'])).values).toEqual(expect.arrayContaining(['-u', '-V', '-h', '--user']));
    expect((await complete(['uapi', '--col'])).values).toEqual(['--collector', '--color']);
    // the action dialect has no --output; ftpsessions before a command offers only --help and --version
    expect((await complete(['ftpsessions', '--'])).values).toEqual(['--version', '--help']);
  });

  it('option values: --output per dialect and per command, --collector, --input sources, comma lists', async () => {
    expect((await complete(['uapi', '--output', ''])).values).toEqual([...OUTPUT_FORMATS]);
    expect((await complete(['uapi', '--output=j'])).values).toEqual(['--output=json', '--output=jsonpretty']);
    expect((await complete(['ftpsessions', 'kill', '--output', ''])).values).toEqual([...(COMMANDS.kill?.formats ?? [])]);
    expect((await complete(['ftpsessions', 'watch', '--output', ''])).values).toEqual([...(COMMANDS.watch?.formats ?? [])]);
    expect((await complete(['cpapi2', '--collector', ''])).values).toEqual([...COLLECTOR_CHOICES]);
    expect((await complete(['uapi', '--input', ''])).values).toEqual(['proc=', 'ps=', 'pure-ftpwho=', 'ftpwho=', 'json']);
    expect((await complete(['ftpsessions', 'list', '--input', ''])).values).toEqual(['proc=', 'ps=', 'pure-ftpwho=', 'ftpwho=']);
    expect(await complete(['ftpsessions', 'list', '--input', 'ps=/tm'])).toMatchObject({ head: 'files\tps=', lines: [] });
    expect(await complete(['uapi', '--input=proc=/tm'])).toMatchObject({ head: 'dirs\t--input=proc=', lines: [] });
    expect((await complete(['ftpsessions', 'list', '--state', 'DL,'])).values).toEqual(['DL,IDLE', 'DL,UL', 'DL,AUTH']);
    expect((await complete(['ftpsessions', 'count', '--daemon=p'])).values).toEqual(['--daemon=pure-ftpd', '--daemon=proftpd']);
    expect((await complete(['ftpsessions', 'list', '--sort', 'pid,-'])).values).toEqual(NATIVE_KEYS.filter((k) => k !== 'pid').map((k) => `pid,-${k}`));
    expect((await complete(['ftpsessions', 'serve', '--tokens', ''])).head).toBe('files\t');
    expect((await complete(['ftpsessions', 'metrics', '--textfile', ''])).head).toBe('dirs\t');
    expect((await complete(['ftpsessions', 'check', '-w', ''])).values).toEqual([]);
  });

  it("modules, the dialect's functions, their key= arguments and values", async () => {
    expect((await complete(['uapi', ''])).values).toEqual(['Ftp']);
    expect((await complete(['uapi', '--output', 'json', 'Ftp', ''])).values).toEqual(functionsOf('uapi').map((f) => f.func));
    expect((await complete(['cpapi2', 'Ftp', ''])).values).toEqual(['listftpsessions']);
    const keys = (await complete(['uapi', 'Ftp', 'list_sessions', 'api.filter_column=pid', 'api.columns_1=pid', ''])).values;
    expect(keys).toContain('api.filter_type=');
    expect(keys).not.toContain('api.filter_column=');
    expect(keys).toContain('api.columns_2=');
    expect((await complete(['cpapi2', 'Ftp', 'listftpsessions', 'api2_columns_a=pid', 'api2_c'])).values).toEqual(['api2_columns=', 'api2_columns_b=']);
    expect((await complete(['uapi', 'Ftp', 'list_sessions', 'api.filter_type='])).values).toEqual(FILTER_TYPES.map((t) => `api.filter_type=${t}`));
    expect((await complete(['uapi', 'Ftp', 'list_sessions', 'api.sort_column=f'])).values).toEqual(['api.sort_column=file']);
    expect((await complete(['uapi', '--extended', 'Ftp', 'list_sessions', 'api.sort_column=pe'])).values).toEqual(['api.sort_column=percent']);
    expect((await complete(['uapi', 'Ftp', 'get_ftp_daemon_info', ''])).values).toEqual([]);
    expect((await complete(['uapi', 'Ftp', 'kill_session', ''])).values).toEqual(['login=']);
  });

  it('native commands, their arguments, help topics; completion itself', async () => {
    const commands = await complete(['ftpsessions', '']);
    expect(commands.values).toEqual([...Object.keys(COMMANDS), 'action', 'help']);
    expect(commands.values).toContain('completion');
    expect((await complete(['ftpsessions', 'token', ''])).values).toEqual(['create', 'list', 'revoke']);
    expect((await complete(['ftpsessions', 'completion', ''])).values).toEqual(['bash', 'zsh', 'fish']);
    expect((await complete(['ftpsessions', 'completion', 'bash', ''])).values).toEqual([]);
    expect((await complete(['ftpsessions', 'help', 'k'])).values).toEqual(['kill']);
    // options before the command take their values: the command is the next word
    expect((await complete(['ftpsessions', '--collector', 'proc', 'l'])).values).toEqual(['list']);
    expect((await complete(['ftpsessions', 'kill', '--d'])).values).toEqual(['--daemon', '--dry-run', '--debug']);
  });

  it('a malformed call is a usage error; nothing of the pipeline runs', async () => {
    const rt = createTestRuntime({ argv: ['__complete', 'x', '--', 'uapi'] });
    expect(await run('action', rt)).toBe(2);
    expect(rt.err).toMatch(/^ftpsessions: __complete takes CWORD -- WORDS/);
    expect(rt.out).toBe('');
  });
});

describe('dynamic candidates: accounts and pids, only what the caller may see', () => {
  it('root, --user: the system accounts with sessions first (most first), then the other accounts', async () => {
    const r = await complete(['uapi', '--user', '']);
    expect(r.values.slice(0, 4).sort()).toEqual(['alice', 'charlotte-longname', 'ftp', 'ftpvirt']);
    expect(r.values[0]).toBe('alice');
    expect(r.descriptions[0]).toBe(`${ALICE.length} FTP sessions`);
    expect(r.values).not.toContain('root');
    expect(r.values).not.toContain('nobody');
  });

  it('root: the pids of every session, after kill --pid and login=; --user on the line narrows them', async () => {
    const all = await complete(['ftpsessions', 'kill', '--pid', '']);
    expect(all.values).toEqual(expect.arrayContaining(ALICE.map(String)));
    expect(all.values.length).toBeGreaterThan(ALICE.length);
    const alice = await complete(['uapi', '--user', 'alice', 'Ftp', 'kill_session', 'login=']);
    expect(alice.values).toEqual(['login=all', ...ALICE.map((p) => `login=${p}`)]);
    expect(alice.descriptions[1]).toBe('alice pure-ftpd IDLE');
    expect((await complete(['ftpsessions', 'kill', '-u', 'alice', '--pid=2439'])).values).toEqual(['--pid=24393']);
  });

  it('the sessions are read the cheapest way (the Tab budget): /proc only, no program run, no daemon list, no ss', async () => {
    for (const words of [['ftpsessions', 'kill', '--pid', ''], ['uapi', '--user', 'alice', 'Ftp', 'kill_session', 'login='], ['uapi', '--user', '']]) {
      const { values, rt } = await complete(words);
      expect(values.length, words.join(' ')).toBeGreaterThan(0);
      expect(rt.calls.map((c) => c.file), words.join(' ')).toEqual([]);
    }
  });

  it('an account: only itself after --user, only its own pids, however the line is written', async () => {
    expect((await complete(['uapi', '--user', ''], { uid: 1001 })).values).toEqual(['alice']);
    expect((await complete(['ftpsessions', 'list', '--user='], { uid: 1001 })).values).toEqual(['--user=alice']);
    expect((await complete(['ftpsessions', 'kill', '--pid', ''], { uid: 1001 })).values).toEqual(ALICE.map(String));
    // naming another account, or root's path options, changes nothing
    const sneaky = await complete(['uapi', '--user', 'ftpvirt', '--ftp-passwd-dir', '/tmp', 'Ftp', 'kill_session', 'login='], { uid: 1001 });
    expect(sneaky.values).toEqual(['login=all', ...ALICE.map((p) => `login=${p}`)]);
    const nobody = await complete(['ftpsessions', 'kill', '--pid', ''], { uid: 65534 });
    expect(nobody.values).toEqual([]);
    expect((await complete(['uapi', '--user', ''], { uid: 65534 })).values).toEqual(['nobody']);
  });

  it('a replay on the line (--input) is what the pids come from', async () => {
    const capture = fixture('pure-ftpd/01-basic.ps.txt');
    // the logged-in sessions: a session process running as an account (uid not 0)
    const pids = [...capture.matchAll(/^\s*(\d+)\s+\d+\s+[1-9]\d*\s.*pure-ftpd \((?!SERVER|PRIV)/gm)].map((m) => m[1] as string);
    const r = await complete(['ftpsessions', 'kill', '--input', 'ps=/captures/ps.txt', '--pid', ''], { files: { '/captures/ps.txt': capture } });
    expect(pids.length).toBeGreaterThan(0);
    expect(r.values).toEqual(pids.sort((a, b) => Number(a) - Number(b)));
    // stdin is the shell's: --input ps=- is not read
    expect((await complete(['ftpsessions', 'kill', '--input', 'ps=-', '--pid', ''], { files: {}, stdin: capture })).values).toEqual([]);
  });

  it('sessions that cannot be read give no candidates and no error', async () => {
    const r = await complete(['ftpsessions', 'kill', '--collector', 'pure-ftpwho', '--pid', ''], { programs: {}, files: {} });
    expect(r.values).toEqual([]);
  });
});
