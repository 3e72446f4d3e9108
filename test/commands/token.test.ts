// `ftpsessions token create|list|revoke` in-process (src/commands/token.ts),
// on the fake runtime (its writeFileAtomic and makeDir keep the mode they
// were given), and once on real files through the built program.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { mintToken, parseTokens, TOKENS_HEADER, TokenStore } from '../../src/serve/tokens.js';
import { CAPTURE_NOW, createTestRuntime, PASSWD, type TestRuntimeOptions } from '../helpers/runtime.js';

const PATH = '/etc/ftpsessions/tokens';
const SECRET = /^fts_[A-Za-z0-9_-]{55}$/;

async function token(argv: string[], options: Partial<TestRuntimeOptions> = {}) {
  const rt = createTestRuntime({ argv: ['token', ...argv], ...options });
  const code = await run('action', rt);
  return { code, out: rt.out, err: rt.err, rt };
}

/** A runtime with a tokens file already (root's, 0600) holding these lines. */
function withFile(lines: string[], more: Partial<TestRuntimeOptions> = {}): Partial<TestRuntimeOptions> {
  const text = `${TOKENS_HEADER}${lines.join('\n')}\n`;
  return { files: { [PATH]: text, ...more.files }, stats: { [PATH]: { dev: 1, ino: 7, uid: 0, mode: 0o100600, size: text.length, mtimeMs: 1 }, ...more.stats }, ...more };
}

async function line(user: string, name: string) {
  return (await mintToken(user, name, CAPTURE_NOW, { N: 1024, r: 8, p: 1 })).line;
}

