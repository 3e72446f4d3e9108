import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFormComponent, parseFormArgs } from '../../src/cli/form.js';
import type { Invocation } from '../../src/cli/invocation.js';
import { parseArgv } from '../../src/cli/parse.js';
import { UsageError } from '../../src/errors.js';

function call(argv: string[], dialect: 'api2' | 'uapi' = 'uapi'): Invocation {
  const parsed = parseArgv(dialect, argv);
  if (parsed.kind !== 'call') throw new Error('expected a call');
  return parsed;
}

describe('parseArgv', () => {
  it.each([
    [['--user=bob', 'Ftp', 'list_sessions']],
    [['--user', 'bob', 'Ftp', 'list_sessions']],
    [['-u', 'bob', 'Ftp', 'list_sessions']],
    [['-ubob', 'Ftp', 'list_sessions']],
    [['Ftp', 'list_sessions', '--user=bob']],
    [['Ftp', '--user', 'bob', 'list_sessions']],
  ])('%j: options before, between or after Module function', (argv) => {
    expect(call(argv)).toMatchObject({ user: 'bob', module: 'Ftp', func: 'list_sessions' });
  });

  it('has cPanel defaults: yaml output, auto collector, no --user', () => {
    expect(call(['Ftp', 'list_sessions'])).toMatchObject({
      kind: 'call',
      dialect: 'uapi',
      program: 'uapi',
      user: undefined,
      output: 'yaml',
      collector: 'auto',
      color: undefined,
      debug: false,
      args: {},
    });
  });

  it('reads every option', () => {
    const inv = call(
      ['--output=jsonpretty', '--collector', 'pure-ftpwho', '--input', 'ps=/tmp/ps.txt', '--input=pure-ftpwho=-', '--no-color', '--debug', 'Ftp', 'listftpsessions'],
      'api2',
    );
    expect(inv).toMatchObject({ output: 'jsonpretty', collector: 'pure-ftpwho', color: false, debug: true, program: 'cpapi2' });
    expect([...inv.inputs]).toEqual([
      ['ps', '/tmp/ps.txt'],
      ['pure-ftpwho', '-'],
    ]);
    expect(call(['--color', 'Ftp', 'x']).color).toBe(true);
  });

  it('takes the ProFTPD scoreboard from the option, else the environment', () => {
    expect(call(['Ftp', 'x']).proftpdScoreboard).toBeUndefined();
    expect((parseArgv('uapi', ['Ftp', 'x'], { FTPSESSIONS_PROFTPD_SCOREBOARD: '/run/a' }) as Invocation).proftpdScoreboard).toBe('/run/a');
    expect((parseArgv('uapi', ['--proftpd-scoreboard=/run/b', 'Ftp', 'x'], { FTPSESSIONS_PROFTPD_SCOREBOARD: '/run/a' }) as Invocation).proftpdScoreboard).toBe('/run/b');
  });

  it('decodes key=value arguments and numbers repeated keys as cPanel does', () => {
    expect(call(['Ftp', 'list_sessions', 'a=1', 'name=bob%40example.com', 'q=a+b%2Bc', 'a=2', 'a=3', 'flag']).args).toEqual({
      a: '1',
      name: 'bob@example.com',
      q: 'a b+c',
      'a-0': '2',
      'a-1': '3',
      flag: '',
    });
  });

  it.each([
    [['--output=csv', 'Ftp', 'list_sessions'], "--output must be one of yaml, json, jsonpretty, xml, table, not 'csv'"],
    [['--collector=magic', 'Ftp', 'list_sessions'], "--collector must be one of auto, proc, ps, pure-ftpwho, ftpwho, not 'magic'"],
    [['--input', 'who=x', 'Ftp', 'list_sessions'], "--input takes SOURCE=FILE with SOURCE one of proc, ps, pure-ftpwho, ftpwho, not 'who=x'"],
    [['--input', 'ps=', 'Ftp', 'list_sessions'], '--input ps= needs a file name (or - for standard input)'],
    [['--input', 'ps=a', '--input', 'ps=b', 'Ftp', 'list_sessions'], '--input ps is given twice'],
    [['--input', 'ps=-', '--input', 'pure-ftpwho=-', 'Ftp', 'list_sessions'], 'only one --input can read standard input'],
    [['--bogus', 'Ftp', 'list_sessions'], "unknown option '--bogus'"],
    [['--user'], "option '-u, --user <name>' argument missing"],
    [[], 'missing Module and function (for example: Ftp list_sessions)'],
    [['Ftp'], 'missing the function of module Ftp'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgv('uapi', argv)).toThrow(new UsageError(message));
  });

  it('answers --help and --version with text, not a call', () => {
    const help = parseArgv('api2', ['--help']);
    expect(help.kind).toBe('info');
    const text = help.kind === 'info' ? help.text : '';
    expect(text).toMatch(/^Usage: cpapi2 \[options\] Module function \[key=value \.\.\.\]/);
    for (const option of ['--user', '--output', '--collector', '--input', '--proftpd-scoreboard', '--color', '--no-color', '--debug', '--version', '--help']) {
      expect(text).toContain(option);
    }
    expect(text).toContain('Ftp listftpsessions');
    expect(text).not.toContain('list_sessions ');
    expect(parseArgv('uapi', ['--help', 'Ftp', 'list_sessions']).kind).toBe('info');
    expect(parseArgv('uapi', ['-V'])).toEqual({ kind: 'info', text: '0.1.0\n' });
  });
});

