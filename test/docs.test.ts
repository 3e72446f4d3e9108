// README, --help and the man page must tell the same story as the code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/cli/parse.js';
import { parseNative } from '../src/cli/native.js';
import { COMMANDS } from '../src/commands/table.js';
import { functionsOf } from '../src/dispatch/table.js';
import { ExitCode } from '../src/errors.js';

const ROOT = new URL('../', import.meta.url).pathname;
const readme = readFileSync(`${ROOT}README.md`, 'utf8');
const man = readFileSync(`${ROOT}man/man1/cpapi2.1`, 'utf8').replace(/\\-/g, '-').replace(/\\~/g, ' ');
const help = (dialect: 'api2' | 'uapi') => {
  const r = parseArgv(dialect, ['--help']);
  return r.kind === 'info' ? r.text : '';
};
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string; man: string[]; bin: Record<string, string> };

describe('documentation', () => {
  const options = [...help('uapi').matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] as string);

  it('--help lists the options the parser has', () => {
    expect(options).toEqual(['--output', '--user', '--collector', '--input', '--proftpd-scoreboard', '--ftp-passwd-dir', '--userdomains', '--pureftpd-passwd', '--extended', '--color', '--no-color', '--debug', '--version', '--help']);
  });

  const nativeMan = readFileSync(`${ROOT}man/man1/ftpsessions.1`, 'utf8').replace(/\\-/g, '-').replace(/\\f[BIR]/g, '');
  it.each(Object.keys(COMMANDS))('ftpsessions %s: README and ftpsessions(1) name the command and every option of its --help', (name) => {
    const parsed = parseNative([name, '--help'], {}, { stdin: false, stdout: false });
    const text = parsed.kind === 'info' ? parsed.text : '';
    const own = [...text.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] as string);
    expect(own).toContain('--help');
    for (const doc of [readme, nativeMan]) {
      expect(doc).toContain(`ftpsessions ${name}`);
      for (const option of own) expect(doc, `${name} ${option}`).toContain(option);
    }
    expect(readme).not.toMatch(/FIELDSBYSOURCE|TOPSECTION|WATCHSECTION/);
    expect(nativeMan).not.toMatch(/TOPKEYS|WATCHEVENTS/);
  });

  it.each(['README', 'man page'])('the %s names every option, function and exit code', (which) => {
    const text = which === 'README' ? readme : man;
    for (const option of options) expect(text, option).toContain(option);
    for (const dialect of ['api2', 'uapi'] as const) {
      for (const f of functionsOf(dialect)) expect(text).toMatch(new RegExp(`${f.module}.{1,3}${f.func}`));
    }
    const actions = which === 'README' ? readme : readFileSync(`${ROOT}man/man1/ftpsessions.1`, 'utf8');
    for (const f of functionsOf('action')) expect(actions).toContain(f.func);
    for (const code of Object.values(ExitCode)) expect(text).toMatch(new RegExp(`\\b${code}\\b`));
  });

  it('the man page carries the package version and is listed for both commands', () => {
    expect(man).toContain(`ftpsessions ${pkg.version}`);
    expect(pkg.man).toEqual(['./man/man1/cpapi2.1', './man/man1/uapi.1', './man/man1/ftpsessions.1']);
    expect(Object.keys(pkg.bin).sort()).toEqual(['cpapi2', 'ftpsessions', 'uapi']);
  });

  it.skipIf(!existsSync('/usr/bin/groff'))('the man pages are lint-clean under groff -man -ww', () => {
    for (const page of ['man1/cpapi2.1', 'man1/uapi.1', 'man1/ftpsessions.1']) {
      const r = spawnSync('/usr/bin/groff', ['-man', '-ww', '-z', page], { cwd: `${ROOT}man`, encoding: 'utf8' });
      expect([r.status, r.stdout, r.stderr], page).toEqual([0, '', '']);
    }
  });
});
