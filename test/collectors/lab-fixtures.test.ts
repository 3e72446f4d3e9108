// The lab's captures of four real servers (test/fixtures/lab/, see its README),
// replayed through the whole pipeline as root for each account, against the
// lab's ground truth (expected.json): the same code as a live listing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { diskRuntime, FIXTURES } from '../helpers/runtime.js';

interface Truth {
  pid: number;
  user: string;
  host: string;
  status: string;
  file: string;
  login: number;
  scenario: string;
}
interface Expected {
  capturedAt: number;
  loginToleranceMs: number;
  notLoggedIn: Array<{ pid: number }>;
  accounts: Record<string, { uid: number; gid: number; home: string; sessions: Truth[] }>;
}

const LABS = ['pure-ftpd', 'proftpd', 'vsftpd', 'vsftpd-notitle'] as const;

function lab(name: string) {
  const dir = `${FIXTURES}lab/${name}/`;
  const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Expected;
  const passwd = Object.entries(expected.accounts)
    .map(([user, a]) => `${user}:x:${a.uid}:${a.gid}::${a.home}:/bin/sh`)
    .join('\n');
  const inputs = [
    ['proc', `${dir}proc`],
    ['ps', `${dir}ps.txt`],
    ['pure-ftpwho', `${dir}pure-ftpwho.txt`],
    ['ftpwho', `${dir}ftpwho.json`],
  ].filter(([, path]) => existsSync(path as string));
  return { dir, expected, passwd: `root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n${passwd}\n`, inputs };
}

async function list(name: string, user: string, sources: string[], collector = 'auto') {
  const { passwd, inputs, expected } = lab(name);
  const args = inputs.filter(([id]) => sources.includes(id as string)).flatMap(([id, path]) => ['--input', `${id}=${path}`]);
  const rt = diskRuntime({ now: expected.capturedAt, files: { '/etc/passwd': passwd }, argv: [`--user=${user}`, '--output=json', `--collector=${collector}`, ...args, 'Ftp', 'list_sessions'] });
  const code = await run('uapi', rt);
  expect([code, rt.err]).toEqual([0, '']);
  return JSON.parse(rt.out).result.data as Array<Record<string, string | number>>;
}

/** What a process title keeps of a file name: vsftpd shows non-ASCII bytes as `?`; titles are cut short. */
const titled = (file: string) => Buffer.from(file, 'utf8').toString('latin1').replace(/[^\x20-\x7e]/g, '?');

describe.each(LABS)('lab capture: %s', (name) => {
  const { expected } = lab(name);
  const all = ['proc', 'ps', 'pure-ftpwho', 'ftpwho'];

  it.each(Object.keys(expected.accounts))('auto, every source: %s sees exactly its sessions, every field right', async (user) => {
    const truth = expected.accounts[user]?.sessions ?? [];
    const rows = await list(name, user, all);
    expect(rows.map((r) => r.pid)).toEqual(truth.map((t) => t.pid).sort((a, b) => a - b));
    for (const row of rows) {
      const t = truth.find((s) => s.pid === row.pid) as Truth;
      expect([row.user, row.host, row.status], t.scenario).toEqual([t.user, t.host, t.status]);
      const got = String(row.file);
      if (got !== t.file) {
        // a daemon's own report of a long or non-ASCII name: its title's, or ftpwho's 79 bytes
        expect(t.file.startsWith(got) || titled(t.file).startsWith(got), `${t.scenario}: ${got}`).toBe(true);
        expect(got.length, t.scenario).toBeGreaterThan(10);
      }
      const at = Date.parse(`${row.login} UTC`);
      expect(Math.abs(at - t.login), `${t.scenario} login ${row.login}`).toBeLessThanOrEqual(expected.loginToleranceMs);
    }
  });

  it.each(['proc', 'ps'])('%s alone finds the same sessions, and never one that has not logged in', async (source) => {
    for (const [user, account] of Object.entries(expected.accounts)) {
      const rows = await list(name, user, [source], source);
      expect(rows.map((r) => r.pid), user).toEqual(account.sessions.map((t) => t.pid).sort((a, b) => a - b));
    }
    const prelogin = new Set(expected.notLoggedIn.map((s) => s.pid));
    expect((await list(name, 'nobody', [source], source)).filter((r) => prelogin.has(r.pid as number))).toEqual([]);
  });
});
