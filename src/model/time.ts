const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last instant a JavaScript Date can hold (year 275760), epoch ms. */
export const MAX_TIME = 8.64e15;

/**
 * A time we can show: a finite instant a Date can carry, not before 1970.
 * Anything else (NaN, infinite, a start tick or a year out of range) is an
 * unknown time.
 */
export function isValidTime(ms: number | null | undefined): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Local time in this process's zone, as ps prints `lstart` and cPanel prints
 * `login`: `Wed Oct 15 12:49:03 2014`, the day padded with a space
 * (`%a %b %e %H:%M:%S %Y`). Each clock caches what it worked out, once per
 * minute, so thousands of sessions cost a few Date conversions, not one each;
 * make one per run (the zone must not change under it).
 */
export interface LocalClock {
  /** ctime form of an instant; '' when it is not a valid time */
  format(epochMs: number): string;
  /**
   * `ps -o lstart` (C or C.UTF-8 locale) back to epoch ms: undefined when the
   * text is not of that form, NaN when it is but names no valid time (Feb 30,
   * 25:61, a wrong day of the week, before 1970 or past year 275760).
   */
  parse(text: string): number | undefined;
}

const LSTART = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4,})$/;

export function localClock(): LocalClock {
  // UTC minute -> [text before the seconds, text after], or null when the
  // minute is not 60 whole local seconds of one offset (a transition inside
  // it, or an offset with seconds such as Africa/Monrovia's -0:44:30 until 1972)
  const minutes = new Map<number, [string, string] | null>();
  // local wall-clock minute (as if UTC) -> its first instant, or NaN when
  // the minute is not 60 seconds of one offset
  const walls = new Map<number, number>();

  const fields = (d: Date): string =>
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${d.getFullYear()}`;

  return {
    format(epochMs) {
      if (!isValidTime(epochMs)) return '';
      const second = Math.floor(epochMs / 1000);
      const minute = Math.floor(second / 60);
      let prefix = minutes.get(minute);
      if (prefix === undefined) {
        const first = new Date(minute * 60_000);
        const last = new Date(minute * 60_000 + 59_000);
        const whole =
          first.getSeconds() === 0 &&
          last.getSeconds() === 59 &&
          last.getMinutes() === first.getMinutes() &&
          last.getHours() === first.getHours() &&
          last.getDate() === first.getDate();
        prefix = whole
          ? [
              `${DAYS[first.getDay()]} ${MONTHS[first.getMonth()]} ${String(first.getDate()).padStart(2, ' ')} ${pad2(first.getHours())}:${pad2(first.getMinutes())}:`,
              ` ${first.getFullYear()}`,
            ]
          : null;
        minutes.set(minute, prefix);
      }
      return prefix === null ? fields(new Date(second * 1000)) : `${prefix[0]}${pad2(second - minute * 60)}${prefix[1]}`;
    },

    parse(text) {
      const m = LSTART.exec(text);
      if (m === null) return undefined;
      const month = MONTHS.indexOf(m[2] as string);
      const day = Number(m[3]);
      const h = Number(m[4]);
      const min = Number(m[5]);
      const s = Number(m[6]);
      const year = Number(m[7]);
      // ps prints what localtime() gives: anything else is no time at all (and
      // local 1969 is the latest year that can hold the epoch, in a zone behind UTC)
      if (year < 1969 || year > 275760 || h > 23 || min > 59 || s > 59 || day < 1) return Number.NaN;
      // the calendar 240,000 years earlier (600 cycles of 400 years: the same
      // leap years and days of the week) is in a Date's range for every year here
      const date = new Date(0);
      date.setUTCFullYear(year - 240_000, month, day); // (not Date.UTC, which reads years 0-99 as 1900-1999)
      date.setUTCHours(h, min, 0, 0);
      const wall = date.getTime();
      if (date.getUTCDate() !== day || DAYS[date.getUTCDay()] !== m[1]) return Number.NaN;
      // What `new Date(year, month, day, h, min, s)` gives: a local time that
      // happens twice (the hour a clock goes back) is the earlier instant;
      // one that never happens (the gap a clock skips) moves forward by the
      // gap. ps never prints the latter; the former it prints for both.
      const key = wall / 60_000;
      let first = walls.get(key);
      if (first === undefined) {
        const t0 = localInstant(year, month, day, h, min, 0);
        first = localInstant(year, month, day, h, min, 59) - t0 === 59_000 ? t0 : Number.NaN;
        walls.set(key, first);
      }
      const ms = Number.isNaN(first) ? localInstant(year, month, day, h, min, s) : first + s * 1000;
      return isValidTime(ms) ? ms : Number.NaN;
    },
  };
}

/** `new Date(y, mo, d, h, mi, s)`: the years here are 1969 and later (0-99 would be read as 1900-1999). */
function localInstant(year: number, month: number, day: number, h: number, min: number, s: number): number {
  return new Date(year, month, day, h, min, s).getTime();
}

/** One instant in ctime form (a fresh clock: for many, keep a `localClock()`). */
export function formatCtime(epochMs: number): string {
  return localClock().format(epochMs);
}

/** One `lstart` (a fresh clock: for many, keep a `localClock()`). */
export function parseLstart(text: string): number | undefined {
  return localClock().parse(text);
}
