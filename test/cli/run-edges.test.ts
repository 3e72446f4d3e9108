// run() at its edges: what arrives at the function from --input=json and
// key=value words, what the renderer is told of the terminal, how stdin that
// is too big or not text is answered, and that nothing on stderr can drive a
// terminal. The function is a stand-in that records its invocation.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Invocation } from '../../src/cli/invocation.js';
import type { RenderContext } from '../../src/render/types.js';
import { ApiError } from '../../src/errors.js';
import { run, terminalSafe, unicodeLocale } from '../../src/run.js';
import { READ_LIMIT_BYTES } from '../../src/runtime.js';
import { createTestRuntime } from '../helpers/runtime.js';

const seen: { invocation: Invocation | undefined; context: RenderContext | undefined; warnings: string[]; error: Error | undefined } = { invocation: undefined, context: undefined, warnings: [], error: undefined };

vi.mock('../../src/dispatch/dispatch.js', () => ({
  dispatch: async () => async (invocation: Invocation) => {
    seen.invocation = invocation;
    if (seen.error !== undefined) throw seen.error;
    return { data: { kind: 'object', value: { ok: 1 } }, warnings: seen.warnings };
  },
}));

vi.mock('../../src/render/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/render/index.js')>();
  return {
    loadRenderer: async (format: Parameters<typeof real.loadRenderer>[0]) => {
      const render = await real.loadRenderer(format);
      return (envelope: Parameters<typeof render>[0], context: RenderContext) => {
        seen.context = context;
        return render(envelope, context);
      };
    },
  };
});

beforeEach(() => {
  seen.invocation = undefined;
  seen.context = undefined;
  seen.warnings = [];
  seen.error = undefined;
});

