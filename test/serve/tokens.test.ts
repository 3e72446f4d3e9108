// The tokens file and TokenStore (src/serve/tokens.ts): the file's format,
// the checks that refuse an unsafe file (on the fake runtime and on real
// files), verify's answers, re-reading on change, and timing.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readTextFile } from '../../src/main.js';
import type { FileFacts } from '../../src/runtime.js';
import {
  derive,
  inspectTokensFile,
  mintToken,
  parseTokens,
  SCRYPT_DEFAULTS,
  type ScryptParams,
  TOKENS_FILE_MAX_BYTES,
  TOKENS_HEADER,
  tokenLine,
  TokenStore,
} from '../../src/serve/tokens.js';
import { createTestRuntime, diskRuntime } from '../helpers/runtime.js';

const PATH = '/etc/ftpsessions/tokens';
/** cheap hashes for the tests that verify many times (the parameters are per line) */
const CHEAP: ScryptParams = { N: 1024, r: 8, p: 1 };
const NOW = Date.parse('2026-12-01T12:00:00Z');
const SAFE: FileFacts = { dev: 1, ino: 7, uid: 0, mode: 0o100600, size: 0, mtimeMs: NOW };

async function mint(user: string, name: string, params = CHEAP) {
  return mintToken(user, name, NOW, params);
}

/** A fake runtime whose tokens file holds these lines (root's, 0600; its stat changeable) and whose log is kept. */
function store(lines: string[], facts: Partial<FileFacts> = {}) {
  const text = `${TOKENS_HEADER}${lines.join('\n')}\n`;
  const rt = createTestRuntime({ argv: [], files: { [PATH]: text } });
  let stat: FileFacts = { ...SAFE, size: text.length, ...facts };
  const base = rt.statNow.bind(rt);
  rt.statNow = (p) => (p === PATH ? stat : base(p));
  const log: string[] = [];
  const tokens = new TokenStore(PATH, rt, (line) => log.push(line));
  return {
    rt,
    tokens,
    log,
    /** rewrite the file as `token` does: a new inode, as rename gives */
    rewrite: (next: string[]) => {
      rt.files[PATH] = `${TOKENS_HEADER}${next.join('\n')}\n`;
      stat = { ...stat, ino: stat.ino + 1, size: rt.files[PATH].length };
    },
    chmod: (mode: number) => {
      stat = { ...stat, mode: 0o100000 | mode };
    },
  };
}

