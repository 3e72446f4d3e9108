import { describe, expect, it } from 'vitest';
import { run } from '../../../src/run.js';
import { CAPTURE_NOW, ok, type TestRuntime } from '../../helpers/runtime.js';
import { FakeClock, FakeTerminal, REPLAY, topRuntime, until, WHO } from './harness.js';

/** Start top on a fake terminal; resolves once the first screen is drawn. */
async function start(argv: string[], options: Parameters<typeof topRuntime>[1] & { columns?: number; rows?: number } = {}) {
  const terminal = new FakeTerminal(options.columns ?? 110, options.rows ?? 30);
  const clock = new FakeClock(CAPTURE_NOW);
  const rt = topRuntime(argv, { terminal, clock, ...options });
  const done = run('action', rt);
  let code: number | undefined;
  void done.then((c) => (code = c));
  await until(() => terminal.entered > 0 && terminal.screen()[0] !== '', 'the first screen');
  // a quit is seen within one slice of the wait between refreshes
  const exited = async () => {
    for (let i = 0; i < 50 && code === undefined; i++) await clock.advance(100);
    await until(() => code !== undefined, 'top to exit');
    return code as number;
  };
  return { terminal, clock, rt, exited };
}

/** The pids of the table's rows, top to bottom. */
function pids(terminal: FakeTerminal): number[] {
  return terminal
    .screen()
    .map((l) => /^[ *] +(\d+) /.exec(l)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);
}

function restored(terminal: FakeTerminal, rt: TestRuntime) {
  return { entered: terminal.entered, left: terminal.left, listening: terminal.listening, signals: rt.signalHandlers.length };
}
const RESTORED = { entered: 1, left: 1, listening: 0, signals: 0 };

