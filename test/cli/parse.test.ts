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
