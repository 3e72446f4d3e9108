// The single executable (`npm run build:binary`): by each name it answers
// exactly as `node bin/NAME.js` does; any other name is refused in one line;
// it runs for an account that is not root; it holds no path of the build
// and reads nothing beside itself; the tarball unpacks to the documented
// layout, owned by root, and its links work. Without a binary every case
// fails, saying to build it (test/helpers/commands.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/generate.mjs';
import { BINARY, BINARY_WAY, binaryDir, type CommandName, NODE_WAY, removeBinaryDir } from '../helpers/commands.js';
import { CHECKOUT } from '../helpers/public-copy.js';

afterAll(removeBinaryDir);

const isRoot = process.getuid?.() === 0;
const ACCOUNT = isRoot ? { uid: 65534, args: ['--user=nobody'] } : { uid: process.getuid?.() ?? 0, args: [] as string[] };
const VERSION = (JSON.parse(readFileSync(join(CHECKOUT, 'package.json'), 'utf8')) as { version: string }).version;
const TAR = '/usr/bin/tar';

// a replay every account may read: 10 sessions of the account we run as (as root: nobody)
const work = mkdtempSync(join(tmpdir(), 'ftpsessions-binary-test-'));
chmodSync(work, 0o755);
const made = generate(10, ACCOUNT.uid);
const PS = join(work, 'ps.txt');
const WHO = join(work, 'who.txt');
writeFileSync(PS, made.ps);
writeFileSync(WHO, made.who);
for (const file of [PS, WHO]) chmodSync(file, 0o644); // whatever the umask
const REPLAY = ['--input', `ps=${PS}`, '--input', `pure-ftpwho=${WHO}`];
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** a clean environment, as cron gives, plus `env` */
function run(argv: readonly string[], args: readonly string[], env: Record<string, string> = {}) {
  const [file, ...pre] = argv;
  return execa(file as string, [...pre, ...args], { reject: false, input: '', env: { TZ: 'UTC', PATH: '/usr/bin:/bin', ...env }, extendEnv: false, stripFinalNewline: false });
}

describe('by each name, what node bin/NAME.js answers', () => {
  const cases: Array<[CommandName, string[], Record<string, string>]> = [];
  for (const format of ['yaml', 'json', 'jsonpretty', 'xml', 'table']) {
    cases.push(['uapi', [...ACCOUNT.args, `--output=${format}`, ...REPLAY, 'Ftp', 'list_sessions'], {}]);
    cases.push(['cpapi2', [...ACCOUNT.args, `--output=${format}`, ...REPLAY, 'Ftp', 'listftpsessions'], {}]);
  }
  for (const format of ['json', 'table', 'ndjson', 'csv', 'yaml']) {
    cases.push(['ftpsessions', ['list', `--output=${format}`, ...REPLAY], {}]);
    cases.push(['ftpsessions', ['count', `--output=${format}`, ...REPLAY], {}]);
  }
  // what a startup snapshot could have frozen at build time: the time zone, colour support
  cases.push(['ftpsessions', ['list', '--output=json', ...REPLAY], { TZ: 'Asia/Kolkata' }]);
  cases.push(['ftpsessions', ['list', '--output=table', ...REPLAY], { TZ: 'America/New_York', FORCE_COLOR: '1' }]);
  cases.push(['uapi', [...ACCOUNT.args, '--output=table', ...REPLAY, 'Ftp', 'list_sessions'], { FORCE_COLOR: '3' }]);
  cases.push(['uapi', [...ACCOUNT.args, '--output=table', ...REPLAY, 'Ftp', 'list_sessions'], { FORCE_COLOR: '1', NO_COLOR: '1' }]);
  // a V8 flag in NODE_OPTIONS: V8 refuses the code cache, the program runs all the same (a SEA snapshot would not start)
  cases.push(['uapi', [...ACCOUNT.args, '--output=json', ...REPLAY, 'Ftp', 'list_sessions'], { NODE_OPTIONS: '--max-old-space-size=256' }]);
  for (const name of ['uapi', 'cpapi2', 'ftpsessions'] as const) {
    cases.push([name, ['--help'], {}]);
    cases.push([name, ['--version'], {}]);
    cases.push([name, ['--no-such-option'], {}]);
  }
  cases.push(['ftpsessions', ['list', '--help'], {}]);
  for (const shell of ['bash', 'zsh', 'fish']) cases.push(['ftpsessions', ['completion', shell], {}]);
  // Tab: the hidden fast path the scripts run, through the binary's links as through npm's
  const tab = (...words: string[]) => ['__complete', String(words.length - 1), '--', ...words];
  cases.push(['ftpsessions', tab('uapi', '--output', ''), {}]);
  cases.push(['ftpsessions', tab('uapi', '--user='), {}]);
  cases.push(['ftpsessions', tab('ftpsessions', 'kill', ...REPLAY, '--pid', ''), {}]);
  cases.push(['ftpsessions', tab('uapi', ...ACCOUNT.args, ...REPLAY, 'Ftp', 'kill_session', 'login='), {}]);
  cases.push(['uapi', [...ACCOUNT.args, '--output=json', ...REPLAY, 'Nope', 'list_sessions'], {}]);

  it.each(cases)('%s %j %j', async (name, args, env) => {
    const [node, binary] = await Promise.all([run(NODE_WAY.argv(name), args, env), run(BINARY_WAY.argv(name), args, env)]);
    expect(node.stdout + node.stderr, 'node bin/*.js answered nothing').not.toBe('');
    expect({ exitCode: binary.exitCode, stdout: binary.stdout, stderr: binary.stderr }).toEqual({ exitCode: node.exitCode, stdout: node.stdout, stderr: node.stderr });
  });

  it('--version is the package version, with no warning (no SEA ExperimentalWarning)', async () => {
    for (const name of ['uapi', 'cpapi2', 'ftpsessions'] as const) {
      const r = await run(BINARY_WAY.argv(name), ['--version']);
      expect([r.exitCode, r.stdout, r.stderr], name).toEqual([0, `${VERSION}\n`, '']);
    }
  });
});

