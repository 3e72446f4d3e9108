import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/run.js';
import { ok } from '../../helpers/runtime.js';
import { REPLAY, topRuntime, WHO } from './harness.js';

describe('top --batch', () => {
  it('one plain snapshot by default: the title, a line per daemon, the table; no escape sequences; works off a terminal', async () => {
    const rt = topRuntime(['--batch', ...REPLAY]);
    expect(await run('action', rt)).toBe(0);
    const lines = rt.out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['ftpsessions top - 2026-11-22 06:06:48, every 2s', 'pure-ftpd: 21 sessions: 10 downloading, 2 uploading, 9 idle', '']);
    expect(lines[3]).toMatch(/^ +PID ACCOUNT\^ +LOGIN +HOST +S +TIME +IDLE +DONE +RATE FILE$/);
    expect(lines[4]).toMatch(/^ +24393 alice +alice +127\.0\.0\.1 +IDLE +20s +- +- +- *$/);
    expect(lines.filter((l) => /^ +\d+ /.test(l))).toHaveLength(21);
    expect(lines.at(-1)).toBe('');
    expect(rt.out).not.toMatch(/\x1b/);
    expect(rt.err).toBe('');
  });

  it('-n N: N snapshots, -d seconds apart, a blank line between them; rates then measured between readings (live)', async () => {
    const slept: number[] = [];
    let calls = 0;
    const who = () => ok(calls++ === 0 ? WHO : WHO.replace('|upload-from-curl.bin|127.0.0.1|127.0.0.1|2121|768|', '|upload-from-curl.bin|127.0.0.1|127.0.0.1|2121|1280|'));
    let now = Date.parse('2026-11-22T06:06:48Z');
    const rt = topRuntime(['-b', '-n', '3', '-d', '0.5', '--login', 'bob@example.com'], { programs: { '/usr/sbin/pure-ftpwho': who } });
    rt.now = () => now;
    rt.sleep = async (ms) => {
      slept.push(ms);
      now += ms;
    };
    expect(await run('action', rt)).toBe(0);
    const snapshots = rt.out.split('\n\nftpsessions top - ');
    expect(snapshots).toHaveLength(3);
    expect(slept.reduce((a, b) => a + b, 0)).toBe(1000);
    const rate = (s: string) => /^ +24530 .* (\S+ \S+\/s) /m.exec(s)?.[1];
    expect(snapshots.map(rate)).toEqual(['54.0 KiB/s', '1.0 MiB/s', '0 B/s']);
  });

  it('fits a terminal when standard output is one; never wider', async () => {
    const rt = topRuntime(['-b', ...REPLAY], { isTTY: true, columns: 50 });
    expect(await run('action', rt)).toBe(0);
    const lines = rt.out.trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(50);
    expect(lines[3]).toMatch(/^ +PID LOGIN +S +RATE FILE$/);
  });

  it('hostile text is made safe: no escape sequence or bidi control reaches the output', async () => {
    const evil = WHO.replace('|upload-from-curl.bin|', '|\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202Egnp.exe|');
    const rt = topRuntime(['-b'], { programs: { '/usr/sbin/pure-ftpwho': ok(evil) } });
    expect(await run('action', rt)).toBe(0);
    expect(rt.out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
    expect(rt.out).toContain('?]52;c;ZXZpbA==??[2J?gnp.exe');
  });

  it('a reading that fails after the first: one line on stderr, the other snapshots still made, exit 1', async () => {
    const rt = topRuntime(['-b', '-n', '3', ...REPLAY]);
    let reads = 0;
    const readFile = rt.readFile;
    rt.readFile = (p) => (p === '/captures/ps.txt' && ++reads === 2 ? Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) : readFile(p));
    expect(await run('action', rt)).toBe(1);
    expect(rt.out.split('ftpsessions top - ')).toHaveLength(3);
    expect(rt.err.trimEnd().split('\n')).toHaveLength(1);
    expect(rt.err).toMatch(/^ftpsessions: top: cannot read the sessions: /);
  });

  it('the first reading failing is the command failing: exit 1, one line', async () => {
    const rt = topRuntime(['-b', '--input', 'ps=/nowhere']);
    expect(await run('action', rt)).toBe(1);
    expect(rt.out).toBe('');
    expect(rt.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('SIGTERM between snapshots ends it with exit 0', async () => {
    const rt = topRuntime(['-b', '-n', '100', ...REPLAY]);
    let naps = 0;
    rt.sleep = async () => {
      if (++naps === 3) for (const h of rt.signalHandlers) h('SIGTERM');
    };
    expect(await run('action', rt)).toBe(0);
    expect(rt.out.split('ftpsessions top - ')).toHaveLength(2);
    expect(rt.signalHandlers).toHaveLength(0);
  });
});

describe('top: usage errors (exit 2, one line and the pointer to --help)', () => {
  it.each([
    [['-b', '-d', '0'], "top: -d/--delay takes seconds from 0.5 to 3600 (e.g. 2 or 0.5), not '0'"],
    [['-b', '-d', '0.4'], "top: -d/--delay takes seconds from 0.5 to 3600 (e.g. 2 or 0.5), not '0.4'"],
    [['-b', '-d', '3601'], "top: -d/--delay takes seconds from 0.5 to 3600 (e.g. 2 or 0.5), not '3601'"],
    [['-b', '-d', '-1'], "top: -d/--delay takes seconds from 0.5 to 3600 (e.g. 2 or 0.5), not '-1'"],
    [['-b', '-d', '1e3'], "top: -d/--delay takes seconds from 0.5 to 3600 (e.g. 2 or 0.5), not '1e3'"],
    [['-b', '-d', 'NaN'], "top: -d/--delay takes seconds from 0.5 to 3600 (e.g. 2 or 0.5), not 'NaN'"],
    [['-b', '-n', '0'], "top: -n/--iterations takes a whole number from 1 to 1000000, not '0'"],
    [['-b', '-n', 'x'], "top: -n/--iterations takes a whole number from 1 to 1000000, not 'x'"],
    [[], 'top: standard input and output are not both a terminal: use --batch (-b) for plain snapshots'],
  ])('%j', async (args, message) => {
    const rt = topRuntime([...args, ...REPLAY]);
    expect(await run('action', rt)).toBe(2);
    expect(rt.err).toBe(`ftpsessions: ${message}\nTry 'ftpsessions top --help' for more information.\n`);
    expect(rt.out).toBe('');
  });

  it('accepts the delays in range, decimals included', async () => {
    for (const d of ['0.5', '2', '.75', '3600', '1.125']) {
      const rt = topRuntime(['-b', '-d', d, ...REPLAY]);
      expect(await run('action', rt)).toBe(0);
      expect(rt.out).toContain(`every ${Number(d)}s`);
    }
  });
});

describe('top is loaded lazily', () => {
  it('nothing imports src/commands/top or src/terminal/node.ts but the command table and main, both by import() when run', () => {
    const src = new URL('../../../src/', import.meta.url).pathname;
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.startsWith('commands/top/') && !f.startsWith('terminal/'));
    const importers: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(src, f), 'utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*)['"]([^'"]*(?:\/top\/|terminal\/node)[^'"]*)['"]/g)) {
        importers.push(`${f}: ${m[0].startsWith('from') ? 'static' : 'dynamic'} ${m[1]}`);
      }
    }
    expect(importers.sort()).toEqual(['commands/table.ts: dynamic ./top/index.js', 'main.ts: dynamic ./terminal/node.js']);
  });
});