describe('the tokens file format', () => {
  it('a minted line reads back as the same token; the secret is in no line', async () => {
    const { secret, line, entry } = await mint('alice', 'ci.deploy-1');
    expect(secret).toMatch(/^fts_[A-Za-z0-9_-]{55}$/);
    expect(line).toMatch(/^alice:ci\.deploy-1:2026-12-01T12:00:00Z:[A-Za-z0-9_-]{12}:scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(line).not.toContain(secret.slice(16));
    const parsed = parseTokens(`${TOKENS_HEADER}${line}\n`);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.entries).toHaveLength(1);
    expect(tokenLine(parsed.entries[0])).toBe(line);
    expect(parsed.entries[0]).toMatchObject({ user: 'alice', name: 'ci.deploy-1', id: entry.id, params: CHEAP });
  });

  it('a label or user that could forge a line is refused', async () => {
    for (const bad of ['a:b', 'a\nroot', 'a b', '', '-x', 'x'.repeat(65), 'a\u202e']) {
      await expect(mint('alice', bad)).rejects.toThrow(/cannot name a token/);
    }
    for (const bad of ['root:evil', 'a\nb', '', '../x']) await expect(mint(bad, 'label')).rejects.toThrow(/cannot own a token/);
  });

  it('garbage lines are passed over by number, comments and blank lines are not garbage', async () => {
    const good = (await mint('alice', 'a')).line;
    const f = good.split(':');
    const garbage = [
      'alice:only:three',
      `${good}:extra`,
      `${good}\r`,
      good.replace('scrypt$1024', 'scrypt$1000'), // N not a power of two
      good.replace('scrypt$1024', 'scrypt$2097152'), // N too large: a line must not make verify cost minutes
      good.replace('$8$1$', '$8$0$'),
      good.replace('2026-12-01T12:00:00Z', '2026-13-45T99:99:99Z'),
      [f[0], 'b:c', ...f.slice(2)].join(':'),
      good.replace(/\$[A-Za-z0-9_-]{22}\$/, '$short$'),
      'x'.repeat(100_000),
      '\u0000\uffff',
    ];
    const text = ['# comment', '', '   ', good, ...garbage, '#', good.replace(':a:', ':b:')].join('\n');
    const parsed = parseTokens(text);
    expect(parsed.entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(parsed.skipped).toEqual(garbage.map((_, i) => 5 + i));
    expect(parsed.lines).toHaveLength(3 + 1 + garbage.length + 2);
  });

  it('never throws, and what it takes always has the shape of a token line (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('alice:a:2026-12-01T12:00:00Z:AAAAAAAAAAAA:scrypt$1024$8$1$')), { maxLength: 20 }), (parts) => {
        const parsed = parseTokens(parts.join('\n'));
        for (const e of parsed.entries) expect(tokenLine(e)).toBe(parsed.lines[e.line]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('inspectTokensFile: only a regular file root owns and no one else may read or write', () => {
  const with_ = (facts: Partial<FileFacts>, extra: Parameters<typeof createTestRuntime>[0] = { argv: [] }) =>
    createTestRuntime({ ...extra, files: { [PATH]: '' }, stats: { [PATH]: { ...SAFE, ...facts }, ...extra.stats } });

  it('takes root 0600 (and 0400)', () => {
    expect(inspectTokensFile(PATH, with_({}))).toMatchObject({ uid: 0 });
    expect(inspectTokensFile(PATH, with_({ mode: 0o100400 }))).toMatchObject({ uid: 0 });
  });

  it.each([
    [{ mode: 0o100640 }, /has mode 0640: group and others may have no access \(chmod 600/],
    [{ mode: 0o100604 }, /has mode 0604/],
    [{ mode: 0o100620 }, /has mode 0620/],
    [{ mode: 0o100602 }, /has mode 0602/],
    [{ uid: 1001 }, /is owned by uid 1001: it must be root's/],
    [{ mode: 0o010600 }, /is a FIFO: it must be a regular file/],
    [{ mode: 0o040700 }, /is a directory/],
    [{ size: TOKENS_FILE_MAX_BYTES + 1 }, /is larger than 8 MiB/],
  ])('refuses %o', (facts, message) => {
    expect(() => inspectTokensFile(PATH, with_(facts))).toThrow(message);
    try {
      inspectTokensFile(PATH, with_(facts));
    } catch (err) {
      expect(err).toMatchObject({ code: 'E_TOKENS_FILE', exitCode: 1 });
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses a symbolic link, even to a good file', () => {
    expect(() => inspectTokensFile(PATH, with_({}, { argv: [], links: { [PATH]: '/root/tokens' } }))).toThrow(/is a symbolic link/);
  });

  it('refuses a file in a folder others may write', () => {
    const rt = with_({}, { argv: [], stats: { '/etc/ftpsessions': { dev: 1, ino: 3, uid: 0, mode: 0o041777 } } });
    expect(() => inspectTokensFile(PATH, rt)).toThrow(/in \/etc\/ftpsessions, which others may write/);
  });

  it("the caller's own file when the caller is not root", () => {
    expect(inspectTokensFile(PATH, with_({ uid: 1001 }, { argv: [], uid: 1001 }))).toMatchObject({ uid: 1001 });
    expect(() => inspectTokensFile(PATH, with_({ uid: 1002 }, { argv: [], uid: 1001 }))).toThrow(/owned by uid 1002/);
  });

  it('missing: refused (serve cannot start without tokens), or undefined when that is fine', () => {
    const rt = createTestRuntime({ argv: [] });
    expect(() => inspectTokensFile(PATH, rt)).toThrow(/does not exist: create a token with “ftpsessions token create --user NAME”/);
    expect(inspectTokensFile(PATH, rt, true)).toBeUndefined();
    expect(() => new TokenStore(PATH, rt).check()).toThrow(/does not exist/);
  });
});

describe('TokenStore.verify', () => {
  it('the right secret for its user: who it acts for; a wrong secret, another user, a malformed secret: undefined', async () => {
    const a = await mint('alice', 'a');
    const r = await mint('root', 'whm');
    const { tokens, log } = store([a.line, r.line]);
    tokens.check();
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    expect(await tokens.verify('root', r.secret)).toEqual({ user: 'root', name: 'whm' });
    const wrong = `${a.secret.slice(0, -3)}${a.secret.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect(await tokens.verify('alice', wrong)).toBeUndefined();
    expect(await tokens.verify('ftpvirt', a.secret)).toBeUndefined(); // alice's token under another name
    expect(await tokens.verify('root', a.secret)).toBeUndefined(); // an account's token is not root's
    expect(await tokens.verify('alice', r.secret)).toBeUndefined(); // nor root's an account's (the caller decides what root may do)
    for (const bad of ['', 'x', a.secret.slice(4), `${a.secret}x`, `${a.secret}\n`, 'fts_'.padEnd(59, ':')]) expect(await tokens.verify('alice', bad)).toBeUndefined();
    for (const user of ['', 'ALICE', 'alice\n', 'alice:x', '../alice']) expect(await tokens.verify(user, a.secret)).toBeUndefined();
    expect(log).toEqual([]);
  });

  it('the same secret again is answered from memory, and a wrong one never is', async () => {
    const a = await mint('alice', 'a', { N: 2 ** 14, r: 8, p: 1 });
    const { tokens } = store([a.line]);
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    let t = performance.now();
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    const cached = performance.now() - t;
    const wrong = `fts_${a.secret.slice(4, 16)}${randomBytes(32).toString('base64url')}`;
    await tokens.verify('alice', wrong);
    t = performance.now();
    expect(await tokens.verify('alice', wrong)).toBeUndefined();
    const again = performance.now() - t;
    expect(cached).toBeLessThan(again / 4);
  });

  it('a revoked token is refused at the next verify, remembered or not', async () => {
    const a = await mint('alice', 'a');
    const b = await mint('alice', 'b');
    const { tokens, rewrite } = store([a.line, b.line]);
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' }); // from memory
    rewrite([b.line]);
    expect(await tokens.verify('alice', a.secret)).toBeUndefined();
    expect(await tokens.verify('alice', b.secret)).toEqual({ user: 'alice', name: 'b' });
    rewrite([a.line, b.line]); // put back (by hand): good again
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
  });

  it('a file that becomes unsafe refuses every token, said once; fixed, it is used again', async () => {
    const a = await mint('alice', 'a');
    const { tokens, log, chmod } = store([a.line]);
    expect(await tokens.verify('alice', a.secret)).toBeDefined();
    chmod(0o644);
    expect(await tokens.verify('alice', a.secret)).toBeUndefined();
    expect(await tokens.verify('alice', a.secret)).toBeUndefined();
    expect(log).toEqual([`The tokens file ${PATH} has mode 0644: group and others may have no access (chmod 600 ${PATH}). Every token is refused until it is fixed.`]);
    chmod(0o600);
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    expect(log[1]).toBe(`The tokens file ${PATH} can be used again: 1 token(s).`);
  });

  it('garbage lines are passed over (said once, by number, never their text); the good ones work', async () => {
    const a = await mint('alice', 'a');
    const evil = `${a.line.replace(':a:', ':x:')}:${a.secret}`;
    const { tokens, log } = store(['garbage', evil, a.line, 'root::::']);
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    expect(await tokens.verify('alice', a.secret)).toBeDefined();
    expect(log).toEqual([`tokens file ${PATH}: 3 line(s) not understood and passed over (line 3, 4, 6)`]);
  });

  it('a FIFO where the file was: refused without being opened (no hang)', async () => {
    const a = await mint('alice', 'a');
    const { tokens, rt, log } = store([a.line], { mode: 0o010600 });
    let reads = 0;
    rt.readFile = async () => {
      reads++;
      return new Promise<string>(() => {}); // a FIFO with no writer: would never end
    };
    expect(await tokens.verify('alice', a.secret)).toBeUndefined();
    expect(reads).toBe(0);
    expect(log[0]).toMatch(/is a FIFO: it must be a regular file/);
  });

  it('a huge file: 10,000 tokens and 10,000 garbage lines read in linear time; past 8 MiB refused unread', async () => {
    const a = await mint('alice', 'a');
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      lines.push(tokenLine({ user: `user${i}`, name: `n${i}`, created: '2026-12-01T12:00:00Z', id: randomBytes(9).toString('base64url'), params: CHEAP, salt: randomBytes(16), hash: randomBytes(32) }));
      lines.push(`garbage ${i} ${'x'.repeat(i % 50)}`);
    }
    const { tokens } = store([...lines, a.line]);
    const t = performance.now();
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
    expect(performance.now() - t).toBeLessThan(2_000);
    const big = store([a.line], { size: TOKENS_FILE_MAX_BYTES + 1 });
    let reads = 0;
    big.rt.readFile = async () => {
      reads++;
      return '';
    };
    expect(await big.tokens.verify('alice', a.secret)).toBeUndefined();
    expect(reads).toBe(0);
  });

  it('an unknown user still costs a scrypt: existence does not show in the time', async () => {
    // the newest token's parameters set what a verify that finds nothing pays: a slow one makes the difference plain
    const slow: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
    const a = await mint('alice', 'a', slow);
    const { tokens } = store([a.line]);
    const time = async (user: string, secret: string) => {
      const t = performance.now();
      expect(await tokens.verify(user, secret)).toBeUndefined();
      return performance.now() - t;
    };
    const wrong = () => `fts_${a.secret.slice(4, 16)}${randomBytes(32).toString('base64url')}`;
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const known: number[] = [];
    const unknown: number[] = [];
    const malformed: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time('alice', wrong()));
      unknown.push(await time('nosuchuser', wrong()));
      malformed.push(await time('alice', 'not-a-token'));
    }
    expect(median(known)).toBeGreaterThan(20);
    expect(median(unknown)).toBeGreaterThan(median(known) / 2);
    expect(median(malformed)).toBeGreaterThan(median(known) / 2);
  });

  it("new tokens' scrypt costs tens of ms (not less than 5 ms, so it is not lowered by mistake)", async () => {
    const salt = randomBytes(16);
    await derive('warm-up', salt, 32, SCRYPT_DEFAULTS);
    const t = performance.now();
    await derive('fts_x', salt, 32, SCRYPT_DEFAULTS);
    expect(performance.now() - t).toBeGreaterThan(5);
    expect(SCRYPT_DEFAULTS.N).toBeGreaterThanOrEqual(2 ** 14);
  });
});

describe('TokenStore on real files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const runtime = () => {
    const rt = diskRuntime();
    rt.readFile = readTextFile;
    return rt;
  };
  const file = (name: string, text: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };

  it('a good file; then a symlink to it, a group-readable copy, a copy owned by an account, a FIFO: refused, none hangs', async () => {
    const a = await mint('alice', 'a');
    const good = file('good', `${TOKENS_HEADER}${a.line}\n`);
    const log: string[] = [];
    expect(await new TokenStore(good, runtime(), (l) => log.push(l)).verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });

    const link = join(dir, 'link');
    symlinkSync(good, link);
    const readable = file('readable', `${TOKENS_HEADER}${a.line}\n`, 0o640);
    const owned = file('owned', `${TOKENS_HEADER}${a.line}\n`);
    chownSync(owned, 1001, 1001);
    const fifo = join(dir, 'fifo');
    execFileSync('/usr/bin/mkfifo', ['-m', '600', fifo]);
    for (const [path, why] of [
      [link, /is a symbolic link/],
      [readable, /has mode 0640/],
      [owned, /is owned by uid 1001/],
      [fifo, /is a FIFO/],
    ] as const) {
      const lines: string[] = [];
      const tokens = new TokenStore(path, runtime(), (l) => lines.push(l));
      expect(() => tokens.check()).toThrow(why);
      expect(await tokens.verify('alice', a.secret)).toBeUndefined();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(why);
    }
  });

  it('concurrent verifies while the file is rewritten (atomically) over and over: every answer right, none throws', async () => {
    const a = await mint('alice', 'a');
    const b = await mint('alice', 'b');
    const path = file('busy', `${TOKENS_HEADER}${a.line}\n`);
    const tokens = new TokenStore(path, runtime());
    let stop = false;
    let writes = 0;
    const writer = (async () => {
      while (!stop) {
        const temp = `${path}.${writes}.tmp`;
        writeFileSync(temp, `${TOKENS_HEADER}${a.line}\n${writes % 2 === 0 ? `${b.line}\n` : ''}`, { mode: 0o600 });
        renameSync(temp, path);
        writes++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    // waves of 20 verifies, a timer tick between them so the writer runs, until 200 answers and 10 rewrites at least
    const answers: Array<Awaited<ReturnType<typeof tokens.verify>>> = [];
    while (answers.length < 200 || writes < 10) {
      answers.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? tokens.verify('alice', a.secret) : tokens.verify('alice', b.secret))))));
      await new Promise((r) => setTimeout(r, 2));
    }
    stop = true;
    await writer;
    expect(writes).toBeGreaterThanOrEqual(10);
    answers.forEach((answer, i) => {
      if (i % 2 === 0) expect(answer).toEqual({ user: 'alice', name: 'a' });
      else expect([undefined, 'b']).toContain(answer?.name);
    });
    // settled: b is there after an even number of writes, gone after an odd one
    writeFileSync(`${path}.t`, `${TOKENS_HEADER}${a.line}\n`, { mode: 0o600 });
    renameSync(`${path}.t`, path);
    expect(await tokens.verify('alice', b.secret)).toBeUndefined();
    expect(await tokens.verify('alice', a.secret)).toEqual({ user: 'alice', name: 'a' });
  });
});
