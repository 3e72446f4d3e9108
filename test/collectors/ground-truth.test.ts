// The parsers against the lab's ground truth (fixtures/*/<phase>.sessions.jsonl:
// which server processes hold each real client's control connection, what the
// client logged in as and asked for). One rule for every daemon and source.
import { describe, expect, it } from 'vitest';
import { parseFtpwho } from '../../src/collectors/ftpwho/parse.js';
import { parseProc } from '../../src/collectors/proc/parse.js';
import { readProcTree } from '../../src/collectors/proc/snapshot.js';
import { parsePs } from '../../src/collectors/ps/parse.js';
import { parsePureFtpwho } from '../../src/collectors/pure-ftpwho/parse.js';
import type { Observation } from '../../src/model/observation.js';
import { diskRuntime, FIXTURES, fixture } from '../helpers/runtime.js';

interface Truth {
  client: string;
  server_pids: number[];
  login: string;
  mode: 'idle' | 'prelogin' | 'prelogin-user' | 'download' | 'upload';
  state: 'prelogin' | 'idle' | 'transferring' | 'failed' | 'idle-after-transfer';
  file: string;
}

function truth(path: string): Truth[] {
  return fixture(path)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Truth);
}

/** What the client sent, where the lab's `file` is what it was asked to fetch (fixtures/README.md). */
function sentFile(t: Truth): string {
  if (t.client === 'lftp-anon') return 'pub/anon big.iso';
  if (t.client === 'curl-ul') return 'upload-from-curl.bin';
  return t.file;
}

/** How each daemon's title shows a file name (ftp-servers.md §3.1, §4). */
const TITLE_FILE = {
  proftpd: (f: string) => f.replace(/\s+/g, ' '),
  vsftpd: (f: string) => Buffer.from(f, 'utf8').toString('latin1').replace(/[^\x20-\x7e]/g, '?'),
  'pure-ftpd': (f: string) => f,
} as const;

const FTP_LOGIN = (login: string) => (login === 'anonymous' ? 'ftp' : login);

function check(daemon: 'pure-ftpd' | 'proftpd' | 'vsftpd', truths: Truth[], observations: Observation[], source: 'ps' | 'proc' | 'pure-ftpwho' | 'ftpwho') {
  for (const t of truths) {
    const mine = observations.filter((o) => t.server_pids.includes(o.pid));
    const loggedIn = mine.filter((o) => o.loggedIn);
    if (t.state === 'prelogin') {
      expect(loggedIn, `${t.client}: not logged in`).toEqual([]);
      continue;
    }
    expect(loggedIn, `${t.client}: exactly one session process`).toHaveLength(1);
    const o = loggedIn[0] as Observation;
    expect(o.daemon).toBe(daemon);
    const transferring = t.state === 'transferring';
    expect(o.state, t.client).toBe(transferring ? (t.mode === 'upload' ? 'UL' : 'DL') : 'IDLE');
    // The title of pure-ftpd names no user, host or file; every other view does.
    if ((source === 'ps' || source === 'proc') && daemon === 'pure-ftpd') {
      expect(o.login).toBeUndefined();
      expect(source === 'ps' ? o.systemUser : o.uid).toBeDefined();
      continue;
    }
    expect(o.login, t.client).toBe(FTP_LOGIN(t.login));
    expect(o.host, t.client).toMatch(/\S/);
    if (transferring) {
      const title = source === 'ps' || source === 'proc';
      // ftpwho shows the command as ProFTPD tokenised it, like its title
      const expected = title || source === 'ftpwho' ? TITLE_FILE[daemon](sentFile(t)) : sentFile(t);
      // ftpwho keeps 79 bytes of the argument, a title what fits in its space (ftp-servers.md §3.2)
      if (source === 'ftpwho' && Buffer.byteLength(expected) > 79) {
        expect(expected.startsWith(o.file ?? '-'), t.client).toBe(true);
        continue;
      }
      // Titles are cut to the daemon's title space and pure-ftpd's scoreboard keeps the last 1023 bytes.
      if (t.client === 'dl-deep' || t.client === 'dl-long') {
        expect(expected.startsWith(o.file ?? '') || expected.slice(0, -1).endsWith(o.file ?? ''), t.client).toBe(true);
        expect((o.file ?? '').length).toBeGreaterThan(40);
      } else {
        expect(o.file, t.client).toBe(expected);
      }
    }
  }
  // Nothing but the lab's sessions is reported as logged in.
  const known = new Set(truths.flatMap((t) => t.server_pids));
  expect(observations.filter((o) => o.loggedIn && !known.has(o.pid))).toEqual([]);
}

describe.each(['00-no-sessions', '01-basic', '02-tricky'])('%s', (phase) => {
  it.each(['pure-ftpd', 'proftpd', 'vsftpd'] as const)('ps: %s', (daemon) => {
    const reading = parsePs(fixture(`${daemon}/${phase}.ps.txt`));
    expect(reading.skippedLines).toEqual([]);
    check(daemon, truth(`${daemon}/${phase}.sessions.jsonl`), reading.observations, 'ps');
  });

  it.runIf(phase !== '00-no-sessions')('proftpd: ftpwho -o json', () => {
    const reading = parseFtpwho(fixture(`proftpd/${phase}.ftpwho-o-json.txt`));
    expect(reading.skippedLines).toEqual([]);
    check('proftpd', truth(`proftpd/${phase}.sessions.jsonl`), reading.observations, 'ftpwho');
  });

  it.runIf(phase === '02-tricky').each(['pure-ftpd', 'proftpd', 'vsftpd'] as const)('proc: %s', async (daemon) => {
    const snapshot = await readProcTree(`${FIXTURES}${daemon}/${phase}.proc`, diskRuntime());
    const reading = parseProc(snapshot);
    check(daemon, truth(`${daemon}/${phase}.sessions.jsonl`), reading.observations, 'proc');
    // the same start times as ps printed
    const ps = new Map(parsePs(fixture(`${daemon}/${phase}.ps.txt`)).observations.map((o) => [o.pid, o.startedAt]));
    for (const o of reading.observations) expect(Math.floor((o.startedAt as number) / 1000) * 1000, String(o.pid)).toBe(ps.get(o.pid));
  });

  it.each(['pure-ftpwho-s', 'pure-ftpwho-sH'])('pure-ftpd: %s', (what) => {
    const reading = parsePureFtpwho(fixture(`pure-ftpd/${phase}.${what}.txt`), 0);
    expect(reading.skippedLines).toEqual([]);
    check('pure-ftpd', truth(`pure-ftpd/${phase}.sessions.jsonl`), reading.observations, 'pure-ftpwho');
  });
});
