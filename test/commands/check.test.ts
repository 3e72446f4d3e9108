// `ftpsessions check`, the monitoring plugin: in-process over the fixtures
// (a table of thresholds x fixtures: exit codes and perfdata), every output
// checked by a plugin-output and perfdata parser written here from the
// Monitoring Plugins Development Guidelines; bad ranges and arguments;
// hostile text in the long output; and the built command's exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize, warningLines } from '../../src/commands/check.js';
import type { NativeRow } from '../../src/model/native.js';
import { run } from '../../src/run.js';
import { createTestRuntime, diskRuntime, FIXTURES, fixture, ok, procFromPs } from '../helpers/runtime.js';

type Fixture = 'idle' | 'lab-proftpd' | 'tricky' | 'empty';

function labInputs(dir: string): string[] {
  return [
    ['proc', `${dir}proc`],
    ['ps', `${dir}ps.txt`],
    ['pure-ftpwho', `${dir}pure-ftpwho.txt`],
    ['ftpwho', `${dir}ftpwho.json`],
  ]
    .filter(([, path]) => existsSync(path as string))
    .flatMap(([id, path]) => ['--input', `${id}=${path}`]);
}

function runtimeFor(name: Fixture, argv: string[], uid = 0, labFiles: Record<string, string> = {}) {
  if (name === 'idle') return diskRuntime({ uid, argv: ['check', ...labInputs(`${FIXTURES}idle/`), ...argv] });
  if (name === 'lab-proftpd') {
    const dir = `${FIXTURES}lab/proftpd/`;
    const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { capturedAt: number; accounts: Record<string, { uid: number; gid: number; home: string }> };
    const passwd = Object.entries(expected.accounts).map(([user, a]) => `${user}:x:${a.uid}:${a.gid}::${a.home}:/bin/sh`);
    return diskRuntime({ uid, now: expected.capturedAt, files: { '/etc/passwd': ['root:x:0:0::/root:/bin/sh', ...passwd, ''].join('\n'), ...labFiles }, argv: ['check', ...labInputs(dir), ...argv] });
  }
  const phase = name === 'tricky' ? '02-tricky' : '00-no-sessions';
  return createTestRuntime({ uid, programs: { '/usr/sbin/pure-ftpwho': ok(fixture(`pure-ftpd/${phase}.pure-ftpwho-sH.txt`)) }, files: procFromPs(fixture(`pure-ftpd/${phase}.ps.txt`)), argv: ['check', ...argv] });
}

async function check(name: Fixture, argv: string[] = [], uid = 0, labFiles: Record<string, string> = {}) {
  const rt = runtimeFor(name, argv, uid, labFiles);
  const code = await run('action', rt);
  return { code, out: rt.out, err: rt.err, plugin: pluginOutput(rt.out) };
}

// ---- the guidelines, as a parser (https://www.monitoring-plugins.org/doc/guidelines.html) ----

interface Perf {
  label: string;
  value: number | 'U';
  uom: string;
  warn: string;
  crit: string;
  min: string;
  max: string;
}

/** A range: [@][start:]end, start a number or ~, end a number or empty after a colon (section "Threshold and ranges"). */
const RANGE_SYNTAX = /^@?(?:(?:~|-?(?:\d+\.?\d*|\.\d+))?:)?(?:-?(?:\d+\.?\d*|\.\d+))?$/;
const NUM = /^-?(?:\d+\.?\d*|\.\d+)$/;