describe('arguments arrive as data', () => {
  it('--input=json: __proto__ and constructor are arguments, in an object without a prototype', async () => {
    const rt = createTestRuntime({ uid: 1001, stdin: '{"__proto__": "x", "constructor": "y", "login": ["a", "b"]}', argv: ['--input=json', '--output=json', 'Ftp', 'kill_session', 'toString=z'] });
    expect(await run('uapi', rt)).toBe(0);
    const args = seen.invocation?.args as Record<string, string>;
    expect(Object.getPrototypeOf(args)).toBeNull();
    expect(Object.entries(args)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['login', 'a'],
      ['login-0', 'b'],
      ['toString', 'z'],
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('key=value words: the same', async () => {
    const rt = createTestRuntime({ uid: 1001, argv: ['--output=json', 'Ftp', 'kill_session', '__proto__=x', 'constructor=y'] });
    expect(await run('uapi', rt)).toBe(0);
    const args = seen.invocation?.args as Record<string, string>;
    expect(Object.getPrototypeOf(args)).toBeNull();
    expect({ ...args }).toEqual(Object.fromEntries([['__proto__', 'x'], ['constructor', 'y']]));
  });
});

describe('standard input is read as text, and only so much', () => {
  it.each([
    ['x'.repeat(READ_LIMIT_BYTES + 1), '--input=json: standard input: is larger than 64 MiB, the most read from one input'],
    ['{"a":"\0"}', '--input=json: standard input: holds NUL bytes: not text'],
  ])('--input=json: a usage error (%#)', async (stdin, line) => {
    const rt = createTestRuntime({ uid: 1001, stdin, argv: ['--input=json', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(2);
    expect([rt.out, rt.err.split('\n')[0]]).toEqual(['', `uapi: ${line}`]);
    expect(seen.invocation).toBeUndefined();
  });

  it('an action request: error 10001, in the response', async () => {
    const rt = createTestRuntime({ uid: 1001, stdin: `{"action":"listSessions"}\0`, argv: [] });
    expect(await run('action', rt)).toBe(1);
    expect(JSON.parse(rt.out)).toMatchObject({ errorCode: 10001, errorMessage: 'The request cannot be read: standard input: holds NUL bytes: not text.' });
  });

  it('a capture: readCapture words the refusal for the failure envelope (the fake runtime refuses as the real one)', async () => {
    const { readCapture } = await import('../../src/collectors/program.js');
    const rt = createTestRuntime({ argv: [], stdin: 'x'.repeat(READ_LIMIT_BYTES + 1), files: { '/cap/nul': 'a\0b' }, stats: { '/cap/fifo': { dev: 1, ino: 2, uid: 0, mode: 0o010644 } } });
    await expect(readCapture('ps', '-', rt)).rejects.toThrow('cannot read --input ps=-: is larger than 64 MiB, the most read from one input');
    await expect(readCapture('ps', '/cap/fifo', rt)).rejects.toThrow('cannot read --input ps=/cap/fifo: is a FIFO, not a file');
    await expect(readCapture('ps', '/cap/nul', rt)).rejects.toThrow('cannot read --input ps=/cap/nul: holds NUL bytes: not text');
  });
});

describe('the renderer is told of the terminal', () => {
  it.each([
    [{ isTTY: true, columns: 132 }, {}, 132, false],
    [{ isTTY: true }, { LANG: 'en_US.UTF-8' }, 80, true],
    [{ isTTY: false }, { LC_ALL: 'C.utf8', LANG: 'C' }, undefined, true],
  ])('%j %j', async (terminal, env, columns, unicode) => {
    const rt = createTestRuntime({ uid: 1001, env, ...terminal, argv: ['--output=json', 'Ftp', 'list_sessions'] });
    await run('uapi', rt);
    expect(seen.context).toMatchObject({ columns, unicode });
  });

  it.each([
    [{}, false],
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'de_DE.utf8' }, true],
    [{ LC_CTYPE: 'C.UTF-8', LANG: 'C' }, true],
    [{ LC_ALL: 'C', LC_CTYPE: 'C.UTF-8', LANG: 'en_US.UTF-8' }, false],
    [{ LC_ALL: '', LC_CTYPE: '', LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'en_US.ISO-8859-1' }, false],
    [{ LANG: 'POSIX' }, false],
  ])('unicode %j: %s', (env, unicode) => {
    expect(unicodeLocale(env)).toBe(unicode);
  });
});

describe('stderr never drives the terminal', () => {
  it.each([
    ['\x1b]52;c;aGVsbG8=\x07', '\\x1b]52;c;aGVsbG8=\\x07'], // OSC 52: write the clipboard
    ['\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'], // clear the screen
    ['a\u202eb\u2066c\u2069\u200e\u200f\u061c', 'a\\u202eb\\u2066c\\u2069\\u200e\\u200f\\u061c'], // bidi
    ['line\nbreak\r\ttab\u2028\u2029', 'line\\nbreak\\r\\ttab\\u2028\\u2029'],
    ['\x00\x7f\x80\x9b\x9d', '\\x00\\x7f\\x80\\x9b\\x9d'], // NUL, DEL, C1 (CSI, OSC)
    ['über “ok” ✓ 日本', 'über “ok” ✓ 日本'], // text is text
  ])('%j', (text, shown) => {
    expect(terminalSafe(text)).toBe(shown);
  });

  it('a usage error echoing an argument: escaped, still one line and the pointer to --help', async () => {
    const rt = createTestRuntime({ argv: ['--x\n\x1b]52;c;aGk=\x07\u202e', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(2);
    expect(rt.err).toBe("uapi: unknown option '--x\\n\\x1b]52;c;aGk=\\x07\\u202e'\nTry 'uapi --help' for more information.\n");
  });

  it('a warning carrying data (API 2 says them on stderr), one line each', async () => {
    seen.warnings = ['title \x1b[2J of pid 1', 'two\nlines'];
    const rt = createTestRuntime({ uid: 1001, argv: ['--output=json', 'Ftp', 'list_sessions'] });
    expect(await run('api2', rt)).toBe(0);
    expect(rt.err).toBe('cpapi2: warning: title \\x1b[2J of pid 1\ncpapi2: warning: two\\nlines\n');
  });

  it('an error the table says on stderr', async () => {
    seen.error = new ApiError('E_NO_USER', 'The user “\x1b[31mred\u202e” does not exist.');
    const rt = createTestRuntime({ argv: ['--user=\x1b[31mred\u202e', '--output=table', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(1);
    expect(rt.err).toBe('uapi: The user “\\x1b[31mred\\u202e” does not exist.\n');
    expect(rt.err).not.toMatch(/[\x1b\u202e]/);
    expect(rt.err).toContain('\\x1b[31mred\\u202e');
  });

  it('an internal error, and its stack with --debug', async () => {
    seen.error = new TypeError('boom \x1b]0;title\x07');
    const rt = createTestRuntime({ uid: 1001, argv: ['--debug', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(70);
    expect(rt.err).toMatch(/^uapi: internal error: boom \\x1b\]0;title\\x07\nTypeError: boom \\x1b\]0;title\\x07\n {4}at /);
    expect(rt.err).not.toMatch(/[\x07\x1b]/);
  });
});
