import { describe, expect, it } from 'vitest';
import { formatCtime, isValidTime, localClock, MAX_TIME, parseLstart } from '../../src/model/time.js';
import { checkInstant, checkTransition, checkWallClock, inZone, transitions, ZONES } from '../fuzz/properties.js';

describe('lstart and ctime in every time zone (npm run fuzz: every change 1970-2100, minute by minute)', () => {
  it('has the zones to test', () => {
    expect(ZONES.length).toBeGreaterThan(400);
    expect(ZONES).toContain('Australia/Lord_Howe');
  });

  it('every zone: the changes of 2026 (gaps and overlaps, every 15 minutes for an hour either side) and instants across the years', () => {
    let checked = 0;
    for (const zone of ZONES) {
      inZone(zone, () => {
        const clock = localClock();
        for (const at of transitions(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))) {
          checkTransition(clock, at, 3600_000, 900_000);
          checked++;
        }
        for (const t of [0, 86_399_000, Date.UTC(1999, 11, 31, 23, 59, 59), Date.UTC(2038, 0, 19, 3, 14, 8), MAX_TIME - 86_400_000, MAX_TIME]) {
          checkInstant(clock, t);
        }
      });
    }
    // not every zone changes its clocks
    expect(checked).toBeGreaterThan(150);
  });

  it('Australia/Lord_Howe: a 30-minute change is read to the minute (not 30 minutes off)', () => {
    inZone('Australia/Lord_Howe', () => {
      // 2026-04-05 02:00 (+11) goes back to 01:30 (+10:30); 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11)
      expect(parseLstart('Sun Apr  5 01:45:10 2026')).toBe(Date.parse('2026-04-04T14:45:10Z')); // twice: the earlier
      expect(parseLstart('Sun Apr  5 02:10:00 2026')).toBe(Date.parse('2026-04-04T15:40:00Z'));
      expect(parseLstart('Sun Oct  4 01:59:59 2026')).toBe(Date.parse('2026-10-03T15:29:59Z'));
      expect(parseLstart('Sun Oct  4 02:30:00 2026')).toBe(Date.parse('2026-10-03T15:30:00Z'));
      expect(parseLstart('Sun Oct  4 02:45:00 2026')).toBe(Date.parse('2026-10-03T15:45:00Z'));
      // one clock for all of them, as ps/parse.ts uses it: the cache is right too
      const clock = localClock();
      for (const [text, iso] of [
        ['Sun Oct  4 01:00:00 2026', '2026-10-03T14:30:00Z'],
        ['Sun Oct  4 02:45:00 2026', '2026-10-03T15:45:00Z'],
        ['Sun Oct  4 02:59:00 2026', '2026-10-03T15:59:00Z'],
        ['Sun Oct  4 01:59:00 2026', '2026-10-03T15:29:00Z'],
      ] as const) expect(clock.parse(text), text).toBe(Date.parse(iso));
      expect(formatCtime(Date.parse('2026-10-03T15:45:00Z'))).toBe('Sun Oct  4 02:45:00 2026');
    });
  });

  it('a local time that never happened (in a gap) is read as new Date reads it: moved on by the gap', () => {
    inZone('Europe/Paris', () => {
      // 2026-03-29 02:00 -> 03:00: ps never prints 02:30
      expect(parseLstart('Sun Mar 29 02:30:00 2026')).toBe(new Date(2026, 2, 29, 2, 30, 0).getTime());
      expect(parseLstart('Sun Mar 29 02:30:00 2026')).toBe(Date.parse('2026-03-29T01:30:00Z'));
      // 2026-10-25 03:00 -> 02:00: 02:30 happens twice, and is read as the first
      expect(parseLstart('Sun Oct 25 02:30:00 2026')).toBe(Date.parse('2026-10-25T00:30:00Z'));
      expect(formatCtime(Date.parse('2026-10-25T01:30:00Z'))).toBe('Sun Oct 25 02:30:00 2026');
    });
  });

  it('an offset with seconds (Africa/Monrovia, -0:44:30 until 1972) prints and reads every second right', () => {
    inZone('Africa/Monrovia', () => {
      expect(formatCtime(Date.UTC(1971, 5, 1, 12, 0, 0))).toBe('Tue Jun  1 11:15:30 1971');
      expect(parseLstart('Tue Jun  1 11:15:30 1971')).toBe(Date.UTC(1971, 5, 1, 12, 0, 0));
      const clock = localClock();
      for (const at of transitions(Date.UTC(1970, 0, 1), Date.UTC(1973, 0, 1))) checkTransition(clock, at, 600_000, 1000);
    });
  });
});

describe('times out of range', () => {
  it.each([
    ['Sun Nov 22 06:06:28 2026', Date.parse('2026-11-22T06:06:28Z')],
    ['Sat Sep 13 00:00:00 275760', MAX_TIME],
    ['Sat Sep 13 00:00:01 275760', Number.NaN],
    ['Mon Jan  1 00:00:00 300000', Number.NaN],
    ['Thu Jan  1 00:00:00 99999999999999999999', Number.NaN],
    ['Wed Dec 31 23:59:59 1969', Number.NaN],
    ['Thu Jan  1 00:00:00 1970', 0],
    ['Mon Feb 30 06:06:28 2026', Number.NaN],
    ['Mon Nov 22 06:06:28 2026', Number.NaN], // a Sunday
    ['Sun Nov 22 24:00:00 2026', Number.NaN],
    ['Sun Nov 22 06:60:00 2026', Number.NaN],
    ['Sun Nov 22 06:06:60 2026', Number.NaN],
    ['Sun Nov  0 06:06:28 2026', Number.NaN],
    ['Sat Jan  1 00:00:00 0000', Number.NaN],
    ['Sun Xyz 22 06:06:28 2026', undefined],
    ['Sun Nov 22 06:06:28 26', undefined],
    ['Sun Nov 22 06:06:28 2026\r', undefined],
    ['', undefined],
  ])('parseLstart(%j) in UTC', (text, expected) => {
    expect(parseLstart(text)).toBe(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1, MAX_TIME + 1, 1e300])('formatCtime(%d) is empty', (t) => {
    expect(isValidTime(t)).toBe(false);
    expect(formatCtime(t)).toBe('');
  });

  it('formats the last instant a Date holds', () => {
    expect(formatCtime(MAX_TIME)).toBe('Sat Sep 13 00:00:00 275760');
    inZone('Pacific/Kiritimati', () => expect(formatCtime(MAX_TIME)).toBe('Sat Sep 13 14:00:00 275760'));
  });

  it('reads a wall-clock time the way new Date does, near both ends', () => {
    inZone('America/New_York', () => {
      const clock = localClock();
      checkWallClock(clock, Date.UTC(1969, 11, 31, 19, 0, 0)); // 1970-01-01T00:00Z
      checkWallClock(clock, Date.UTC(1969, 11, 31, 18, 59, 59)); // before 1970: NaN
      expect(clock.parse('Wed Dec 31 19:00:00 1969')).toBe(0);
    });
  });
});
