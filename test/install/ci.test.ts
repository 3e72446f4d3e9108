/**
 * .ci/run, what CI runs, runs the test command README.md gives, after
 * installing what the tests need.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKOUT } from '../helpers/public-copy.js';

const ci = readFileSync(path.join(CHECKOUT, '.ci', 'run'), 'utf8');
const readme = readFileSync(path.join(CHECKOUT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(CHECKOUT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
/** the commands of the script, comments and echo lines left out */
const commands = ci
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('echo '));

describe('.ci/run', () => {
  it("runs the README's test command after npm ci, then (last) the e2e subset under Node 22 and 24", () => {
    const readmeCommand = /Run the whole test suite[^]*?\n\n {4}(\S[^\n]*)\n/.exec(readme)?.[1];
    expect(readmeCommand, "README's test command").toBe('npm test');
    const install = commands.indexOf('npm ci --no-audit --no-fund');
    const test = commands.indexOf(readmeCommand!);
    expect(install).toBeGreaterThan(-1);
    expect(test).toBeGreaterThan(install);
    expect(commands.slice(test + 1)).toEqual(['bash scripts/ci-nodes.sh']);
    expect(pkg.scripts.test).toMatch(/\bvitest run\b/);
  });

  it('updates the package lists first, then installs what the tests run (daemons, setpriv, unshare, mount, ps, groff, YAML::Syck, the shells completion is tested in, strace for the binary)', () => {
    const update = commands.findIndex((c) => c.startsWith('apt-get update'));
    const install = commands.findIndex((c) => c.startsWith('apt-get install'));
    expect(update).toBeGreaterThan(-1);
    expect(install).toBeGreaterThan(update);
    for (const p of ['groff-base', 'procps', 'libyaml-syck-perl', 'util-linux', 'mount', 'zsh', 'fish', 'strace']) expect(commands[install]!.split(/\s+/)).toContain(p);
    expect(commands).toContain('bash test/live/install-ftp-daemons.sh');
  });
});
