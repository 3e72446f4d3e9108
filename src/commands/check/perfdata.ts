/**
 * Performance data as the Monitoring Plugins Development Guidelines define
 * it ("Performance data",
 * https://www.monitoring-plugins.org/doc/guidelines.html#AEN200):
 *
 *   'label'=value[UOM];[warn];[crit];[min];[max]
 *
 * space-separated; the label quoted with single quotes when it holds a space
 * (here also `=` or a quote), a quote in it doubled; value, min and max
 * numbers of the class [-0-9.] (no exponent, no thousands separator) in the
 * same unit, or `U` when the value cannot be told; warn and crit in the range
 * format (range.ts); empty fields may be left empty and trailing semicolons
 * dropped. Units: none (a count), s, ms, us, %, B, KB, MB, TB, c.
 */
export interface PerfItem {
  readonly label: string;
  /** null: the value cannot be told (`U`) */
  readonly value: number | null;
  readonly uom?: '' | 's' | 'ms' | 'us' | '%' | 'B' | 'KB' | 'MB' | 'TB' | 'c';
  readonly warn?: string | undefined;
  readonly crit?: string | undefined;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}

export function perfLabel(label: string): string {
  return /[\s=']/.test(label) ? `'${label.replace(/'/g, "''")}'` : label;
}

/** A number as the guidelines want it: plain digits, a point, at most 3 decimals; never 1e+21 nor 1,000. */
export function perfNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`perfdata: ${n} is not a number`);
  if (Number.isInteger(n)) return BigInt(n).toString();
  return n.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

export function perfItem(item: PerfItem): string {
  const value = item.value === null ? 'U' : `${perfNumber(item.value)}${item.uom ?? ''}`;
  const fields = [value, item.warn ?? '', item.crit ?? '', item.min === undefined ? '' : perfNumber(item.min), item.max === undefined ? '' : perfNumber(item.max)];
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return `${perfLabel(item.label)}=${fields.join(';')}`;
}

export function perfdata(items: readonly PerfItem[]): string {
  return items.map(perfItem).join(' ');
}