describe('token create', () => {
  it('prints the secret alone on stdout (whatever --output), stores only its hash, 0600 in a folder made 0700', async () => {
    for (const output of [[], ['--output', 'json'], ['--output', 'table']]) {
      const r = await token(['create', '--user', 'alice', '--name', 'deploy', ...output]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^${SECRET.source.slice(1, -1)}\\n$`));
      const secret = r.out.trim();
      expect(r.err).toBe(`ftpsessions: token “deploy” for alice stored in ${PATH}, as a salted hash: the secret above is shown this once only.\n`);
      const stored = r.rt.files[PATH];
      expect(stored.startsWith(TOKENS_HEADER)).toBe(true);
      expect(stored).not.toContain(secret.slice(16));
      expect(r.rt.statNow(PATH).mode).toBe(0o100600);
      expect(r.rt.statNow('/etc/ftpsessions').mode).toBe(0o040700);
      const parsed = parseTokens(stored);
      expect(parsed.entries.map((e) => [e.user, e.name, e.created, e.params])).toEqual([['alice', 'deploy', '2026-11-22T06:06:48Z', { N: 16384, r: 8, p: 1 }]]);
      // and serve takes it
      expect(await new TokenStore(PATH, r.rt).verify('alice', secret)).toEqual({ user: 'alice', name: 'deploy' });
    }
  });

  it('root: a WHM token; an unknown user, or the superuser under another name: exit 1, one line, nothing written', async () => {
    const root = await token(['create', '--user', 'root']);
    expect([root.code, SECRET.test(root.out.trim())]).toEqual([0, true]);
    expect(root.err).toMatch(/token “root-2026-11-22” for root \(a WHM token: it may act for any account\) stored in/);
    const unknown = await token(['create', '--user', 'nosuch']);
    expect([unknown.code, unknown.out, unknown.err]).toEqual([1, '', 'ftpsessions: The user “nosuch” does not exist.\n']);
    expect(unknown.rt.files[PATH]).toBeUndefined();
    const toor = await token(['create', '--user', 'toor'], { files: { '/etc/passwd': `${PASSWD}toor:x:0:0::/root:/bin/sh\n` } });
    expect([toor.code, toor.out]).toEqual([1, '']);
    expect(toor.err).toBe('ftpsessions: The user “toor” is the superuser under another name: a WHM token (for any account) is created with --user root.\n');
  });

  it('labels: unique in the file; the default is the account and the date, numbered when taken', async () => {
    const opts = withFile([await line('alice', 'alice-2026-11-22'), await line('ftpvirt', 'deploy')]);
    const first = await token(['create', '-u', 'alice'], opts);
    expect(first.code).toBe(0);
    const names = parseTokens(first.rt.files[PATH]).entries.map((e) => e.name);
    expect(names).toEqual(['alice-2026-11-22', 'deploy', 'alice-2026-11-22-2']);
    const taken = await token(['create', '-u', 'alice', '--name', 'deploy'], opts);
    expect([taken.code, taken.out]).toEqual([1, '']);
    expect(taken.err).toBe(`ftpsessions: A token named “deploy” is in ${PATH} already: choose another --name, or revoke it first.\n`);
  });

  it('keeps every other line of the file as it was (comments, lines it does not understand)', async () => {
    const a = await line('alice', 'a');
    const opts = withFile(['# mine', a, 'future:format:line']);
    const r = await token(['create', '-u', 'ftpvirt', '--name', 'b'], opts);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^ftpsessions: warning: \/etc\/ftpsessions\/tokens: 1 line\(s\) are not tokens and were passed over \(line 5\)\n/);
    const lines = r.rt.files[PATH].split('\n');
    expect(lines.slice(0, 6)).toEqual([...TOKENS_HEADER.split('\n').slice(0, 2), '# mine', a, 'future:format:line', expect.stringMatching(/^ftpvirt:b:/)]);
  });

  it.each([
    [['create'], 'token create needs --user NAME (root: a WHM token, for any account)'],
    [['create', '--user', 'root:x'], "token: --user takes an account name, not 'root:x'"],
    [['create', '--user', 'alice', '--name', 'a:b'], "token: --name 'a:b': a label is 1 to 64 letters, digits and . _ @ + - (not starting with . @ + -)"],
    [['create', '--user', 'alice', '--name', 'a\nroot:x'], "token: --name 'a\\nroot:x': a label is 1 to 64 letters, digits and . _ @ + - (not starting with . @ + -)"],
    [['list', '--user', 'alice'], 'token list takes neither --user nor --name: it lists every token'],
    [['revoke'], 'token revoke needs --name LABEL or --user NAME (one of them)'],
    [['revoke', '--user', 'alice', '--name', 'a'], 'token revoke needs --name LABEL or --user NAME (one of them)'],
    [['frob'], "token: the action is create, list or revoke, not 'frob'"],
  ])('%j: a usage error (exit 2), one line and the pointer to --help', async (argv, message) => {
    const r = await token(argv);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toBe(`ftpsessions: ${message}\nTry 'ftpsessions token --help' for more information.\n`);
    expect(r.rt.files[PATH]).toBeUndefined();
  });

  it('a folder others may write is refused before anything is written there', async () => {
    const r = await token(['create', '-u', 'alice'], { stats: { '/etc/ftpsessions': { dev: 1, ino: 3, uid: 0, mode: 0o040777 } } });
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/^ftpsessions: The tokens file \/etc\/ftpsessions\/tokens is in \/etc\/ftpsessions, which others may write/);
    expect(r.rt.files[PATH]).toBeUndefined();
  });

  it('a write that fails: exit 1, one line (no stack)', async () => {
    const rt = createTestRuntime({ argv: ['token', 'create', '-u', 'alice'] });
    rt.writeFileAtomic = async () => {
      throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    };
    expect(await run('action', rt)).toBe(1);
    expect([rt.out, rt.err]).toEqual(['', `ftpsessions: The tokens file ${PATH} cannot be written: EROFS.\n`]);
  });
});

describe('token list', () => {
  it('user, name, created: as JSON and as a table; never an id or a hash', async () => {
    const a = await line('alice', 'a');
    const r = await line('root', 'whm');
    const json = await token(['list', '--output', 'json'], withFile([a, r]));
    expect([json.code, json.err]).toEqual([0, '']);
    expect(JSON.parse(json.out)).toEqual([
      { user: 'alice', name: 'a', created: '2026-11-22T06:06:48Z' },
      { user: 'root', name: 'whm', created: '2026-11-22T06:06:48Z' },
    ]);
    const table = await token(['list', '--output', 'table'], withFile([a, r]));
    expect(table.out).toMatch(/USER +\| NAME +\| CREATED/);
    expect(table.out).toMatch(/\| root +\| whm +\| 2026-11-22T06:06:48Z \|/);
    for (const out of [json.out, table.out]) {
      expect(out).not.toContain('scrypt');
      for (const l of [a, r]) for (const field of l.split(/[:$]/).slice(3).filter((f) => f.length >= 12)) expect(out).not.toContain(field);
    }
  });

  it('no file: nothing (json []), said plainly on a table', async () => {
    expect(await token(['list', '--output', 'json'])).toMatchObject({ code: 0, out: '[]\n', err: '' });
    expect(await token(['list', '--output', 'table'])).toMatchObject({ code: 0, out: `no API tokens in ${PATH}\n` });
  });

  it('an unsafe file (readable by others, owned by an account, a link): exit 1, one line', async () => {
    const a = await line('alice', 'a');
    for (const [opts, why] of [
      [withFile([a], { stats: { [PATH]: { dev: 1, ino: 7, uid: 0, mode: 0o100644 } } }), 'has mode 0644'],
      [withFile([a], { stats: { [PATH]: { dev: 1, ino: 7, uid: 1001, mode: 0o100600 } } }), 'is owned by uid 1001'],
      [withFile([a], { links: { [PATH]: '/tmp/elsewhere' } }), 'is a symbolic link'],
      [withFile([a], { stats: { [PATH]: { dev: 1, ino: 7, uid: 0, mode: 0o010600 } } }), 'is a FIFO'],
    ] as const) {
      const r = await token(['list'], opts);
      expect([r.code, r.out]).toEqual([1, '']);
      expect(r.err).toContain(why);
      expect(r.err.split('\n')).toHaveLength(2);
    }
  });
});

describe('token revoke', () => {
  it('--name: that token; --user: every token of the account; the rest of the file kept; serve refuses them next', async () => {
    const a1 = await mintToken('alice', 'a1', CAPTURE_NOW, { N: 1024, r: 8, p: 1 });
    const a2 = await line('alice', 'a2');
    const v = await mintToken('ftpvirt', 'v', CAPTURE_NOW, { N: 1024, r: 8, p: 1 });
    const opts = withFile(['# kept', a1.line, a2, 'garbage', v.line]);
    const byName = await token(['revoke', '--name', 'a2', '--output', 'json'], opts);
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.out)).toEqual([{ user: 'alice', name: 'a2', created: '2026-11-22T06:06:48Z' }]);
    expect(byName.err).toMatch(/ftpsessions: revoked 1 token\(s\) named “a2” in \/etc\/ftpsessions\/tokens; serve refuses them from its next request\.\n$/);
    expect(byName.rt.files[PATH]).toBe(`${TOKENS_HEADER}# kept\n${a1.line}\ngarbage\n${v.line}\n`);
    expect(byName.rt.statNow(PATH).mode).toBe(0o100600);

    const store = new TokenStore(PATH, byName.rt);
    expect(await store.verify('alice', a1.secret)).toEqual({ user: 'alice', name: 'a1' });
    const rt = byName.rt;
    (rt.argv as string[]).splice(0, rt.argv.length, 'token', 'revoke', '--user', 'alice', '--output', 'json'); // the same runtime: the store above sees the change
    rt.out = '';
    expect(await run('action', rt)).toBe(0);
    expect(JSON.parse(rt.out)).toEqual([{ user: 'alice', name: 'a1', created: '2026-11-22T06:06:48Z' }]);
    expect(rt.files[PATH]).toBe(`${TOKENS_HEADER}# kept\ngarbage\n${v.line}\n`);
    expect(await store.verify('alice', a1.secret)).toBeUndefined();
    expect(await store.verify('ftpvirt', v.secret)).toEqual({ user: 'ftpvirt', name: 'v' });
  });

  it('none matched (or no file): exit 1, one line, the file untouched', async () => {
    const opts = withFile([await line('alice', 'a')]);
    const before = opts.files?.[PATH];
    for (const [argv, message] of [
      [['--name', 'zz'], `No token named “zz” in ${PATH}.`],
      [['--user', 'ftpvirt'], `No token of ftpvirt in ${PATH}.`],
    ] as const) {
      const r = await token(['revoke', ...argv], opts);
      expect([r.code, r.out, r.err]).toEqual([1, '', `ftpsessions: ${message}\n`]);
      expect(r.rt.files[PATH]).toBe(before);
    }
    const none = await token(['revoke', '--user', 'alice']);
    expect([none.code, none.err]).toEqual([1, `ftpsessions: No token of alice in ${PATH} (the file does not exist).\n`]);
  });
});

describe('root only', () => {
  it.each([['create', '--user', 'alice'], ['list'], ['revoke', '--user', 'alice']])('%s as an account: exit 1, one line, nothing read or written', async (...argv) => {
    const opts = withFile([await line('alice', 'a')], { uid: 1001 });
    const r = await token(argv, opts);
    expect([r.code, r.out, r.err]).toEqual([1, '', 'ftpsessions: Only root may create, list or revoke API tokens.\n']);
    expect(r.rt.files[PATH]).toBe(opts.files?.[PATH]);
  });
});

describe('the built program (npm run build) on real files', () => {
  it('create, list, revoke: 0600 in a 0700 folder; the secret verifies, then is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-token-'));
    try {
      const file = join(dir, 'etc', 'tokens');
      const bin = new URL('../../bin/ftpsessions.js', import.meta.url).pathname;
      const ft = (...args: string[]) => spawnSync(process.execPath, [bin, 'token', ...args, '--tokens', file], { encoding: 'utf8' });
      const created = ft('create', '--user', 'root', '--name', 'whm');
      expect([created.status, SECRET.test(created.stdout.trim()), created.stdout.split('\n').length]).toEqual([0, true, 2]);
      expect(statSync(file).mode & 0o7777).toBe(0o600);
      expect(statSync(join(dir, 'etc')).mode & 0o7777).toBe(0o700);
      expect(readFileSync(file, 'utf8')).not.toContain(created.stdout.trim().slice(16));
      const { diskRuntime } = await import('../helpers/runtime.js');
      const rt = diskRuntime();
      const store = new TokenStore(file, rt);
      store.check();
      expect(await store.verify('root', created.stdout.trim())).toEqual({ user: 'root', name: 'whm' });
      expect(JSON.parse(ft('list', '--output', 'json').stdout)).toEqual([{ user: 'root', name: 'whm', created: expect.stringMatching(/Z$/) }]);
      expect(ft('revoke', '--name', 'whm').status).toBe(0);
      expect(await store.verify('root', created.stdout.trim())).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('8 creates and a revoke at the same moment on one file: every token created is there, the revoked one is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-token-'));
    try {
      const file = join(dir, 'tokens');
      const bin = new URL('../../bin/ftpsessions.js', import.meta.url).pathname;
      const ft = (...args: string[]) =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, 'token', ...args, '--tokens', file]);
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) => resolve({ code, out, err }));
        });
      expect((await ft('create', '--user', 'root', '--name', 'old')).code).toBe(0);
      const runs = await Promise.all([...Array.from({ length: 8 }, (_, i) => ft('create', '--user', 'root', '--name', `t${i}`)), ft('revoke', '--name', 'old')]);
      for (const r of runs) expect([r.code, r.err]).toEqual([0, expect.stringMatching(/^ftpsessions: (token|revoked) /)]);
      const names = parseTokens(readFileSync(file, 'utf8')).entries.map((e) => e.name);
      expect(names.sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
      const store = new TokenStore(file, (await import('../helpers/runtime.js')).diskRuntime());
      for (const [i, r] of runs.slice(0, 8).entries()) expect(await store.verify('root', r.out.trim())).toEqual({ user: 'root', name: `t${i}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