describe('decodeFormComponent', () => {
  it.each([
    ['plain', 'plain'],
    ['a+b', 'a b'],
    ['%2B', '+'],
    ['%C3%BCber', 'über'],
    ['100%', '100%'],
    ['%zz', '%zz'],
    ['%e2%82%ac', '€'],
  ])('%j -> %j', (input, output) => {
    expect(decodeFormComponent(input)).toBe(output);
  });

  it('treats an encoded = in a key or value as data', () => {
    expect(parseFormArgs(['k%3Dx=v%3Dy'])).toEqual({ 'k=x': 'v=y' });
  });
});

describe('usage errors are one line', () => {
  it.each([
    [['Ftp', 'list_sessions', '--colector', 'ps'], "unknown option '--colector' (Did you mean --collector?)"],
    [['--outptu', 'json', 'Ftp', 'list_sessions'], "unknown option '--outptu' (Did you mean --output?)"],
    // an option missing its value took the next word: said as such, not as a missing function
    [['--user=bob', '--output', 'Ftp', 'list_sessions'], "'Ftp' is not an output format; did --output miss its value? (--output takes one of yaml, json, jsonpretty, xml, table)"],
    [['--user=bob', '--collector', 'Ftp', 'list_sessions'], "'Ftp' is not a collector; did --collector miss its value? (--collector takes one of auto, proc, ps, pure-ftpwho, ftpwho)"],
    [['--user', 'Ftp', 'list_sessions'], "missing the function of module list_sessions; did --user miss its value? (it took 'Ftp')"],
    [['-u', 'Ftp', 'list_sessions'], "missing the function of module list_sessions; did -u miss its value? (it took 'Ftp')"],
    [['--user', '--output=json', 'Ftp', 'list_sessions'], "--user needs a value: it took the option '--output=json'"],
    [['--input', '-u', 'bob', 'Ftp', 'list_sessions'], "--input needs a value: it took the option '-u'"],
  ])('%j', (argv, message) => {
    expect(() => parseArgv('uapi', argv)).toThrow(new UsageError(message));
  });

  it('keeps a value that merely starts with a dash, and an --output=csv typo, as before', () => {
    expect(call(['-u', '-rf', 'Ftp', 'x']).user).toBe('-rf');
    expect(() => parseArgv('uapi', ['--output=Ftp', 'Ftp', 'x'])).toThrow(new UsageError("--output must be one of yaml, json, jsonpretty, xml, table, not 'Ftp'"));
  });

  it('lists exit status 74 in --help', () => {
    const help = parseArgv('uapi', ['--help']);
    expect(help.kind === 'info' && help.text).toMatch(/^ {2}74 {2}the output could not be written/m);
  });
});

