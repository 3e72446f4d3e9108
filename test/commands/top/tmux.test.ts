// top on a real terminal: the BUILT command (npm run build) run in a tmux pane
// on a private tmux server, driven with send-keys and read with capture-pane.
// Replays the lab's captures (no daemon needed); ends look-alike sessions
// (a root master and sessions as nobody: test/helpers/fake-pure-ftpd.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSession, FakePureFtpd } from '../../helpers/fake-pure-ftpd.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
/** the Node running the tests (CI runs this file under 22 and 24 too): the shell in tmux has only /usr/bin and /bin on its PATH */
const NODE = process.execPath;
const TMUX = '/usr/bin/tmux';
const isRoot = process.getuid?.() === 0;
const SOCKET = `ftpsessions-top-test-${process.pid}`;
const FIX = join(ROOT, 'test/fixtures/pure-ftpd/02-tricky');
const WORK = mkdtempSync(join(tmpdir(), 'ftpsessions-top-tty-'));
const REPLAY = `--input ps=${FIX}.ps.txt --input pure-ftpwho=${FIX}.pure-ftpwho-sH.txt`;

function tmux(...args: string[]): string {
  return execFileSync(TMUX, ['-L', SOCKET, ...args], { encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', 'top').split('\n');
const flags = () => tmux('display-message', '-p', '-t', 'top', '#{alternate_on} #{cursor_flag} #{wrap_flag}').trim();
const keys = (...k: string[]) => tmux('send-keys', '-t', 'top', ...k);
async function until(ready: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}; the screen:\n${screen().join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const shows = (re: RegExp) => () => screen().some((l) => re.test(l));
/** the pids of the table's rows */
const rows = () =>
  screen()
    .map((l) => /^[ *] +(\d+) /.exec(l)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);

describe.runIf(isRoot && existsSync(TMUX))('top in tmux (the built command)', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/ftpsessions.cjs'))) throw new Error('build first: npm run build');
    // a clean shell, 100x30, UTF-8, UTC
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'top', '-x', '100', '-y', '30', '/usr/bin/env', '-i', 'TERM=xterm-256color', 'LANG=C.UTF-8', 'TZ=UTC', 'PATH=/usr/bin:/bin', `HOME=${tmpdir()}`, '/bin/bash', '--norc', '--noprofile');
    tmux('set-option', '-t', 'top', 'status', 'off');
  });
  afterEach(async () => {
    // a test that failed half-way leaves top running: end it before the next
    if (flags().startsWith('1')) {
      keys('C-c');
      await until(() => flags().startsWith('0'), 'top to end');
    }
  });
  afterAll(() => {
    try {
      const socket = tmux('display-message', '-p', '#{socket_path}').trim();
      tmux('kill-server');
      rmSync(socket, { force: true });
    } catch {
      // already gone
    }
    rmSync(WORK, { recursive: true, force: true });
  });

  it('draws the screen, sorts, filters and tags with keys; q leaves the alternate screen, shows the cursor, restores the tty; exit 0', async () => {
    keys(`clear; stty -g > ${WORK}/stty-before; echo before-top`, 'Enter');
    await until(shows(/^before-top$/), 'the shell');
    keys(`cd ${ROOT} && ${NODE} bin/ftpsessions.js top ${REPLAY}; echo "exit=$?"; stty -g > ${WORK}/stty-after`, 'Enter');
    await until(shows(/^ftpsessions top - /), 'the screen');
    expect(flags()).toBe('1 0 0'); // alternate screen, cursor hidden, auto-wrap off
    expect(screen()[1]).toBe('pure-ftpd: 21 sessions: 10 downloading, 2 uploading, 9 idle');
    expect(screen().every((l) => [...l].length <= 100)).toBe(true);

    keys('R');
    await until(shows(/RATE▲/), 'the sort by rate');
    keys('r');
    await until(shows(/RATE▼/), 'the reversed sort');
    expect(rows()[0]).toBe(25808);

    keys('/', 'b', 'o', 'b', 'Enter');
    await until(() => rows().length === 3, 'the filter');
    expect(rows().sort()).toEqual([24462, 24530, 25808]);
    keys('Space');
    await until(shows(/^\* +25808 /), 'the tag');
    expect(screen()[0]).toContain('1 tagged');

    keys('q');
    await until(shows(/^exit=\d+$/), 'the exit');
    expect(screen()).toContain('exit=0');
    expect(screen().some((l) => l.startsWith('ftpsessions top - '))).toBe(false); // the shell's screen is back
    expect(screen()).toContain('before-top');
    expect(flags()).toBe('0 1 1');
    await until(() => existsSync(`${WORK}/stty-after`), 'stty');
    expect(readFileSync(`${WORK}/stty-after`, 'utf8')).toBe(readFileSync(`${WORK}/stty-before`, 'utf8'));
  });

  it('a narrow pane gets a narrower table, never wrapped, redrawn when resized; Ctrl-C quits the same way', async () => {
    keys('clear', 'Enter');
    tmux('resize-window', '-t', 'top', '-x', '44', '-y', '15');
    keys(`${NODE} bin/ftpsessions.js top ${REPLAY}; echo "exit=$?"`, 'Enter');
    await until(shows(/^ftpsessions top - /), 'the screen');
    expect(screen().every((l) => [...l].length <= 44)).toBe(true);
    expect(screen()[3]).toMatch(/^ +PID LOGIN +S +FILE$/);
    tmux('resize-window', '-t', 'top', '-x', '100', '-y', '30');
    await until(shows(/^ +PID ACCOUNT▲ +LOGIN +HOST +S +TIME +IDLE +DONE +RATE FILE$/), 'the redraw at the new size');
    keys('C-c');
    await until(shows(/^exit=\d+$/), 'the exit');
    expect(screen()).toContain('exit=0');
    expect(flags()).toBe('0 1 1');
  });

  it('SIGTERM quits the same way', async () => {
    keys('clear', 'Enter');
    keys(`${NODE} bin/ftpsessions.js top ${REPLAY}; echo "exit=$?"`, 'Enter');
    await until(shows(/^ftpsessions top - /), 'the screen');
    const shell = tmux('display-message', '-p', '-t', 'top', '#{pane_pid}').trim();
    const node = Number(readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim());
    process.kill(node, 'SIGTERM');
    await until(shows(/^exit=\d+$/), 'the exit');
    expect(screen()).toContain('exit=0');
    expect(flags()).toBe('0 1 1');
  });

  describe('ending tagged sessions', () => {
    // sessions as ps and /proc show real pure-ftpd ones, of nobody (test/helpers/fake-pure-ftpd.ts)
    const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-top-'));
    const fakes = new FakePureFtpd(dir);
    const started: FakeSession[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 3; i++) started.push(await fakes.session());
    });
    afterAll(() => {
      fakes.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('space tags, k names them (pids and logins) and asks, y ends them with TERM; the untagged one lives', async () => {
      const [a, b, c] = started.map((s) => s.pid) as [number, number, number];
      keys('clear', 'Enter');
      keys(`${NODE} bin/ftpsessions.js top --collector proc --user nobody --sort pid -d 0.5; echo "exit=$?"`, 'Enter');
      await until(() => [a, b, c].every((p) => rows().includes(p)), 'the sessions');
      // the cursor starts on the first row; tag a and b (ours are the only sessions of nobody)
      expect(rows().slice(0, 3)).toEqual([a, b, c]);
      keys('Space', 'Space');
      await until(() => screen()[0]?.includes('2 tagged') === true, 'the tags');
      keys('k');
      await until(shows(/^End 2 sessions\? \[y\/N\] /), 'the question');
      expect(screen().find((l) => l.startsWith('End 2'))).toBe(`End 2 sessions? [y/N] ${a} nobody, ${b} nobody`);
      keys('y');
      await until(shows(new RegExp(`^ended ${a}, ${b}$`)), 'the outcome');
      expect(await started[0]?.status).toBe('status 143');
      expect(await started[1]?.status).toBe('status 143');
      await until(() => !rows().includes(a) && !rows().includes(b), 'the refresh');
      expect(rows()).toContain(c);
      keys('q');
      await until(shows(/^exit=\d+$/), 'the exit');
      expect(screen()).toContain('exit=0');
      expect(() => process.kill(c, 0)).not.toThrow();
    });
  });
});
