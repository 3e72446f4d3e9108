/**
 * The README's install, for real: a copy of this checkout without dist/ sits
 * in a folder only root may enter (as a clone under /root does);
 * `npm install -g .` and `npm pack` build it first (prepare); the packed
 * tarball installs offline (nothing to fetch: the libraries are in the
 * bundle) into a prefix in a world-readable folder beside it, and the
 * installed commands, their man pages and scripts/capture.mjs work for root
 * and for an unprivileged user (nobody, through setpriv), installed under
 * umask 022 as the README says. A bin/*.js run before any build says so in
 * one line.
 *
 * Root only (setpriv, a user to switch to); skips with a message otherwise.
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT } from '../helpers/public-copy.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('[install] SKIPPING the install tests: not running as root (they install as root and run the commands as nobody)');

const NOBODY = 65534;
const PKG = JSON.parse(readFileSync(path.join(CHECKOUT, 'package.json'), 'utf8')) as { name: string; version: string };
const TARBALL = `${PKG.name}-${PKG.version}.tgz`;
const COMMANDS = ['uapi', 'cpapi2', 'ftpsessions'] as const;
const NODE_DIR = path.dirname(process.execPath);
/** what is not copied into the package's source folder: what npm ci and the build make, and what the package needs no part of */
const NOT_SOURCES = new Set(['.git', 'node_modules', 'dist', 'coverage', '.scratch', 'test', 'bench']);

