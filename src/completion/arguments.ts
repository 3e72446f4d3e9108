import { SESSION_KEYS } from '../envelope/rows.js';
import { EXTENDED_KEYS } from '../model/native.js';
import { FILTER_TYPES, SORT_METHODS } from '../postprocess/primitives.js';

/**
 * What a `key=` argument of a function takes, for completion: a list of
 * words, the caller's session pids, or anything (undefined).
 */
export type ArgumentValues = 'columns' | 'filter-columns' | 'filter-types' | 'sort-methods' | 'boolean' | 'pids-or-all' | undefined;

/**
 * The `key=value` arguments each function reads: the listing functions
 * take the post-processing arguments of their API (postprocess/uapi.ts,
 * postprocess/api2.ts), kill_session only `login` (functions/kill-session.ts).
 * `numbered`: the key takes a suffix that counts up (`api.columns_1`,
 * `api2_columns_a`), completed as the next one free.
 */
interface ArgumentKey {
  readonly key: string;
  readonly values: ArgumentValues;
  readonly description: string;
  readonly numbered?: 'digits' | 'letters';
}

const UAPI_LISTING: readonly ArgumentKey[] = [
  { key: 'api.filter_column', values: 'filter-columns', description: 'filter on this column (* any)' },
  { key: 'api.filter_type', values: 'filter-types', description: 'how the filter matches' },
  { key: 'api.filter_term', values: undefined, description: 'what the filter matches' },
  { key: 'api.sort_column', values: 'columns', description: 'sort by this column' },
  { key: 'api.sort_method', values: 'sort-methods', description: 'how to compare' },
  { key: 'api.sort_reverse', values: 'boolean', description: '1: descending' },
  { key: 'api.paginate_start', values: undefined, description: 'first row of the page (1-based)' },
  { key: 'api.paginate_size', values: undefined, description: 'rows per page (default 100)' },
  { key: 'api.columns_', values: 'columns', description: 'keep this column', numbered: 'digits' },
];

const API2_LISTING: readonly ArgumentKey[] = [
  { key: 'api2_filter', values: 'boolean', description: '1: filter' },
  { key: 'api2_filter_column', values: 'filter-columns', description: 'filter on this column (* any)' },
  { key: 'api2_filter_type', values: 'filter-types', description: 'how the filter matches' },
  { key: 'api2_filter_term', values: undefined, description: 'what the filter matches' },
  { key: 'api2_sort', values: 'boolean', description: '1: sort' },
  { key: 'api2_sort_column', values: 'columns', description: 'sort by this column' },
  { key: 'api2_sort_method', values: 'sort-methods', description: 'how to compare' },
  { key: 'api2_sort_reverse', values: 'boolean', description: '1: descending' },
  { key: 'api2_paginate', values: 'boolean', description: '1: paginate' },
  { key: 'api2_paginate_start', values: undefined, description: 'first row of the page (1-based)' },
  { key: 'api2_paginate_size', values: undefined, description: 'rows per page' },
  { key: 'api2_columns', values: 'boolean', description: '1: keep only the api2_columns_* columns' },
  { key: 'api2_columns_', values: 'columns', description: 'keep this column', numbered: 'letters' },
];

const ARGUMENTS: Readonly<Record<string, readonly ArgumentKey[]>> = {
  'Ftp::list_sessions': UAPI_LISTING,
  'Ftp::listftpsessions': API2_LISTING,
  'Ftp::kill_session': [{ key: 'login', values: 'pids-or-all', description: 'the pid of one of your sessions, or all' }],
  'Ftp::get_ftp_daemon_info': [],
};

/** The keys to offer for Module::function, given the words already on the line: numbered keys as their next free number. */
export function argumentKeys(module: string, func: string, given: readonly string[]): Array<{ key: string; description: string }> {
  const keys = ARGUMENTS[`${module}::${func}`] ?? [];
  const used = new Set(given.map((w) => w.split('=')[0] as string));
  const out: Array<{ key: string; description: string }> = [];
  for (const k of keys) {
    if (k.numbered === undefined) {
      if (!used.has(k.key)) out.push({ key: k.key, description: k.description });
      continue;
    }
    for (let i = 0; i < 1000; i++) {
      const key = `${k.key}${k.numbered === 'digits' ? i + 1 : letters(i)}`;
      if (!used.has(key)) {
        out.push({ key, description: k.description });
        break;
      }
    }
  }
  return out;
}

/** a, b, ..., z, aa, ab, ... (cPanel's api2_columns_* suffixes sort as strings) */
function letters(i: number): string {
  return i < 26 ? String.fromCharCode(97 + i) : `${letters(Math.floor(i / 26) - 1)}${String.fromCharCode(97 + (i % 26))}`;
}

/** What `key` of Module::function takes. */
export function argumentValues(module: string, func: string, key: string): ArgumentValues {
  for (const k of ARGUMENTS[`${module}::${func}`] ?? []) {
    if (k.numbered === undefined ? k.key === key : key.startsWith(k.key) && key.length > k.key.length) return k.values;
  }
  return undefined;
}

/** The words of a value kind (the pids are the caller's: complete.ts). */
export function valueWords(values: ArgumentValues, extended: boolean): string[] {
  switch (values) {
    case 'columns':
      return [...SESSION_KEYS, ...(extended ? EXTENDED_KEYS : [])];
    case 'filter-columns':
      return [...SESSION_KEYS, ...(extended ? EXTENDED_KEYS : []), '*'];
    case 'filter-types':
      return [...FILTER_TYPES];
    case 'sort-methods':
      return [...SORT_METHODS];
    case 'boolean':
      return ['1', '0'];
    default:
      return [];
  }
}
