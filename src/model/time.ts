const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Local time in ctime form, as cPanel prints `login`:
 * `Wed Oct 15 12:49:03 2014`, the day padded with a space (`date '+%a %b %e %H:%M:%S %Y'`).
 */
export function formatCtime(epochMs: number): string {
  // Local time is worked out once a minute (zone offsets are whole minutes):
  // thousands of sessions cost a few Date conversions, not one each.
  const second = Math.floor(epochMs / 1000);
  const minute = Math.floor(second / 60);
  let prefix = minutePrefix.get(minute);
  if (prefix === undefined) {
    const d = new Date(minute * 60_000);
    prefix = [
      `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:`,
      ` ${d.getFullYear()}`,
    ];
    minutePrefix.set(minute, prefix);
  }
  return `${prefix[0]}${pad2(second - minute * 60)}${prefix[1]}`;
}
const minutePrefix = new Map<number, [string, string]>();

const LSTART = /^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) +([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parse `ps -o lstart` under LC_ALL=C or C.UTF-8 (`Sun Nov 22 06:06:26 2026`, local time)
 * to epoch milliseconds; undefined when it is not that form.
 */
export function parseLstart(text: string): number | undefined {
  const m = LSTART.exec(text);
  if (m === null) return undefined;
  const month = MONTHS.indexOf(m[1] as string);
  if (month === -1) return undefined;
  const day = Number(m[2]);
  const h = Number(m[3]);
  const min = Number(m[4]);
  const s = Number(m[5]);
  const year = Number(m[6]);
  // the zone's offset is looked up once an hour of local time; minutes and seconds are added
  const key = ((year * 12 + month) * 32 + day) * 24 + h;
  let hour = hourStart.get(key);
  if (hour === undefined) hourStart.set(key, (hour = new Date(year, month, day, h, 0, 0).getTime()));
  const ms = hour + (min * 60 + s) * 1000;
  return Number.isNaN(ms) ? undefined : ms;
}
const hourStart = new Map<number, number>();