describe('top on a terminal', () => {
  it('shows a header per daemon as ftptop, the keys, and the table; q gives the terminal back and exits 0', async () => {
    const { terminal, rt, exited } = await start(REPLAY);
    const screen = terminal.screen();
    expect(screen[0]).toMatch(/^ftpsessions top - 2026-11-22 06:06:48, every 2s, 21 shown, 0 tagged$/);
    expect(screen[1]).toBe('pure-ftpd: 21 sessions: 10 downloading, 2 uploading, 9 idle');
    expect(screen[2]).toContain('q quit');
    expect(screen[2]).toContain('k end tagged');
    expect(screen[3]).toMatch(/^ +PID ACCOUNT\^ +LOGIN +HOST +S +TIME +IDLE +DONE +RATE FILE$/);
    expect(pids(terminal)).toHaveLength(21);
    expect(screen.at(-1)).toBe('sort ACCOUNT ascending');
    terminal.press('q');
    expect(await exited()).toBe(0);
    expect(restored(terminal, rt)).toEqual(RESTORED);
    expect(rt.out).toBe('');
  });

  it.each([
    ['Ctrl-C', (t: FakeTerminal) => t.press('c', { ctrl: true })],
    ['SIGTERM', (_t: FakeTerminal, rt: TestRuntime) => rt.signalHandlers.forEach((h) => h('SIGTERM'))],
    ['SIGHUP', (_t: FakeTerminal, rt: TestRuntime) => rt.signalHandlers.forEach((h) => h('SIGHUP'))],
    ['SIGINT', (_t: FakeTerminal, rt: TestRuntime) => rt.signalHandlers.forEach((h) => h('SIGINT'))],
  ])('%s ends it the same way: exit 0, terminal restored', async (_name, stop) => {
    const { terminal, clock, rt, exited } = await start(REPLAY);
    stop(terminal, rt);
    await clock.advance(200);
    expect(await exited()).toBe(0);
    expect(restored(terminal, rt)).toEqual(RESTORED);
  });

  it('refreshes every -d seconds and stops after -n refreshes', async () => {
    const { terminal, clock, rt, exited } = await start([...REPLAY, '-d', '0.5', '-n', '3']);
    let reads = 0;
    const readFile = rt.readFile;
    rt.readFile = (p) => {
      if (p === '/captures/ps.txt') reads++;
      return readFile(p);
    };
    await clock.advance(450);
    expect(reads).toBe(0);
    await clock.advance(100);
    expect(reads).toBe(1);
    await clock.advance(500);
    expect(await exited()).toBe(0);
    expect(reads).toBe(2);
    expect(terminal.left).toBe(1);
  });

  it('sorts: a column letter (again: reversed), < and > move the sort column, r reverses', async () => {
    const { terminal, exited } = await start(REPLAY);
    terminal.press('P', { sequence: 'P' });
    expect(terminal.screen()[3]).toContain('PID^');
    const up = pids(terminal);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    terminal.press('P', { sequence: 'P' });
    expect(pids(terminal)).toEqual([...up].reverse());
    terminal.press('r');
    expect(pids(terminal)).toEqual(up);
    terminal.press('>', { sequence: '>' });
    expect(terminal.screen()[3]).toMatch(/ACCOUNT\^/);
    terminal.press('R', { sequence: 'R' });
    terminal.press('r');
    expect(terminal.screen()[3]).toMatch(/RATEv/);
    expect(pids(terminal).slice(0, 2)).toEqual([25808, 25760]); // 1.7 MiB/s, then 493 KiB/s (pid order among equals)
    expect(terminal.screen().at(-1)).toBe('sort RATE descending');
    terminal.press('<', { sequence: '<' });
    expect(terminal.screen()[3]).toMatch(/DONEv/);
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('--sort gives the first order', async () => {
    const { terminal, exited } = await start([...REPLAY, '--sort', '-pid']);
    expect(terminal.screen()[3]).toContain('PIDv');
    const shown = pids(terminal);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('filters: / then text, Enter applies, Esc cancels; matches login, host, file and account, any case', async () => {
    const { terminal, exited } = await start(REPLAY);
    terminal.press('/', { sequence: '/' });
    terminal.type('BOB');
    expect(terminal.screen().at(-1)).toBe('filter (Enter applies, Esc cancels): BOB_');
    terminal.press('return');
    expect(pids(terminal).sort()).toEqual([24462, 24530, 25808]);
    expect(terminal.screen()[0]).toContain('3 of 21 shown');
    terminal.press('/', { sequence: '/' });
    terminal.type('zzz');
    terminal.press('escape');
    expect(pids(terminal).sort()).toEqual([24462, 24530, 25808]);
    for (const [text, expected] of [
      ['::1', [24498, 24563]], // host
      ['résumé', [25711, 25808]], // file
      ['charlotte', [24486]], // login
      ['ftpvirt', [24462, 24530, 25808]], // account (the fake server's)
      ['', null],
    ] as const) {
      terminal.press('/', { sequence: '/' });
      for (let i = 0; i < 10; i++) terminal.press('backspace');
      terminal.type(text);
      terminal.press('return');
      if (expected === null) expect(pids(terminal)).toHaveLength(21);
      else expect(pids(terminal).sort()).toEqual(expected);
    }
    terminal.press('/', { sequence: '/' });
    terminal.type('nothing-like-it');
    terminal.press('return');
    expect(terminal.screen()).toContain('no session matches “nothing-like-it”');
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('tags with space, asks before ending (naming pids and logins), ends with endSessions, shows the outcome', async () => {
    const { terminal, clock, rt, exited } = await start([]);
    terminal.press('P', { sequence: 'P' });
    const [first, second] = pids(terminal) as [number, number];
    terminal.press('space');
    terminal.press('space');
    expect(terminal.screen().filter((l) => l.startsWith('*')).map((l) => Number(l.split(/ +/)[1]))).toEqual([first, second]);
    terminal.press('k');
    expect(terminal.screen().at(-1)).toBe(`End 2 sessions? [y/N] ${first} alice, ${second} bob@example.com`);
    terminal.press('n');
    expect(terminal.screen().at(-1)).toBe('nothing ended');
    expect(rt.signals).toEqual([]);
    terminal.press('k');
    terminal.press('y');
    await clock.advance(300);
    await until(() => /^ended/.test(terminal.screen().at(-1) as string), 'the outcome');
    expect(terminal.screen().at(-1)).toBe(`ended ${first}, ${second}`);
    expect(rt.signals).toEqual([
      [first, 'SIGTERM'],
      [second, 'SIGTERM'],
    ]);
    await clock.advance(100); // the refresh after ending
    await until(() => !pids(terminal).includes(first), 'the refresh');
    expect(pids(terminal)).not.toContain(second);
    expect(terminal.screen()[0]).toContain('0 tagged');
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('k with nothing tagged ends the session under the cursor; a replay cannot end anything', async () => {
    const live = await start([]);
    live.terminal.press('P', { sequence: 'P' });
    live.terminal.press('down');
    const pid = pids(live.terminal)[1] as number;
    live.terminal.press('k');
    expect(live.terminal.screen().at(-1)).toMatch(new RegExp(`^End 1 session\\? \\[y/N\\] ${pid} `));
    live.terminal.press('escape');
    expect(live.rt.signals).toEqual([]);
    live.terminal.press('q');
    expect(await live.exited()).toBe(0);

    const replay = await start(REPLAY);
    replay.terminal.press('space');
    replay.terminal.press('k');
    expect(replay.terminal.screen().at(-1)).toBe('replayed captures (--input): nothing here can be ended');
    replay.terminal.press('q');
    expect(await replay.exited()).toBe(0);
    expect(replay.rt.signals).toEqual([]);
  });

  it('rates from consecutive refreshes: bytes moved between two readings over the time between them', async () => {
    let calls = 0;
    // 24530's upload: 768 KiB at the first reading, 1792 KiB two seconds later
    const who = () => ok(calls++ === 0 ? WHO : WHO.replace('|upload-from-curl.bin|127.0.0.1|127.0.0.1|2121|768|', '|upload-from-curl.bin|127.0.0.1|127.0.0.1|2121|1792|'));
    const { terminal, clock, exited } = await start(['--login', 'bob@example.com'], { programs: { '/usr/sbin/pure-ftpwho': who } });
    const line = () => terminal.screen().find((l) => l.includes(' 24530 ')) as string;
    expect(line()).toContain('54.0 KiB/s'); // pure-ftpwho's own average
    await clock.advance(2000);
    await until(() => line().includes('512.0 KiB/s'), 'the measured rate');
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('a source that fails during a refresh is said on the status line; the screen stays, q still exits 0', async () => {
    const { terminal, clock, rt, exited } = await start(REPLAY);
    delete rt.files['/captures/ps.txt'];
    await clock.advance(2000);
    await until(() => /^cannot read the sessions: /.test(terminal.screen().at(-1) as string), 'the error');
    expect(pids(terminal)).toHaveLength(21);
    terminal.press('q');
    expect(await exited()).toBe(0);
    expect(terminal.left).toBe(1);
  });

  it('fits the terminal: columns drop by rank on a narrow one, nothing past the edge, redrawn on resize', async () => {
    const { terminal, exited } = await start(REPLAY, { columns: 40, rows: 12 });
    // FakeTerminal throws on a character written past the right edge or a line break
    expect(terminal.screen()[3]).toMatch(/^ +PID LOGIN +S +FILE$/);
    expect(terminal.screen().every((l) => l.length <= 40)).toBe(true);
    expect(pids(terminal)).toHaveLength(12 - 5);
    terminal.resize(160, 40);
    expect(terminal.screen()[3]).toMatch(/PID ACCOUNT\^ +LOGIN +HOST +S +TIME +IDLE +DONE +RATE FILE/);
    expect(pids(terminal)).toHaveLength(21);
    terminal.resize(20, 6);
    expect(terminal.screen().every((l) => l.length <= 20)).toBe(true);
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('shows hostile text safely: escape sequences, bidi controls and wide characters in file names and logins', async () => {
    const evil = WHO.replace('|upload-from-curl.bin|', '|\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202Egnp.exe\u4e2d\u6587|').replace(
      '24462|bob@example.com|',
      '24462|\x1b[31mbob\u200b|',
    );
    const { terminal, exited } = await start([], { programs: { '/usr/sbin/pure-ftpwho': ok(evil) } });
    for (const payload of ['\x1b]', '\x1b[31m', '\x07', '\u202e', '\u200b']) expect(terminal.written).not.toContain(payload);
    expect(terminal.written.split('\x1b[2J')).toHaveLength(2); // the one clear of the first draw
    expect(terminal.screen().join('\n')).toContain('?gnp.exe中文');
    expect(terminal.screen().join('\n')).toContain('?[31mbob?');
    terminal.press('q');
    expect(await exited()).toBe(0);
  });

  it('? shows every key; any key closes it', async () => {
    const { terminal, exited } = await start(REPLAY);
    terminal.press('?', { sequence: '?' });
    const help = terminal.screen().join('\n');
    for (const k of ['q, Ctrl-C', 'space', 'k ', '/ ', '< >', 'P A L H D S T I B R F']) expect(help).toContain(k);
    terminal.press('x');
    expect(pids(terminal)).toHaveLength(21);
    terminal.press('q');
    expect(await exited()).toBe(0);
  });
});
