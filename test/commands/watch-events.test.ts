// watch's comparison of two readings, row by row: what is a new transfer.
import { describe, expect, it } from 'vitest';
import { matchesFilter, sessionEvents, type Sessions } from '../../src/commands/watch/events.js';
import type { NativeRow } from '../../src/model/native.js';

function row(pid: number, fields: Partial<NativeRow> = {}): NativeRow {
  return {
    account: 'alice',
    pid,
    daemon: 'vsftpd',
    login: 'alice',
    host: '127.0.0.1',
    state: 'IDLE',
    file: null,
    cwd: null,
    connected_at: '2026-12-01T12:00:00Z',
    idle_seconds: 3,
    transferred_bytes: null,
    size_bytes: null,
    percent: null,
    rate_bytes_per_second: null,
    cmdline: 'vsftpd: 127.0.0.1/alice: IDLE',
    ...fields,
  };
}
const dl = (pid: number, file: string | null, bytes: number | null) => row(pid, { state: 'DL', file, transferred_bytes: bytes });
const of = (...rows: NativeRow[]): Sessions => new Map(rows.map((r) => [`${r.pid}:1`, r]));
const names = (previous: Sessions | undefined, current: Sessions) => sessionEvents(previous, current).map((e) => `${e.event} ${e.session.pid}`);

describe('sessionEvents', () => {
  it('the same transfer growing, its rate and idle time changing: no event', () => {
    expect(names(of(dl(1, 'a', 100)), of({ ...dl(1, 'a', 900), rate_bytes_per_second: 800 }))).toEqual([]);
    expect(names(of(row(1)), of({ ...row(1), idle_seconds: 60 }))).toEqual([]);
  });

  it('a file a source did not name in one reading is the same transfer', () => {
    expect(names(of(dl(1, null, 100)), of(dl(1, 'a', 200)))).toEqual([]);
    expect(names(of(dl(1, 'a', 100)), of(dl(1, null, 200)))).toEqual([]);
  });

  it('fewer bytes than before: the same file sent again, a new transfer', () => {
    expect(names(of(dl(1, 'a', 900)), of(dl(1, 'a', 100)))).toEqual(['transfer_finished 1', 'transfer_started 1']);
    // an unknown count is not fewer
    expect(names(of(dl(1, 'a', 900)), of(dl(1, 'a', null)))).toEqual([]);
  });

  it('transfer_finished carries the last row of the transfer, transfer_started the new one', () => {
    const events = sessionEvents(of(dl(1, 'a', 900)), of(dl(1, 'b', 10)));
    expect(events.map((e) => [e.event, e.session.file, e.session.transferred_bytes])).toEqual([
      ['transfer_finished', 'a', 900],
      ['transfer_started', 'b', 10],
    ]);
  });

  it('a state event knows the state it left (for the human line)', () => {
    const [event] = sessionEvents(of(row(1, { state: 'AUTH', account: null })), of(row(1)));
    expect(event).toMatchObject({ event: 'state', session: { state: 'IDLE' }, before: { state: 'AUTH' } });
  });

  it('ordered by pid; for one pid what ended first', () => {
    const previous: Sessions = new Map([['7:1', dl(7, 'a', 1)], ['3:1', row(3)]]);
    const current: Sessions = new Map([['9:1', row(9)], ['7:2', row(7)], ['3:1', dl(3, 'x', 5)], ['1:1', row(1)]]);
    expect(names(previous, current)).toEqual(['opened 1', 'state 3', 'transfer_started 3', 'transfer_finished 7', 'closed 7', 'opened 7', 'opened 9']);
  });

  it('10,000 sessions all changing at once: linear enough (well under a second)', () => {
    const before = new Map<string, NativeRow>();
    const after = new Map<string, NativeRow>();
    for (let pid = 1; pid <= 10_000; pid++) {
      before.set(`${pid}:1`, pid % 2 === 0 ? dl(pid, `f${pid}`, 10) : row(pid));
      after.set(`${pid + 5000}:1`, pid % 3 === 0 ? dl(pid + 5000, `g${pid}`, 10) : row(pid + 5000));
    }
    const t = performance.now();
    const events = sessionEvents(before, after);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(events.length).toBeGreaterThan(10_000);
  });
});

describe('matchesFilter', () => {
  it('as list: each filter given must match, logins and hosts without regard to case', () => {
    const r = row(1, { login: 'Bob@Example.com', host: '2001:DB8::1' });
    expect(matchesFilter(r, {})).toBe(true);
    expect(matchesFilter(r, { logins: new Set(['bob@example.com']), hosts: new Set(['2001:db8::1']) })).toBe(true);
    expect(matchesFilter(r, { states: new Set(['DL']) })).toBe(false);
    expect(matchesFilter(r, { daemons: new Set(['proftpd']) })).toBe(false);
    expect(matchesFilter(row(1, { login: null }), { logins: new Set(['x']) })).toBe(false);
  });
});
