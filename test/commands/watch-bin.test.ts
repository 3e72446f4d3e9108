// The BUILT `ftpsessions watch` (npm run build), spawned as Telegraf's execd
// or a shell pipe runs it, against a ps capture rewritten between readings
// (--input files are read again at every reading): the events, exit 0 on
// each stop signal with whole lines only, a reader that goes away.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ftpsessions.js');
const isRoot = process.getuid?.() === 0;
/** Whose sessions the capture holds: as root `nobody` (on every system), else ours. */
const ACCOUNT = isRoot ? { uid: 65534, name: 'nobody' } : { uid: process.getuid?.() ?? 0, name: userInfo().username };

const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START = 'Tue Dec  1 11:59:00 2026';
function capture(sessions: ReadonlyArray<readonly [pid: number, command: string]>): string {
  const line = (pid: number, ppid: number, uid: number, user: string, title: string) =>
    `${String(pid).padStart(5)} ${String(ppid).padStart(5)} ${String(uid).padStart(5)} ${user.padEnd(64)} ${START} ${title}`;
  return [
    line(100, 1, 0, 'root', 'proftpd: (accepting connections)'),
    ...sessions.map(([pid, command]) => line(pid, 100, ACCOUNT.uid, ACCOUNT.name, `proftpd: ${ACCOUNT.name} - 127.0.0.1: ${command}`)),
    '',
  ].join('\n');
}

/** Replace the capture whole (a reading sees the old file or the new one, never half of one). */
function rewrite(path: string, text: string): void {
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
}

interface Watcher {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  lines: (n: number) => Promise<string[]>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], file: string): Watcher {
  const child = spawn(process.execPath, [BIN, 'watch', '--collector', 'ps', '--input', `ps=${file}`, '--interval', '100', ...args], {
    env: { TZ: 'UTC', PATH: '/usr/bin:/bin' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const lines = async (n: number) => {
    for (let waited = 0; out.split('\n').length - 1 < n; waited += 20) {
      if (waited > 10_000) throw new Error(`waited for ${n} lines, have: ${out}${err}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return out.split('\n').slice(0, n);
  };
  return { child, out: () => out, err: () => err, lines, exit };
}

const brief = (line: string) => {
  const e = JSON.parse(line) as { event: string; session: { pid: number; state: string; file: string | null } };
  return `${e.event} ${e.session.pid} ${e.session.state}${e.session.file === null ? '' : ` ${e.session.file}`}`;
};

describe('ftpsessions watch, built', () => {
  it('is built', () => {
    expect(existsSync(join(ROOT, 'dist'))).toBe(true);
  });

  it('streams the events of a capture rewritten between readings; SIGTERM: exit 0, whole lines', async () => {
    const file = join(dir, 'events.ps.txt');
    writeFileSync(file, capture([[201, 'IDLE']]));
    const w = start(['--output', 'ndjson'], file);
    await w.lines(1);
    rewrite(file, capture([[201, 'RETR big.bin'], [202, 'IDLE']]));
    await w.lines(4);
    rewrite(file, capture([[202, 'IDLE']]));
    await w.lines(6);
    w.child.kill('SIGTERM');
    expect(await w.exit).toEqual({ code: 0, signal: null });
    expect(w.err()).toBe('');
    expect(w.out().endsWith('\n')).toBe(true);
    expect(w.out().trimEnd().split('\n').map(brief)).toEqual([
      'opened 201 IDLE',
      'state 201 DL big.bin',
      'transfer_started 201 DL big.bin',
      'opened 202 IDLE',
      'transfer_finished 201 DL big.bin',
      'closed 201 DL big.bin',
    ]);
  });

  for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const) {
    it(`${signal}: exit 0`, async () => {
      const file = join(dir, `${signal}.ps.txt`);
      writeFileSync(file, capture([[201, 'IDLE']]));
      const w = start([], file);
      expect(await w.lines(1)).toEqual([expect.stringMatching(/^\{"event":"opened",/)]);
      w.child.kill(signal);
      expect(await w.exit).toEqual({ code: 0, signal: null });
      expect(w.out().split('\n')).toHaveLength(2);
    });
  }

  it('a missing capture is an error event, once; watch goes on and sees the file when it comes back', async () => {
    const file = join(dir, 'comes-and-goes.ps.txt');
    const w = start([], file);
    const [first] = await w.lines(1);
    expect(JSON.parse(first!)).toEqual({ event: 'error', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), message: expect.stringMatching(/^cannot read --input ps=.*comes-and-goes\.ps\.txt: /) });
    await new Promise((resolve) => setTimeout(resolve, 400)); // some readings fail the same way: not repeated
    writeFileSync(file, capture([[201, 'IDLE']]));
    const lines = await w.lines(2);
    expect(brief(lines[1]!)).toBe('opened 201 IDLE');
    w.child.kill('SIGTERM');
    expect((await w.exit).code).toBe(0);
    expect(w.out().split('\n')).toHaveLength(3);
  });

  it('a reader that goes away (| head -1): watch ends with 0 at its next event, quietly', async () => {
    const file = join(dir, 'head.ps.txt');
    writeFileSync(file, capture([[201, 'IDLE']]));
    const w = start([], file);
    await w.lines(1);
    w.child.stdout.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    rewrite(file, capture([[201, 'IDLE'], [202, 'IDLE']]));
    const t = Date.now();
    expect(await w.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t).toBeLessThan(5000);
    expect(w.err()).toBe('');
  });

  it('--interval out of range: usage error, exit 2, one line and the pointer to --help', async () => {
    const w = start(['--interval', '50'], join(dir, 'none'));
    expect(await w.exit).toEqual({ code: 2, signal: null });
    expect(w.out()).toBe('');
    expect(w.err()).toBe("ftpsessions: --interval takes a whole number from 100 to 3600000, not '50'\nTry 'ftpsessions watch --help' for more information.\n");
  });
});
