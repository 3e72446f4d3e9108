import { UsageError } from '../../errors.js';

/**
 * A threshold range in the Monitoring Plugins syntax, as the Monitoring
 * Plugins Development Guidelines define it ("Threshold and ranges",
 * https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT;
 * the same text in draft-kaestle-monitoring-plugins-interface-03):
 *
 *   [@]start:end
 *   - start <= end (else: a usage error here)
 *   - start and ":" are not needed when start is 0 (`10` is 0..10)
 *   - `start:` with no end: end is infinity (`10:` is >= 10)
 *   - `~` as start: negative infinity (`~:10` is <= 10)
 *   - an alert is raised when the value is OUTSIDE start..end, the ends
 *     included in the range (`10:20` alerts on 9 and 21, not on 10 or 20)
 *   - with a leading `@`: an alert when the value is INSIDE start..end, the
 *     ends included (`@10:20` alerts on 10, 15 and 20)
 *
 * Numbers may be negative and have decimals (`-1.5`, `0.25`, `.5`): the
 * class [-0-9.] the guidelines give perfdata numbers (the range goes into the
 * perfdata as given), so no `+`, no exponent, no thousands separator. `:10` (start left out, colon kept) is
 * 0..10, as the project's C library and Monitoring::Plugin::Range read it.
 */
export interface Range {
  /** the text given, validated: it goes unchanged into the perfdata's warn/crit fields */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** `@`: alert inside start..end; otherwise alert outside */
  readonly inside: boolean;
}

const NUMBER = '-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)';
const RANGE = new RegExp(`^(@)?(?:(~|${NUMBER})?(:))?(${NUMBER})?$`);

/** Parse RANGE as OPTION's value; a bad one is a UsageError naming the option (the plugin prints UNKNOWN, exit 3). */
export function parseRange(text: string, option: string): Range {
  const m = RANGE.exec(text);
  // `@` alone, `@:` and `` say nothing; `10:` needs its colon, `10` its end
  if (m === null || (m[3] === undefined && m[4] === undefined)) {
    throw new UsageError(`${option} takes a range ([@]start:end: 10, 10:, ~:10, 10:20, @10:20), not '${text}'`);
  }
  const [, at, startText, colon, endText] = m;
  const start = colon === undefined ? 0 : startText === undefined ? 0 : startText === '~' ? -Infinity : Number(startText);
  const end = endText === undefined ? Infinity : Number(endText);
  if (start > end) throw new UsageError(`${option}: the range '${text}' starts after it ends (${startText} > ${endText})`);
  return { text, start, end, inside: at !== undefined };
}

/** Whether VALUE raises the alert of RANGE (guidelines rules 5 and 6: the ends are in the range). */
export function alerts(range: Range, value: number): boolean {
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}

/**
 * What RANGE alerts on, for the status line, of a value that is never
 * negative (a count, seconds): `more than 20`, `less than 10`, `outside
 * 10:20`, `within 10:20`.
 */
export function alertsOn(range: Range): string {
  if (range.inside) return `within ${range.text.slice(1)}`;
  if (range.start <= 0) return range.end === Infinity ? 'never' : `more than ${range.end}`;
  if (range.end === Infinity) return `less than ${range.start}`;
  return `outside ${range.start}:${range.end}`;
}
