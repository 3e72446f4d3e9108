import type { Row } from '../../src/postprocess/index.js';

/** UAPI rows as list_sessions returns them (pid a number), deliberately not in pid order. */
export const UAPI_ROWS: readonly Row[] = Object.freeze([
  Object.freeze({ cmdline: 'pure-ftpd (IDLE)', file: '', host: '127.0.0.1', login: 'Sun Nov 22 06:06:28 2026', pid: 24393, status: 'IDLE', user: 'alice' }),
  Object.freeze({ cmdline: 'pure-ftpd (DOWNLOAD)', file: '/pub/big.iso', host: '10.0.0.12', login: 'Sun Nov 22 06:10:02 2026', pid: 9876, status: 'DL', user: 'bob@example.com' }),
  Object.freeze({ cmdline: 'pure-ftpd (UPLOAD)', file: 'incoming/Report.PDF', host: '192.168.1.5', login: 'Sun Nov 22 05:59:41 2026', pid: 10023, status: 'UL', user: 'Carol' }),
  Object.freeze({ cmdline: 'proftpd: dave - ::1: IDLE', file: '', host: '::1', login: 'Sun Nov 22 06:20:00 2026', pid: 31000, status: 'IDLE', user: 'dave' }),
]);

/** The same sessions as API 2 returns them: every value a string. */
export const API2_ROWS: readonly Row[] = Object.freeze(UAPI_ROWS.map((row) => Object.freeze(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)])))));

/** A quota-like column, for the `unlimited` quirks. */
export const QUOTA_ROWS: readonly Row[] = Object.freeze(
  ['unlimited', '0', '5', 'Unlimited', '50', 'abc', '12abc'].map((quota, i) => Object.freeze({ name: `q${i}`, quota })),
);

/** Rows with list-valued cells. */
export const LIST_ROWS: readonly Row[] = Object.freeze([
  Object.freeze({ name: 'one', tags: Object.freeze(['ftp', 'idle']) }),
  Object.freeze({ name: 'two', tags: Object.freeze(['sftp']) }),
  Object.freeze({ name: 'three', tags: Object.freeze([]) }),
]);

export const XID = (): string => 'abc234';

/** A column's values in order, to compare results compactly. */
export function col(rows: readonly Row[], column: string): unknown[] {
  return rows.map((row) => row[column]);
}