describe('overrides: the path settings the caller chose, as written', () => {
  const env = { FTPSESSIONS_USERDOMAINS: '/e/ud', FTPSESSIONS_PUREFTPD_PASSWD: '/e/pw', FTPSESSIONS_FTP_PASSWD_DIR: '' };
  it('is empty when every path is the default (an empty variable is unset)', () => {
    expect(call(['Ftp', 'x']).overrides).toEqual([]);
    expect((parseArgv('uapi', ['Ftp', 'x'], { FTPSESSIONS_FTP_PASSWD_DIR: '' }) as Invocation).overrides).toEqual([]);
  });
  it('names the option when given, else the variable; each setting once, in a fixed order', () => {
    const inv = parseArgv('uapi', ['--userdomains', '/o/ud', '--proftpd-scoreboard=/o/sb', 'Ftp', 'x'], env) as Invocation;
    expect(inv.overrides).toEqual(['--proftpd-scoreboard', '--userdomains', 'FTPSESSIONS_PUREFTPD_PASSWD']);
    expect(inv.accountFiles).toMatchObject({ userdomains: '/o/ud', pureftpdPasswd: '/e/pw' });
    const all = parseArgv('api2', ['--ftp-passwd-dir=/d', '--pureftpd-passwd=/p', 'Ftp', 'x'], { FTPSESSIONS_PROFTPD_SCOREBOARD: '/s' }) as Invocation;
    expect(all.overrides).toEqual(['FTPSESSIONS_PROFTPD_SCOREBOARD', '--ftp-passwd-dir', '--pureftpd-passwd']);
    const action = parseArgv('action', ['--userdomains=/u']) as Invocation;
    expect(action.overrides).toEqual(['--userdomains']);
  });
});

/** The naming as it was (and as cPanel's form parser does it): rescan from key-0 for each repeat. */
function rescanning(words: readonly string[]): Record<string, string> {
  const args: Record<string, string> = Object.create(null);
  for (const word of words) {
    const [key, value] = word.split('=') as [string, string];
    let name = key;
    for (let i = 0; name in args; i++) name = `${key}-${i}`;
    args[name] = value;
  }
  return args;
}

describe('parseFormArgs', () => {
  it('numbers repeats around names the caller gave, as a rescan from key-0 would', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'a-0', 'a-1', 'a-0-0', 'a-2', 'b', 'b-0'), { maxLength: 40 }), (keys) => {
        const words = keys.map((k, i) => `${k}=${i}`);
        expect(Object.entries(parseFormArgs(words))).toEqual(Object.entries(rescanning(words)));
      }),
    );
    expect(parseFormArgs(['a=1', 'a-0=x', 'a=2', 'a=3', 'a-2=y', 'a=4', 'a=5'])).toEqual({ a: '1', 'a-0': 'x', 'a-1': '2', 'a-2': '3', 'a-2-0': 'y', 'a-3': '4', 'a-4': '5' });
  });

  it('names 20,000 repeats of one key in linear time (key, key-0 ... key-19998)', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `k=${i}`);
    const t0 = performance.now();
    const args = parseFormArgs(words);
    const ms = performance.now() - t0;
    expect(Object.keys(args)).toHaveLength(20_000);
    expect([args.k, args['k-0'], args['k-19998']]).toEqual(['0', '1', '19999']);
    // rescanning from key-0 each time took 19.6 s; linear takes a few ms
    expect(ms).toBeLessThan(1000);
  });

  it('keeps __proto__ and constructor as data, in an object without a prototype', () => {
    const args = parseFormArgs(['__proto__=x', 'constructor=y', 'toString=z']);
    expect(Object.getPrototypeOf(args)).toBeNull();
    expect(Object.keys(args)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(args.__proto__).toBe('x');
    expect(Object.getPrototypeOf({})).not.toHaveProperty('x');
  });
});