/** npm, in a clean environment: none of the npm_* variables of an `npm test` around this test */
async function npm(args: string[], cwd: string) {
  const env: Record<string, string> = { PATH: `${NODE_DIR}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: process.env.HOME ?? '/root' };
  const r = await execa('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env, extendEnv: false, reject: false, timeout: 120_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** a program as root or as nobody, with only the prefix's bin/ and node's folder on the PATH */
async function runAs(who: 'root' | 'nobody', prefix: string, argv: string[], cwd: string, more: Record<string, string> = {}) {
  const env = { PATH: `${path.join(prefix, 'bin')}:${NODE_DIR}:/usr/bin:/bin`, HOME: who === 'root' ? '/root' : '/nonexistent', TZ: 'UTC', LANG: 'C.UTF-8', ...more };
  const [file, args] =
    who === 'root' ? [argv[0] as string, argv.slice(1)] : ['/usr/bin/setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...argv]];
  const r = await execa(file, args, { cwd, env, extendEnv: false, reject: false, timeout: 30_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), shown: `[${who}] ${argv.join(' ')}` };
}

/** a Node stack trace's frames */
const STACK = /^\s+at .+(\(|:\d+:\d+)/m;

describe.skipIf(!isRoot)('install: npm install -g ., npm pack, the tarball installed for everyone', () => {
  let top: string; // 0755
  let priv: string; // 0700: the checkout and the tarball
  let src: string; // the package's sources, no dist/
  let pub: string; // 0755: the prefixes
  let prefix: string;
  let installed: string; // PREFIX/lib/node_modules/ftpsessions
  const steps: Record<string, { exitCode: number | undefined; stdout: string; stderr: string }> = {};
  let packed: string[] = [];
  let builtByLink = false;
  let builtByPack = false;

  let savedUmask: number | undefined;

  beforeAll(async () => {
    // as the README says: files npm installs under a stricter umask (077, 027) are root's alone
    savedUmask = process.umask(0o022);
    top = mkdtempSync(path.join(tmpdir(), 'ftpsessions-install-'));
    chmodSync(top, 0o755);
    priv = path.join(top, 'private');
    mkdirSync(priv, { mode: 0o700 });
    chmodSync(priv, 0o700);
    pub = path.join(top, 'public');
    mkdirSync(pub, { mode: 0o755 });
    chmodSync(pub, 0o755);
    src = path.join(priv, 'ftpsessions');
    cpSync(CHECKOUT, src, {
      recursive: true,
      filter: (from) => {
        const rel = path.relative(CHECKOUT, from);
        return !NOT_SOURCES.has(rel.split(path.sep)[0] as string) && !rel.endsWith('.tgz');
      },
    });
    // The build tools: one link per entry of the checkout's node_modules, in a folder of the copy's own, never a
    // link to that folder (npm, clearing a linked node_modules, would empty the checkout's).
    mkdirSync(path.join(src, 'node_modules'));
    for (const entry of readdirSync(path.join(CHECKOUT, 'node_modules'))) {
      symlinkSync(path.join(CHECKOUT, 'node_modules', entry), path.join(src, 'node_modules', entry));
    }

    // npm install -g . : links the folder (so it is only as readable as the folder), after prepare built it
    steps.link = await npm(['install', '-g', '--prefix', path.join(pub, 'linked'), '--offline', '.'], src);
    builtByLink = existsSync(path.join(src, 'dist', 'ftpsessions.cjs'));
    rmSync(path.join(src, 'dist'), { recursive: true, force: true });

    // npm pack: builds again (prepare), then packs
    steps.pack = await npm(['pack', '--json', '--pack-destination', priv], src);
    builtByPack = existsSync(path.join(src, 'dist', 'ftpsessions.cjs'));
    try {
      packed = (JSON.parse(steps.pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    } catch {
      packed = [];
    }

    // the tarball, installed offline into a prefix everyone can read
    prefix = path.join(pub, 'prefix');
    installed = path.join(prefix, 'lib', 'node_modules', PKG.name);
    steps.install = await npm(['install', '-g', '--prefix', prefix, '--offline', path.join(priv, TARBALL)], pub);
  }, 180_000);

  afterAll(() => {
    if (savedUmask !== undefined) process.umask(savedUmask);
    if (top) rmSync(top, { recursive: true, force: true });
  });

  it('npm install -g . builds first (prepare), and its commands run (as root: the link leads into the checkout)', async () => {
    expect(steps.link?.exitCode, steps.link?.stderr).toBe(0);
    expect(builtByLink, 'dist/ftpsessions.cjs after npm install -g .').toBe(true);
    const r = await runAs('root', path.join(pub, 'linked'), ['uapi', '--version'], pub);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(PKG.version);
  });

  it('npm pack builds first (prepare) and packs the commands, their man pages, the completions, capture.mjs and the licences of the bundled libraries', () => {
    expect(steps.pack?.exitCode, steps.pack?.stderr).toBe(0);
    expect(builtByPack, 'dist/ftpsessions.cjs after npm pack').toBe(true);
    for (const f of [
      'package.json',
      'dist/ftpsessions.cjs',
      'dist/cpanel.cjs',
      'dist/THIRD-PARTY-LICENSES.txt',
      'scripts/capture.mjs',
      'samples/ps.txt',
      'samples/pure-ftpwho.txt',
      'contrib/README.md',
      'completions/bash/ftpsessions',
      'completions/bash/uapi',
      'completions/bash/cpapi2',
      'completions/zsh/_ftpsessions',
      'completions/fish/ftpsessions.fish',
      'contrib/systemd/ftpsessions.service',
      'contrib/fail2ban/filter.d/ftpsessions.conf',
      'contrib/fail2ban/jail.d/ftpsessions.conf',
    ]) {
      expect(packed, f).toContain(f);
    }
    // both bundles (ftpsessions; cpapi2 and uapi), each with the code cache for the Node that packed it
    // (bin/start.js loads them): V8's version in its name
    const caches = ['ftpsessions', 'cpanel'].map((b) => `dist/${b}.${process.versions.v8}.${process.arch}.cache`);
    for (const cache of caches) expect(packed).toContain(cache);
    // and re2js apart (only a `matches` filter loads it)
    expect(packed.filter((f) => f.startsWith('dist/')).sort()).toEqual(['dist/THIRD-PARTY-LICENSES.txt', 'dist/cpanel.cjs', 'dist/ftpsessions.cjs', 'dist/re2js.cjs', ...caches].sort());
    for (const c of COMMANDS) {
      expect(packed).toContain(`bin/${c}.js`);
      expect(packed).toContain(`man/man1/${c}.1`);
    }
  });

  it('the tarball installs offline: nothing to fetch', () => {
    expect(steps.install?.exitCode, `${steps.install?.stdout}\n${steps.install?.stderr}`).toBe(0);
    for (const c of COMMANDS) expect(existsSync(path.join(prefix, 'bin', c)), `${prefix}/bin/${c}`).toBe(true);
  });

  it('every file of the package that --help cites is in the tarball', async () => {
    const cited = new Set<string>();
    for (const c of COMMANDS) {
      const r = await runAs('root', prefix, [c, '--help'], pub);
      expect(r.exitCode, r.shown + r.stderr).toBe(0);
      for (const m of r.stdout.matchAll(/\b((?:scripts|samples|man|dist|bin)\/[\w./-]*\w)/g)) cited.add(m[1] as string);
    }
    expect([...cited].filter((f) => !packed.includes(f)), `cited by --help: ${[...cited].join(', ')}`).toEqual([]);
    expect(cited.has('scripts/capture.mjs'), 'uapi --help cites scripts/capture.mjs').toBe(true);
  });

  for (const who of ['root', 'nobody'] as const) {
    it(`as ${who}: the installed commands, by name on the PATH (--version, --help, a replay), the man pages and capture.mjs`, async () => {
      const problems: string[] = [];
      const check = (ok: boolean, what: string, r: { shown: string; exitCode: number | undefined; stdout: string; stderr: string }) => {
        if (!ok) problems.push(`${r.shown}: ${what} (exit ${r.exitCode}) stdout: ${r.stdout.slice(0, 300)} stderr: ${r.stderr.slice(0, 300)}`);
      };
      for (const c of COMMANDS) {
        const v = await runAs(who, prefix, [c, '--version'], pub);
        check(v.exitCode === 0 && v.stdout.trim() === PKG.version, `--version is not ${PKG.version}`, v);
        const h = await runAs(who, prefix, [c, '--help'], pub);
        check(h.exitCode === 0 && h.stdout.startsWith(`Usage: ${c} `), 'no usage', h);
      }
      const user = who === 'root' ? ['--user=nobody'] : [];
      const replay = await runAs(who, prefix, ['uapi', ...user, '--output=json', '--input', `ps=${installed}/samples/ps.txt`, 'Ftp', 'list_sessions'], pub);
      let status: unknown;
      try {
        status = (JSON.parse(replay.stdout) as { result: { status: number } }).result.status;
      } catch {
        status = undefined;
      }
      check(replay.exitCode === 0 && status === 1, 'the replay of the packaged sample failed', replay);
      // the native front from the installed package: list and count of the same sample
      const list = await runAs(who, prefix, ['ftpsessions', 'list', '--output=json', '--sample=0', '--input', `ps=${installed}/samples/ps.txt`, '--input', `pure-ftpwho=${installed}/samples/pure-ftpwho.txt`], pub);
      let rows: Array<{ account: unknown; pid: unknown }> = [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(list.stdout);
      } catch {
        parsed = undefined;
      }
      if (Array.isArray(parsed)) rows = parsed as typeof rows;
      check(list.exitCode === 0 && Array.isArray(parsed) && (who === 'nobody' || rows.length > 0) && rows.every((r) => typeof r.pid === 'number' && 'account' in r), 'ftpsessions list of the packaged sample failed', list);
      const counted = await runAs(who, prefix, ['ftpsessions', 'count', '--output=json', '--input', `ps=${installed}/samples/ps.txt`, '--input', `pure-ftpwho=${installed}/samples/pure-ftpwho.txt`], pub);
      let total: unknown;
      try {
        total = (JSON.parse(counted.stdout) as { total: number }).total;
      } catch {
        total = undefined;
      }
      check(counted.exitCode === 0 && total === rows.length, 'ftpsessions count disagrees with list', counted);
      for (const c of COMMANDS) {
        const man = await runAs(who, prefix, ['/usr/bin/test', '-r', path.join(prefix, 'share', 'man', 'man1', `${c}.1`)], pub);
        check(man.exitCode === 0, 'man page not readable', man);
        if (existsSync('/usr/bin/man')) {
          const page = await runAs(who, prefix, ['/usr/bin/man', '-P', 'cat', c], pub, { MANPATH: path.join(prefix, 'share', 'man'), MAN_DISABLE_SECCOMP: '1' });
          check(page.exitCode === 0 && /^NAME$/m.test(page.stdout) && page.stdout.includes(c), 'man shows no page', page);
        }
      }
      // capture.mjs: usage without an argument; a capture into a folder of the user's
      const capture = path.join(installed, 'scripts', 'capture.mjs');
      const usage = await runAs(who, prefix, ['node', capture], pub);
      check(usage.exitCode === 2 && /^usage: node scripts\/capture\.mjs OUTDIR/.test(usage.stderr) && usage.stderr.trim().split('\n').length === 1, 'no one-line usage', usage);
      const out = mkdtempSync(path.join(pub, `capture-${who}-`));
      if (who === 'nobody') chownSync(out, NOBODY, NOBODY);
      const cap = await runAs(who, prefix, ['node', capture, path.join(out, 'c')], pub);
      check(cap.exitCode === 0 && existsSync(path.join(out, 'c', 'proc', 'stat')), 'no capture', cap);
      check(!STACK.test(cap.stderr), 'a stack trace', cap);
      expect(problems).toEqual([]);
    }, 60_000);
  }

  it('the installed package serves: token create, then serve on loopback answers /healthz and an account token\'s /execute call', async () => {
    const tokens = path.join(priv, 'tokens');
    const created = await runAs('root', prefix, ['ftpsessions', 'token', 'create', '--user', 'nobody', '--name', 'install-test', '--tokens', tokens], pub);
    expect(created.exitCode, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^fts_[A-Za-z0-9_-]+$/);
    const env = { PATH: `${path.join(prefix, 'bin')}:${NODE_DIR}:/usr/bin:/bin`, HOME: '/root', TZ: 'UTC', LANG: 'C.UTF-8' };
    const server = execa('ftpsessions', ['serve', '--listen', '127.0.0.1:0', '--tokens', tokens], { cwd: pub, env, extendEnv: false, reject: false });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        server.stderr?.on('data', (d: Buffer) => {
          err += String(d);
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
          if (m) resolve(m[1] as string);
        });
        void server.then(() => reject(new Error(`serve ended: ${err}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const answer = await fetch(`${url}/execute/Ftp/list_sessions`, { headers: { authorization: `cpanel nobody:${secret}` } });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ status: 1, errors: null, metadata: { transformed: 1 } });
      const denied = await fetch(`${url}/execute/Ftp/list_sessions`, { headers: { authorization: 'cpanel nobody:wrong' } });
      expect(denied.status).toBe(401);
    } finally {
      server.kill('SIGTERM');
      const done = await server;
      expect(done.exitCode, done.stderr).toBe(0);
    }
  }, 60_000);

  it('a bin/*.js run before any build: one line saying so, no stack trace', async () => {
    const unbuilt = path.join(pub, 'unbuilt');
    mkdirSync(unbuilt);
    cpSync(path.join(CHECKOUT, 'bin'), path.join(unbuilt, 'bin'), { recursive: true });
    cpSync(path.join(CHECKOUT, 'package.json'), path.join(unbuilt, 'package.json'));
    const problems: string[] = [];
    for (const c of COMMANDS) {
      const r = await runAs('root', prefix, [process.execPath, path.join(unbuilt, 'bin', `${c}.js`), '--version'], unbuilt);
      const lines = r.stderr.trim().split('\n');
      if (r.exitCode === 0 || lines.length !== 1 || STACK.test(r.stderr) || !r.stderr.includes('npm run build')) {
        problems.push(`${r.shown}: exit ${r.exitCode}, stderr:\n${r.stderr.slice(0, 600)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
