import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionSchema } from '../../src/model/session.js';
import { mergeObservations, type Observation, stateOfCommand } from '../../src/model/observation.js';
import { normalise } from '../../src/model/normalise.js';
import { formatCtime, parseLstart } from '../../src/model/time.js';

const ALICE = { name: 'alice', uid: 1001, home: '/home/alice' };
const base: Observation = { pid: 10, daemon: 'pure-ftpd', loggedIn: true, state: 'IDLE', uid: 1001, systemUser: 'alice', title: 'pure-ftpd (IDLE)' };

describe('time', () => {
  it('formats ctime with a space-padded day, in local time (TZ=UTC here)', () => {
    expect(formatCtime(Date.parse('2014-10-15T12:49:03Z'))).toBe('Wed Oct 15 12:49:03 2014');
    expect(formatCtime(Date.parse('2026-11-02T06:06:28Z'))).toBe('Mon Nov  2 06:06:28 2026');
  });
  it('reads ps lstart back to the same instant', () => {
    const t = Date.parse('2026-11-02T06:06:28Z');
    expect(parseLstart(formatCtime(t))).toBe(t);
    expect(parseLstart('Mon Nov 2 06:06:28 2026')).toBe(t);
    expect(parseLstart('Mon Xyz 2 06:06:28 2026')).toBeUndefined();
  });
});

describe('stateOfCommand', () => {
  it.each([
    ['RETR', 'DL'], ['DOWNLOAD', 'DL'], ['DL', 'DL'], ['retr', 'DL'],
    ['STOR', 'UL'], ['APPE', 'UL'], ['STOU', 'UL'], ['UPLOAD', 'UL'], ['UL', 'UL'],
    ['IDLE', 'IDLE'], ['LIST', 'IDLE'], ['ERR!', 'IDLE'], ['', 'IDLE'],
  ])('%s -> %s', (command, state) => {
    expect(stateOfCommand(command)).toBe(state);
  });
});

describe('mergeObservations', () => {
  it('adds and overrides the preferred fields by pid, keeps only base pids, and ANDs loggedIn', () => {
    const merged = mergeObservations(
      [base, { ...base, pid: 11, uid: 0, loggedIn: false }],
      [
        { pid: 10, daemon: 'pure-ftpd', loggedIn: true, state: 'DL', login: 'bob@example.com', host: '::1', file: 'x', title: 'pure-ftpd (DOWNLOAD)' },
        { pid: 11, daemon: 'pure-ftpd', loggedIn: true, state: 'IDLE', login: 'carol' },
        { pid: 12, daemon: 'pure-ftpd', loggedIn: true, state: 'IDLE', login: 'ghost' },
      ],
      ['login', 'host', 'file', 'state'],
    );
    expect(merged).toEqual([
      { ...base, state: 'DL', login: 'bob@example.com', host: '::1', file: 'x' },
      { ...base, pid: 11, uid: 0, loggedIn: false, login: 'carol' },
    ]);
  });
});

describe('normalise', () => {
  it('fills every field, blanks the file of idle sessions and sorts by pid numerically', () => {
    const { sessions, warnings } = normalise(
      [
        { ...base, pid: 10023, state: 'DL', file: 'big.bin', startedAt: Date.parse('2014-10-15T12:49:03Z') },
        { ...base, pid: 9876, file: 'left over' },
      ],
      ALICE,
    );
    expect(warnings).toEqual([]);
    expect(sessions).toEqual([
      { cmdline: 'pure-ftpd (IDLE)', file: '', host: '', login: '', pid: 9876, status: 'IDLE', user: 'alice', loginAt: null },
      { cmdline: 'pure-ftpd (IDLE)', file: 'big.bin', host: '', login: 'Wed Oct 15 12:49:03 2014', pid: 10023, status: 'DL', user: 'alice', loginAt: Date.parse('2014-10-15T12:49:03Z') },
    ]);
  });
  it('shows a file only /proc knows relative to the home it lies in, and the account when no login name is known', () => {
    const { systemUser: _s, ...noUser } = base;
    const rows = normalise(
      [
        { ...noUser, pid: 1, state: 'DL', filePath: '/home/alice/pub/big file.bin' },
        { ...noUser, pid: 2, state: 'UL', filePath: '/home/alice2/x.bin' },
        { ...noUser, pid: 3, state: 'DL', filePath: '/srv/ftp/pub/a.iso', file: 'pub/a.iso' },
        { ...noUser, pid: 4, state: 'IDLE', filePath: '/home/alice/stale.bin' },
      ],
      ALICE,
    ).sessions;
    expect(rows.map((r) => [r.file, r.user])).toEqual([
      ['pub/big file.bin', 'alice'],
      ['/home/alice2/x.bin', 'alice'],
      ['pub/a.iso', 'alice'],
      ['', 'alice'],
    ]);
  });

  it('drops a row that does not fit the schema with a warning', () => {
    const { sessions, warnings } = normalise([{ ...base, pid: -1 }, base], ALICE);
    expect(sessions.map((s) => s.pid)).toEqual([10]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^session -1 was left out: /);
  });
});

describe('every session normalise makes fits the Session schema', () => {
  const observation = fc.record(
    {
      pid: fc.oneof(fc.integer({ min: 1, max: 4_194_304 }), fc.integer(), fc.double()),
      daemon: fc.constantFrom('pure-ftpd', 'proftpd', 'vsftpd'),
      loggedIn: fc.boolean(),
      state: fc.constantFrom('IDLE', 'DL', 'UL'),
      uid: fc.nat(),
      systemUser: fc.string(),
      login: fc.string(),
      host: fc.string(),
      file: fc.string(),
      filePath: fc.string(),
      startedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      title: fc.string(),
    },
    { requiredKeys: ['pid', 'daemon', 'loggedIn', 'state'] },
  );
  it('for any observations', () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 20 }), (observations) => {
        const { sessions, warnings } = normalise(observations as Observation[], ALICE);
        for (const s of sessions) expect(SessionSchema.safeParse(s).success).toBe(true);
        expect(sessions.length + warnings.length).toBe(observations.length);
      }),
      { numRuns: 500 },
    );
  });
});