/** 'label'=value[UOM];[warn];[crit];[min];[max], space-separated (section "Performance data"). */
function parsePerfdata(text: string): Perf[] {
  const out: Perf[] = [];
  let i = 0;
  while (i < text.length) {
    let label = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`perfdata: unterminated label in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          label += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else label += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== '=') {
        if (text[i] === ' ' || text[i] === "'") throw new Error(`perfdata: a label with a space or quote must be quoted: ${text}`);
        label += text[i++];
      }
    }
    if (text[i] !== '=' || label === '') throw new Error(`perfdata: no label=value at ${i} in ${text}`);
    i++;
    let end = text.indexOf(' ', i);
    if (end === -1) end = text.length;
    const fields = text.slice(i, end).split(';');
    if (fields.length > 5) throw new Error(`perfdata: more than 5 fields: ${text}`);
    const [valueUom = '', warn = '', crit = '', min = '', max = ''] = fields;
    const m = /^(U|-?(?:\d+\.?\d*|\.\d+))(s|ms|us|%|B|KB|MB|TB|c)?$/.exec(valueUom);
    if (m === null) throw new Error(`perfdata: bad value '${valueUom}' in ${text}`);
    for (const r of [warn, crit]) if (!RANGE_SYNTAX.test(r)) throw new Error(`perfdata: bad range '${r}' in ${text}`);
    for (const n of [min, max]) if (n !== '' && !NUM.test(n)) throw new Error(`perfdata: bad min/max '${n}' in ${text}`);
    out.push({ label, value: m[1] === 'U' ? 'U' : Number(m[1]), uom: m[2] ?? '', warn, crit, min, max });
    i = end;
    while (text[i] === ' ') i++;
  }
  return out;
}

/** A plugin's output: the status line `LABEL STATE - text[ | perfdata]`, then long output; one `|` at most, no controls. */
function pluginOutput(out: string) {
  expect(out.endsWith('\n')).toBe(true);
  const lines = out.slice(0, -1).split('\n');
  // nothing that acts on a terminal or breaks a line, in any line
  for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  expect(out.split('|').length).toBeLessThanOrEqual(2);
  const m = /^FTPSESSIONS (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+?)(?: \| (.+))?$/.exec(lines[0] as string);
  if (m === null) throw new Error(`not a plugin status line: ${lines[0]}`);
  const perf = m[3] === undefined ? [] : parsePerfdata(m[3]);
  const byLabel = Object.fromEntries(perf.map((p) => [p.label, p]));
  return { state: m[1] as string, text: m[2] as string, perf, byLabel, long: lines.slice(1) };
}

const EXIT: Record<string, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

/** What each fixture holds (as its runs show; the lab's ground truth agrees: test/collectors). */
const FIGURES: Record<Fixture, { sessions: number; dl: number; ul: number; idle: number; account_max: number; oldest_idle: number | 'U'; unauthenticated: number }> = {
  idle: { sessions: 12, dl: 3, ul: 3, idle: 6, account_max: 12, oldest_idle: 19, unauthenticated: 0 },
  'lab-proftpd': { sessions: 13, dl: 8, ul: 1, idle: 4, account_max: 10, oldest_idle: 3, unauthenticated: 2 },
  tricky: { sessions: 21, dl: 10, ul: 2, idle: 9, account_max: 15, oldest_idle: 'U', unauthenticated: 2 },
  empty: { sessions: 0, dl: 0, ul: 0, idle: 0, account_max: 0, oldest_idle: 0, unauthenticated: 0 },
};
const FIXTURE_NAMES = Object.keys(FIGURES) as Fixture[];

/** thresholds -> the exit code on each fixture (idle, lab-proftpd, tricky, empty) */
const TABLE: Array<[string[], [number, number, number, number], string]> = [
  [[], [0, 0, 0, 0], 'no thresholds: OK'],
  [['-w', '12', '-c', '20'], [0, 1, 2, 0], '`12` is 0..12, the ends inside'],
  [['-w', '13:'], [1, 0, 0, 1], '`13:` alerts below 13'],
  [['-c', '~:12'], [0, 2, 2, 0], '`~:12` alerts above 12'],
  [['-c', '@10:13'], [2, 2, 0, 0], '`@10:13` alerts inside, ends included'],
  [['-w', '@0'], [0, 0, 0, 1], '`@0`: no session at all is the alert'],
  [['-w', '12.5', '-c', '0:20.5'], [0, 1, 2, 0], 'decimals'],
  [['--warning', '13:20', '--critical', '1:'], [1, 0, 1, 2], 'outside 13:20 warns; critical below 1'],
  [['--account-warning', '10', '--account-critical', '14'], [1, 0, 2, 0], 'most sessions of one account'],
  [['--oldest-idle-warning', '10', '--oldest-idle-critical', '18'], [2, 0, 3, 0], 'oldest idle; no idle time known: UNKNOWN'],
  [['--oldest-idle-warning', '2'], [1, 1, 3, 0], 'oldest idle over 2 s'],
  [['--unauthenticated-warning', '1', '--unauthenticated-critical', '@5:'], [0, 1, 1, 0], 'sessions not logged in (root)'],
  [['-w', '1', '--oldest-idle-warning', '2', '--account-critical', '11'], [2, 1, 2, 0], 'the worst wins: CRITICAL over WARNING and UNKNOWN'],
  [['-w', '1', '--oldest-idle-warning', '100'], [1, 1, 1, 0], 'WARNING over UNKNOWN'],
];

describe('ftpsessions check: thresholds x fixtures', () => {
  for (const [args, codes, why] of TABLE) {
    it(`${args.join(' ') || '(none)'}: ${why}`, async () => {
      for (const [i, name] of FIXTURE_NAMES.entries()) {
        const r = await check(name, args);
        expect([name, r.code, r.err]).toEqual([name, codes[i], '']);
        expect(EXIT[r.plugin.state]).toBe(r.code);
        const f = FIGURES[name];
        for (const [label, value] of Object.entries(f)) {
          expect([name, label, r.plugin.byLabel[label]?.value]).toEqual([name, label, value]);
          expect(r.plugin.byLabel[label]?.min).toBe('0');
        }
        expect(r.plugin.byLabel.oldest_idle?.uom).toBe(f.oldest_idle === 'U' ? '' : 's');
        expect(r.plugin.text).toMatch(new RegExp(`^${f.sessions} sessions? \\(${f.dl} DL, ${f.ul} UL, ${f.idle} idle\\)`));
        // each threshold given is in its perfdata item, as given
        const given = (flag: string) => {
          const j = args.indexOf(flag);
          return j === -1 ? '' : args[j + 1];
        };
        expect(r.plugin.byLabel.sessions?.warn).toBe(given('-w') || given('--warning'));
        expect(r.plugin.byLabel.sessions?.crit).toBe(given('-c') || given('--critical'));
        expect(r.plugin.byLabel.account_max?.warn).toBe(given('--account-warning'));
        expect(r.plugin.byLabel.account_max?.crit).toBe(given('--account-critical'));
        expect(r.plugin.byLabel.oldest_idle?.warn).toBe(given('--oldest-idle-warning'));
        expect(r.plugin.byLabel.oldest_idle?.crit).toBe(given('--oldest-idle-critical'));
        expect(r.plugin.byLabel.unauthenticated?.warn).toBe(given('--unauthenticated-warning'));
        expect(r.plugin.byLabel.unauthenticated?.crit).toBe(given('--unauthenticated-critical'));
      }
    });
  }
});

describe('ftpsessions check: the output', () => {
  it('OK: one status line with the perfdata in order, the long output after it', async () => {
    const r = await check('lab-proftpd', ['-w', '20', '-c', '30']);
    expect(r.out.split('\n')[0]).toBe(
      'FTPSESSIONS OK - 13 sessions (8 DL, 1 UL, 4 idle) | sessions=13;20;30;0 dl=8;;;0 ul=1;;;0 idle=4;;;0 account_max=10;;;0 oldest_idle=3s;;;0 unauthenticated=2;;;0',
    );
    expect(r.plugin.long).toEqual([
      'daemons: proftpd 13',
      'accounts: 4; the most sessions: ftpsess-alice 10',
      'oldest idle: 3 s, pid 25857, proftpd, login ftpsess-alice, host 127.0.0.1, account ftpsess-alice',
      'not logged in: 2',
      'sources read: proc, ftpwho',
    ]);
  });

  it('a problem says which threshold and why, worst state first in the exit code', async () => {
    const r = await check('idle', ['-w', '10', '-c', '@12', '--oldest-idle-warning', '15']);
    expect(r.code).toBe(2);
    expect(r.plugin.text).toBe('12 sessions (3 DL, 3 UL, 6 idle); critical: 12 sessions, within 12; warning: idle 19 s (pid 18564), more than 15');
  });

  it('no idle time known: oldest_idle is U; its thresholds alone give UNKNOWN (3), with the perfdata', async () => {
    const r = await check('tricky', ['--oldest-idle-critical', '60']);
    expect(r.code).toBe(3);
    expect(r.plugin.text).toBe('21 sessions (10 DL, 2 UL, 9 idle); unknown: no source gives the idle time of any of the 9 idle sessions');
    expect(r.plugin.byLabel.oldest_idle).toMatchObject({ value: 'U', crit: '60' });
    expect(r.plugin.long).toContain('idle time unknown (not in oldest_idle): 9 sessions');
  });

  it('as an account: its own sessions; no unauthenticated item', async () => {
    const r = await check('lab-proftpd', ['-w', '5'], 1001);
    expect(r.code).toBe(1);
    expect(r.plugin.byLabel.sessions?.value).toBe(10);
    expect(r.plugin.byLabel.unauthenticated).toBeUndefined();
    expect(r.plugin.long[0]).toBe("scope: only the sessions of uid 1001 (run as root, e.g. with sudo, for every account's)");
    expect(r.plugin.long[2]).toBe('accounts: 1; the most sessions: ftpsess-alice 10');
  });

  it('root with --user: that account only, no unauthenticated item', async () => {
    const r = await check('lab-proftpd', ['--user', 'ftpsess-bob']);
    expect(r.code).toBe(0);
    expect(r.plugin.byLabel.unauthenticated).toBeUndefined();
    expect(r.plugin.byLabel.sessions?.value).toBe(1);
    expect(r.plugin.long[0]).toBe('scope: only the accounts ftpsess-bob');
  });
});

describe('ftpsessions check: UNKNOWN (3), one line on stdout, nothing on stderr', () => {
  const BAD: Array<[string[], RegExp]> = [
    [['-w', '5:3'], /^--warning: the range '5:3' starts after it ends \(5 > 3\)$/],
    [['-c', '@20:10'], /^--critical: the range '@20:10' starts after it ends/],
    [['-w', ''], /^--warning takes a range .*, not ''$/],
    [['-w', 'ten'], /^--warning takes a range/],
    [['-w', '10:~'], /^--warning takes a range/],
    [['-w', '1e3'], /^--warning takes a range/],
    [['-w', '1,000'], /^--warning takes a range/],
    [['-w', '+2'], /^--warning takes a range/],
    [['-w', '10::20'], /^--warning takes a range/],
    [['-w', '@'], /^--warning takes a range/],
    [['-w', '~'], /^--warning takes a range/],
    [['--account-critical', ' 10'], /^--account-critical takes a range/],
    [['--oldest-idle-warning', '5m'], /^--oldest-idle-warning takes a range/],
    [['--unauthenticated-warning', '3', '--user', 'alice'], /not with --user$/],
    [['--bogus'], /unknown option '--bogus'/],
    [['-w'], /argument missing|needs a value/],
    [['--input', 'ps=/nonexistent/ps.txt'], /^cannot read --input ps=\/nonexistent\/ps\.txt: /],
    [['--user', 'nosuch'], /^The user “nosuch” does not exist\.$/],
  ];
  for (const [args, why] of BAD) {
    it(args.join(' '), async () => {
      const r = await check('tricky', args);
      expect([r.code, r.err]).toEqual([3, '']);
      expect(r.out.split('\n')).toHaveLength(2);
      expect(r.plugin.state).toBe('UNKNOWN');
      expect(r.plugin.perf).toEqual([]);
      expect(r.plugin.text).toMatch(why);
    });
  }

  it('--unauthenticated-* as an account: UNKNOWN, saying they are root\'s', async () => {
    const r = await check('tricky', ['--unauthenticated-critical', '1'], 1001);
    expect([r.code, r.err, r.plugin.state]).toEqual([3, '', 'UNKNOWN']);
    expect(r.plugin.text).toMatch(/are root's: an account does not see the sessions that have not logged in$/);
  });

  it('ranges that are valid: ~:, :10, .5, -1:1, 2.', async () => {
    for (const range of ['~:', ':10', '.5', '-1:1', '2.', '@~:0', '0:0']) {
      const r = await check('empty', ['-w', range]);
      expect([range, r.plugin.state]).toEqual([range, r.code === 1 ? 'WARNING' : 'OK']);
      expect(r.plugin.byLabel.sessions?.warn).toBe(range);
    }
    // 0 sessions: inside ~:..~ never alerts; @~:0 alerts on 0
    expect((await check('empty', ['-w', '@~:0'])).code).toBe(1);
    expect((await check('empty', ['-w', '~:'])).code).toBe(0);
    expect((await check('empty', ['-w', '-1:-0.5'])).code).toBe(1);
  });
});

describe('ftpsessions check: text from clients is made safe', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpsessions-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a login and host with |, newlines, escape sequences and bidi controls: escaped, one line each, no |', async () => {
    const src = `${FIXTURES}lab/proftpd/`;
    const who = JSON.parse(readFileSync(`${src}ftpwho.json`, 'utf8')) as { connections: Array<Record<string, unknown>> };
    const evil = 'ev|l\n\u001b]52;c;SGVsbG8=\u0007x\u001b[2J\r\u202eFTPSESSIONS OK';
    for (const c of who.connections) if (c.pid === 25857) c.user = evil;
    writeFileSync(join(dir, 'ftpwho.json'), JSON.stringify(who));
    const args = ['--collector', 'auto', '--input', `proc=${src}proc`, '--input', `ftpwho=${join(dir, 'ftpwho.json')}`];
    const rt = diskRuntime({ argv: ['check', ...args], now: JSON.parse(readFileSync(`${src}expected.json`, 'utf8')).capturedAt, files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nftpsess|alice:x:1001:1001::/home/a:/bin/sh\n' } });
    const code = await run('action', rt);
    const p = pluginOutput(rt.out);
    expect([code, rt.err]).toEqual([0, '']);
    const oldest = p.long.find((l) => l.startsWith('oldest idle:')) as string;
    expect(oldest).toContain('login ev\\x7cl\\n\\x1b]52;c;SGVsbG8=\\x07x\\x1b[2J\\r\\u202eFTPSESSIONS OK');
    expect(p.long.join('\n')).toContain('ftpsess\\x7calice');
    expect(rt.out.split('|')).toHaveLength(2);
  });

  it('the reading\'s warnings: in the long output, not on stderr', async () => {
    const src = `${FIXTURES}idle/`;
    const bad = Array.from({ length: 12 }, (_, i) => `9${i}|x|1|BOGUS|f|h|h|1|1|1|1|1`).join('\n');
    writeFileSync(join(dir, 'pure-ftpwho.txt'), `${readFileSync(`${src}pure-ftpwho.txt`, 'utf8')}${bad}\n`);
    const rt = diskRuntime({ argv: ['check', '--input', `proc=${src}proc`, '--input', `pure-ftpwho=${join(dir, 'pure-ftpwho.txt')}`] });
    const code = await run('action', rt);
    const p = pluginOutput(rt.out);
    expect([code, rt.err]).toEqual([0, '']);
    const warnings = p.long.filter((l) => l.startsWith('warning: '));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings).toEqual(['warning: pure-ftpwho: skipped 12 lines that could not be parsed (line 5, 6, 7, 8, 9, ... (12 in all))']);
  });

  it('at most 10 warnings, each cut to 300 characters, then how many more', () => {
    const lines = warningLines(Array.from({ length: 13 }, (_, i) => `w${i} ${'x'.repeat(400)}`));
    expect(lines).toHaveLength(11);
    expect(lines.slice(0, 10).every((l) => [...l].length === 'warning: '.length + 300 && l.endsWith('…'))).toBe(true);
    expect(lines[10]).toBe('(3 more warnings: run ftpsessions list to see them)');
    expect(warningLines(['a', 'b'])).toEqual(['warning: a', 'warning: b']);
  });
});

describe('ftpsessions check: cost', () => {
  it('summarize is linear: 10,000 sessions in well under 50 ms', () => {
    const rows: NativeRow[] = Array.from({ length: 10_000 }, (_, i) => ({
      account: `acct${i % 500}`, pid: 1000 + i, daemon: 'pure-ftpd', login: `u${i}`, host: '127.0.0.1', state: i % 3 === 0 ? 'DL' : 'IDLE',
      file: null, cwd: null, connected_at: null, idle_seconds: i % 3 === 0 ? 0 : i % 7 === 0 ? null : i, transferred_bytes: null, size_bytes: null, percent: null, rate_bytes_per_second: null, cmdline: 'pure-ftpd (IDLE)',
    }));
    const t0 = performance.now();
    const s = summarize(rows, ['pure-ftpd']);
    const ms = performance.now() - t0;
    expect(s.total).toBe(10_000);
    expect(s.top.count).toBe(20);
    expect(s.oldest.seconds).toBe(9998);
    expect(ms).toBeLessThan(50);
  });
});

describe('ftpsessions check: the built command', () => {
  const BIN = new URL('../../bin/ftpsessions.js', import.meta.url).pathname;
  const idle = labInputs(`${FIXTURES}idle/`);
  const cases: Array<[string[], number, string]> = [
    [['-w', '20', '-c', '30'], 0, 'OK'],
    [['-w', '5', '-c', '30'], 1, 'WARNING'],
    [['-w', '5', '-c', '10'], 2, 'CRITICAL'],
    [['--oldest-idle-critical', '10'], 2, 'CRITICAL'],
    [['-w', '5:3'], 3, 'UNKNOWN'],
    [['--no-such-option'], 3, 'UNKNOWN'],
    [['--input', 'ps=/nonexistent/ps.txt'], 3, 'UNKNOWN'],
  ];
  it('exit codes 0, 1, 2, 3 with the status on stdout (npm test builds dist/ first)', () => {
    for (const [args, code, state] of cases) {
      const r = spawnSync(process.execPath, [BIN, 'check', ...(args[0] === '--input' ? args : [...idle, ...args])], { encoding: 'utf8', timeout: 20_000 });
      expect([args.join(' '), r.status, r.stderr]).toEqual([args.join(' '), code, '']);
      const p = pluginOutput(r.stdout);
      expect(p.state).toBe(state);
      if (code < 3) expect(p.byLabel.sessions?.value).toBe(12);
      else expect(r.stdout.split('\n')).toHaveLength(2);
    }
  });
});