describe('by its own name and by others', () => {
  it('as ftpsessions-linux-x64 (the file as built and downloaded) it is ftpsessions', async () => {
    const r = await run([join(binaryDir(), 'ftpsessions-linux-x64')], ['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ftpsessions COMMAND/);
  });

  it('by a full path, a relative path and the PATH, the name decides', async () => {
    const dir = binaryDir();
    const full = await run([join(dir, 'cpapi2')], ['--help']);
    expect(full.stdout).toMatch(/^Usage: cpapi2 /);
    const relative = await execa('./uapi', ['--help'], { cwd: dir, reject: false, env: { PATH: '/usr/bin:/bin' }, extendEnv: false });
    expect(relative.stdout).toMatch(/^Usage: uapi /);
    const onPath = await execa('uapi', ['--help'], { reject: false, env: { PATH: `${dir}:/usr/bin:/bin` }, extendEnv: false });
    expect(onPath.stdout).toMatch(/^Usage: uapi /);
  });

  it.each([
    ['node', 'node'],
    ['ftpsession', 'ftpsession'],
    ['uapi2', 'uapi2'],
    ['x\x1b[31m\u202e', 'x\\x1b[31m\\u202e'],
  ])('called %j: one line, exit 2, nothing run', async (name, shown) => {
    const dir = mkdtempSync(join(work, 'name-'));
    symlinkSync(join(binaryDir(), 'ftpsessions-linux-x64'), join(dir, name));
    const r = await run([join(dir, name)], ['--version']);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([2, '', `ftpsessions: called as '${shown}': link or copy this binary under the name cpapi2, uapi or ftpsessions\n`]);
  });
});

describe.runIf(isRoot)('as another account (nobody, through setpriv)', () => {
  it('lists its own sessions from a replay, as root sees them for --user=nobody', async () => {
    const args = ['--output=json', ...REPLAY, 'Ftp', 'list_sessions'];
    const asNobody = await run(['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', ...BINARY_WAY.argv('uapi')], args);
    expect([asNobody.exitCode, asNobody.stderr]).toEqual([0, '']);
    const asRoot = await run(BINARY_WAY.argv('uapi'), ['--user=nobody', ...args]);
    expect(asNobody.stdout).toBe(asRoot.stdout);
    expect(JSON.parse(asNobody.stdout).result.data).toHaveLength(10);
  });
});

describe('self-contained', () => {
  it('holds no path of the checkout it was built in', () => {
    // bin/start.js names the script it compiles (and the code cache records)
    // dist/cpanel.cjs or dist/ftpsessions.cjs, without the folder it was built in
    const text = readFileSync(join(binaryDir(), 'ftpsessions-linux-x64')).toString('latin1');
    const checkout = CHECKOUT.replace(/\/$/, '');
    const found = [...text.matchAll(new RegExp(`${checkout.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\x21-\\x7e]*`, 'g'))].map((m) => m[0]);
    expect(found).toEqual([]);
  });

  it('reads nothing beside itself: no dist/, no node_modules, no checkout file', async () => {
    if (!existsSync('/usr/bin/strace')) throw new Error('/usr/bin/strace is missing: apt-get install strace (.ci/run does)');
    const dir = binaryDir();
    const log = join(work, 'strace.log');
    const r = await execa('/usr/bin/strace', ['-f', '-qq', '-e', 'trace=open,openat,openat2,execve,stat,lstat,newfstatat,statx,access,faccessat,faccessat2,readlink,readlinkat', '-o', log, join(dir, 'uapi'), ...ACCOUNT.args, '--output=json', ...REPLAY, 'Ftp', 'list_sessions'], {
      reject: false,
      env: { TZ: 'UTC', PATH: '/usr/bin:/bin' },
      extendEnv: false,
    });
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const paths = new Set([...readFileSync(log, 'utf8').matchAll(/^\d+ +\w+\((?:AT_FDCWD, )?"([^"]+)"/gm)].map((m) => m[1] as string));
    expect(paths).toContain(PS);
    const beside = [...paths].filter((p) => p.startsWith(CHECKOUT) || (p.startsWith(`${dir}/`) && p !== join(dir, 'uapi') && p !== join(dir, 'ftpsessions-linux-x64')));
    expect(beside).toEqual([]);
  });

  it('runs with the checkout out of reach: a copy alone in a folder, no node on the PATH', async () => {
    const alone = mkdtempSync(join(work, 'alone-'));
    linkSync(join(binaryDir(), 'ftpsessions-linux-x64'), join(alone, 'uapi'));
    const r = await execa(join(alone, 'uapi'), [...ACCOUNT.args, '--output=json', ...REPLAY, 'Ftp', 'list_sessions'], { cwd: '/', reject: false, env: { PATH: '/nonexistent' }, extendEnv: false });
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout).result.data).toHaveLength(10);
  });
});

describe('the tarball (dist/ftpsessions-linux-x64.tar.gz)', () => {
  const TARBALL = `${BINARY}.tar.gz`;
  const TOP = `ftpsessions-${VERSION}-linux-x64`;
  let unpacked = '';
  let listing = '';
  beforeAll(() => {
    if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: run \`npm run build:binary\``);
    // this run's copy: a later `npm run build` empties dist/
    const kept = join(work, 'kept.tar.gz');
    linkSync(TARBALL, kept);
    unpacked = mkdtempSync(join(work, 'unpacked-'));
    chmodSync(unpacked, 0o755);
    const x = spawnSync(TAR, ['--extract', '--gzip', '--file', kept, '--directory', unpacked], { encoding: 'utf8' });
    expect([x.status, x.stderr]).toEqual([0, '']);
    const t = spawnSync(TAR, ['--list', '--verbose', '--numeric-owner', '--gzip', '--file', kept], { encoding: 'utf8' });
    expect(t.status).toBe(0);
    listing = t.stdout;
  });

  it('one folder, ftpsessions-VERSION-linux-x64/, with the documented files', () => {
    const files: string[] = [];
    const walk = (rel: string) => {
      for (const name of readdirSync(join(unpacked, rel)).sort()) {
        const p = rel === '' ? name : `${rel}/${name}`;
        files.push(p);
        if (lstatSync(join(unpacked, p)).isDirectory()) walk(p);
      }
    };
    walk('');
    const man = readdirSync(join(CHECKOUT, 'man/man1')).filter((f) => f.endsWith('.1')).sort();
    expect(files.filter((f) => !f.includes('/completions/'))).toEqual(
      [TOP, `${TOP}/INSTALL`, `${TOP}/LICENSE`, `${TOP}/THIRD-PARTY-LICENSES.txt`, `${TOP}/bin`, `${TOP}/bin/cpapi2`, `${TOP}/bin/ftpsessions`, `${TOP}/bin/uapi`, `${TOP}/completions`, `${TOP}/man`, `${TOP}/man/man1`, ...man.map((m) => `${TOP}/man/man1/${m}`)].sort(),
    );
    for (const m of man) expect(readFileSync(join(unpacked, TOP, 'man/man1', m), 'utf8'), m).toBe(readFileSync(join(CHECKOUT, 'man/man1', m), 'utf8'));
    expect(readlinkSync(join(unpacked, TOP, 'bin/uapi'))).toBe('ftpsessions');
    expect(readlinkSync(join(unpacked, TOP, 'bin/cpapi2'))).toBe('ftpsessions');
    expect(readFileSync(join(unpacked, TOP, 'bin/ftpsessions')).equals(readFileSync(join(binaryDir(), 'ftpsessions-linux-x64')))).toBe(true);
  });

  it('every entry root:root, directories and the program 0755, other files 0644', () => {
    const lines = listing.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const [mode, owner] = line.split(/\s+/);
      expect(owner, line).toBe('0/0');
      const expected = line.includes(' -> ') ? 'lrwxrwxrwx' : mode?.startsWith('d') || line.includes('/bin/ftpsessions') ? (mode?.[0] ?? '') + 'rwxr-xr-x' : '-rw-r--r--';
      expect(mode, line).toBe(expected);
    }
    for (const p of [join(unpacked, TOP), join(unpacked, TOP, 'bin/ftpsessions')]) expect(statSync(p).mode & 0o7777).toBe(0o755);
  });

  it('its links are the three commands, for root and for nobody', async () => {
    const bin = join(unpacked, TOP, 'bin');
    for (const name of ['uapi', 'cpapi2', 'ftpsessions']) {
      const r = await run([join(bin, name)], ['--help']);
      expect([r.exitCode, r.stdout.split('\n')[0]?.startsWith(`Usage: ${name} `)], name).toEqual([0, true]);
    }
    if (isRoot) {
      const r = await run(['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', join(bin, 'uapi')], ['--output=json', ...REPLAY, 'Ftp', 'list_sessions']);
      expect([r.exitCode, r.stderr]).toEqual([0, '']);
      expect(JSON.parse(r.stdout).result.data).toHaveLength(10);
    }
  });

  it('the licences: the bundled libraries and Node.js itself', () => {
    const text = readFileSync(join(unpacked, TOP, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    expect(text).toContain(readFileSync(join(CHECKOUT, 'dist/THIRD-PARTY-LICENSES.txt'), 'utf8').trim().split('\n').slice(0, 3).join('\n'));
    expect(text).toMatch(/^commander@/m);
    expect(text).toContain(`Node.js ${process.version}, which bin/ftpsessions contains`);
    expect(text).toContain('Copyright Node.js contributors. All rights reserved.');
    const install = readFileSync(join(unpacked, TOP, 'INSTALL'), 'utf8');
    expect(install).toContain(`ftpsessions ${VERSION} for Linux x86-64`);
  });

  it("completions/: the packagers' files, each what the binary prints for its shell", async () => {
    const dir = join(unpacked, TOP, 'completions');
    const expected = ['bash/cpapi2', 'bash/ftpsessions', 'bash/uapi', 'fish/cpapi2.fish', 'fish/ftpsessions.fish', 'fish/uapi.fish', 'zsh/_ftpsessions'];
    const found = readdirSync(dir).flatMap((shell) => readdirSync(join(dir, shell)).map((f) => `${shell}/${f}`)).sort();
    expect(found).toEqual(expected);
    for (const file of found) {
      const shell = file.split('/')[0] as string;
      const r = await run([join(unpacked, TOP, 'bin/ftpsessions')], ['completion', shell]);
      expect(r.exitCode).toBe(0);
      expect(readFileSync(join(dir, file), 'utf8'), file).toBe(r.stdout);
    }
  });
});
