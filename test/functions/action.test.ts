// ftpsessions: one JSON action request on stdin, its JSON response on stdout.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture } from '../helpers/runtime.js';

const FILES = { '/cap/ps': fixture('pure-ftpd/02-tricky.ps.txt'), '/cap/who': fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt') };
const REPLAY = ['--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who'];

async function act(request: unknown, argv: string[] = ['--user=ftpvirt', ...REPLAY], uid = 0) {
  const rt = createTestRuntime({ files: FILES, uid, argv, stdin: typeof request === 'string' ? request : JSON.stringify(request) });
  const code = await run('action', rt);
  expect(rt.out.endsWith('\n') && !rt.out.slice(0, -1).includes('\n')).toBe(true);
  return { code, response: JSON.parse(rt.out), err: rt.err };
}

const BOB = [
  { pid: 24462, username: 'bob@example.com', host: '127.0.0.2', login: '2026-11-22T06:06:28Z', status: 'IDLE', file: '', description: 'pure-ftpd (IDLE)' },
  { pid: 24530, username: 'bob@example.com', host: '127.0.0.1', login: '2026-11-22T06:06:30Z', status: 'UL', file: 'upload-from-curl.bin', description: 'pure-ftpd (UPLOAD)' },
  { pid: 25808, username: 'bob@example.com', host: '127.0.0.1', login: '2026-11-22T06:06:42Z', status: 'DL', file: '/naïve résumé.txt', description: 'pure-ftpd (DOWNLOAD)' },
];

describe('ftpsessions (JSON actions)', () => {
  it('answers listSessions with the account\'s sessions, echoing requestId', async () => {
    const { code, response } = await act({ api: 'admin', action: 'listSessions', requestId: '2', authToken: 'ignored' });
    expect(code).toBe(0);
    expect(response).toEqual({ result: { sessions: BOB }, requestId: '2', errorCode: 0, errorMessage: '' });
    expect(Object.keys(response)).toEqual(['result', 'requestId', 'errorCode', 'errorMessage']);
  });

  it.each([[2], [null], [{ a: [1, 'x'] }], [[true]], ['']])('echoes requestId %j whatever JSON value it is', async (requestId) => {
    expect((await act({ action: 'listSessions', requestId })).response.requestId).toEqual(requestId);
  });

  it('has no requestId when the request had none', async () => {
    expect('requestId' in (await act({ action: 'listSessions' })).response).toBe(false);
  });

  it('filters by usernameFilter, within the account', async () => {
    expect((await act({ action: 'listSessions', params: { usernameFilter: ['nobody', 'bob@example.com'] } })).response.result.sessions).toEqual(BOB);
    expect((await act({ action: 'listSessions', params: { usernameFilter: ['alice'] } })).response.result.sessions).toEqual([]);
  });

  it('numberFormat string and dataFormat arrays', async () => {
    const { response } = await act({ action: 'listSessions', responseOptions: { dataFormat: 'arrays', numberFormat: 'string' } });
    expect(response.result.fieldNames).toEqual(['pid', 'username', 'host', 'login', 'status', 'file', 'description']);
    expect(response.result.sessions[0]).toEqual(['24462', 'bob@example.com', '127.0.0.2', '2026-11-22T06:06:28Z', 'IDLE', '', 'pure-ftpd (IDLE)']);
  });

  it('debug max adds debugInfo.request', async () => {
    const request = { action: 'listSessions', debug: 'max', requestId: 9 };
    const { response } = await act(request);
    expect(response.debugInfo).toEqual({ request });
    expect(Object.keys(response)).toEqual(['result', 'requestId', 'debugInfo', 'errorCode', 'errorMessage']);
  });

  it.each([
    ['{bad', 10001, /^The request is not valid JSON: /],
    ['', 10001, /^The request is empty/],
    ['[]', 10002, /^The request must be a JSON object\.$/],
    [{ requestId: 1 }, 10002, /^'action' is required/],
    [{ action: 'listSessions', api: 'nope' }, 10002, /^'api' must be one of/],
    [{ action: 'listSessions', responseOptions: { dataFormat: 'csv' } }, 10002, /dataFormat/],
    [{ action: 'listSessions', responseOptions: { numberFormat: 1 } }, 10002, /numberFormat/],
    [{ action: 'createSession' }, 10003, /^The action “createSession” of the “admin” API is not known here/],
    [{ action: 'listSessions', api: 'db' }, 10003, /“db” API/],
    [{ action: 'listSessions', params: { usernameFilter: 'bob' } }, 10004, /usernameFilter/],
    [{ action: 'listSessions', params: { usernameFilter: ['x'.repeat(65)] } }, 10004, /1 to 64 bytes/],
    [{ action: 'listSessions', params: { usernameFilter: [7] } }, 10004, /1 to 64 bytes/],
    [{ action: 'listSessions', params: [] }, 10004, /'params' must be a JSON object/],
  ])('%j is refused with errorCode %i', async (request, errorCode, message) => {
    const { code, response } = await act(request);
    expect(code).toBe(1);
    expect(response.result).toEqual({});
    expect(response.errorCode).toBe(errorCode);
    expect(response.errorMessage).toMatch(message);
  });

  it('keeps the requestId of a request it refuses', async () => {
    expect((await act({ action: 'listSessions', requestId: 'r1', params: { usernameFilter: 3 } })).response).toMatchObject({ requestId: 'r1', errorCode: 10004 });
  });

  it('applies the account rules: a non-root caller sees only its own sessions, and is refused another account', async () => {
    const own = await act({ action: 'listSessions' }, REPLAY, 1002);
    expect(own.response.result.sessions.map((s: { pid: number }) => s.pid)).toEqual([24462, 24530, 25808]);
    const other = await act({ action: 'listSessions' }, ['--user=alice', ...REPLAY], 1002);
    expect([other.code, other.response.errorCode]).toEqual([1, 10005]);
    const unknown = await act({ action: 'listSessions' }, ['--user=zed', ...REPLAY]);
    expect(unknown.response.errorCode).toBe(10005);
  });

  it.each([
    ['huge', 1e300],
    ['past year 275760', 8.64e15 + 1000],
    ['before 1970', -1000],
    ['1e400 (Infinity)', '1e400'],
  ])('a connection time %s is an empty login and a warning naming the pid, not a RangeError', async (_what, since) => {
    const connections = `[{"pid":4242,"user":"alice","connected_since_ms":${since},"command":"idle"},{"pid":4243,"user":"alice","connected_since_ms":1795327725000,"command":"idle"}]`;
    const rt = createTestRuntime({
      files: { '/cap/who.json': `{"server":{},"connections":${connections}}` },
      argv: ['--user=alice', '--input', 'ftpwho=/cap/who.json'],
      stdin: JSON.stringify({ action: 'listSessions', debug: 'max' }),
    });
    expect(await run('action', rt)).toBe(0);
    expect(rt.err).toBe('');
    const response = JSON.parse(rt.out);
    expect(response.errorCode).toBe(0);
    expect(response.result.sessions.map((s: { pid: number; login: string }) => [s.pid, s.login])).toEqual([
      [4242, ''],
      [4243, '2026-11-22T06:08:45Z'],
    ]);
    expect(response.debugInfo.warnings).toContainEqual({ warningCode: 1, warningMessage: expect.stringMatching(/^session 4242: its start time is out of range/) });
  });

  it('a usage error is still a usage error (exit 2, nothing on stdout)', async () => {
    const rt = createTestRuntime({ argv: ['--input', 'ps=-'], stdin: '{}' });
    expect(await run('action', rt)).toBe(2);
    expect(rt.out).toBe('');
    expect(rt.err).toMatch(/^ftpsessions: the request comes on standard input/);
  });
});

describe('--input=json (uapi, cpapi2)', () => {
  async function uapi(stdin: string, extra: string[] = []) {
    const rt = createTestRuntime({ files: FILES, stdin, argv: ['--user=alice', '--output=json', '--input=json', ...REPLAY, 'Ftp', 'list_sessions', ...extra] });
    const code = await run('uapi', rt);
    return { code, out: rt.out, err: rt.err };
  }
  it('takes the function arguments as a JSON object on stdin: numbers, booleans as 1/0, arrays as repeated keys', async () => {
    const { code, out } = await uapi('{"api.columns_1": ["pid", "status"], "api.sort_column": "pid", "api.sort_method": "numeric", "api.sort_reverse": true, "api.paginate_size": 2, "unknown": null}');
    expect(code).toBe(0);
    expect(JSON.parse(out).result.data).toEqual([
      { pid: 25848, status: 'UL' },
      { pid: 25832, status: 'IDLE' },
    ]);
  });

  it('key=value words on the command line win over the JSON', async () => {
    const { out } = await uapi('{"api.columns_1": "status"}', ['api.columns_1=pid', 'api.paginate_size=1']);
    expect(JSON.parse(out).result.data).toEqual([{ pid: 24393 }]);
  });
  it.each([
    ['not json', /^uapi: --input=json: standard input is not JSON/],
    ['[1]', /^uapi: --input=json: standard input must hold one JSON object/],
    ['{"a": {"b": 1}}', /^uapi: --input=json: the value of “a” is nested data/],
  ])('%j is a usage error', async (stdin, message) => {
    const { code, out, err } = await uapi(stdin);
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(message);
  });
  it('cannot share standard input with a replayed capture', async () => {
    const rt = createTestRuntime({ argv: ['--user=alice', '--input=json', '--input', 'ps=-', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(2);
    expect(rt.err).toMatch(/^uapi: only one --input can read standard input/);
  });
});
