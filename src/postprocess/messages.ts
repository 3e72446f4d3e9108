/**
 * cPanel's message templates, rendered as `Cpanel::Locale` (English) would:
 * `[_1]` is the argument as is, `[list_and_quoted,_1]` is CLDR's English
 * list with each item in curly quotes (`“a”, “b”, and “c”`),
 * `[numerate,_2,one,other]` picks by count, `[asis,term]` is "term",
 * `[join, ,_2]` joins with a space.
 */

/** `[list_and_quoted,...]` in English: “a” / “a” and “b” / “a”, “b”, and “c”. */
export function listAndQuoted(items: readonly string[]): string {
  const quoted = (items.length === 0 ? [''] : items).map((item) => `“${item}”`);
  if (quoted.length === 1) return quoted[0] as string;
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

/** `Cpanel::Args::Columns::Util`: '[list_and_quoted,_1] [numerate,_2,is not a,are not] valid [numerate,_2,column,columns].' */
export function invalidColumnsMessage(columns: readonly string[]): string {
  const one = columns.length === 1;
  return `${listAndQuoted(columns)} ${one ? 'is not a' : 'are not'} valid ${one ? 'column' : 'columns'}.`;
}

/** `Cpanel::API::execute`: 'The following “[_1]” arguments are invalid: [_2] ([_3])', [_3] being the exception with its XID. */
export function invalidArgumentsMessage(kind: 'filter' | 'sort' | 'pagination', json: string, xid: string, reason: string): string {
  return `The following “${kind}” arguments are invalid: ${json} ((XID ${xid}) ${reason})`;
}

/** `_post_execute_transform`: 'The following filter did not pertain to this dataset: [_1]', [_1] = "column type json(term)". */
export function filterDidNotPertainMessage(column: string, type: string, term: string): string {
  return `The following filter did not pertain to this dataset: ${column} ${type} ${JSON.stringify(term)}`;
}

/** `_post_execute_transform`: 'The following sort did not pertain to this dataset: [_1]', [_1] = "[!]column, method". */
export function sortDidNotPertainMessage(reverse: boolean, column: string, method: string): string {
  return `The following sort did not pertain to this dataset: ${reverse ? '!' : ''}${column}, ${method}`;
}

/** `Cpanel::Args::Paginate::apply`: 'The start index ([_1]) is larger than the total number of results ([_2]).' ([_1] is 0-based). */
export function startIndexTooLargeMessage(start0: string, total: number): string {
  return `The start index (${start0}) is larger than the total number of results (${total}).`;
}

/** The reasons `Cpanel::Args::Filter->new`, `Sort->new`, `Paginate->new` and `Meta->new` die with. */
export const reasons = {
  invalidFilterType: (type: string): string => `“${type}” is not a valid filter type.`,
  emptyTerm: (type: string): string => `A filter of type “${type}” may not have an empty term.`,
  /** 'You are missing the following [numerate,_1,parameter,parameters]: [join, ,_2]' */
  missing: (names: readonly string[]): string => `You are missing the following ${names.length === 1 ? 'parameter' : 'parameters'}: ${names.join(' ')}`,
  nonnegative: (name: string): string => `“${name}” must be a nonnegative integer.`,
} as const;

const XID_CHARS = 'abcdefghjkmnpqrstuvwxyz23456789';

/** `Cpanel::Exception::_create_id`: six characters that avoid look-alikes (0, 1, i, l, o). */
export function randomXid(): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += XID_CHARS.charAt(Math.floor(Math.random() * XID_CHARS.length));
  return id;
}
