import type { Detail } from '../functions/types.js';
import type { Session } from '../model/session.js';
import type { Row } from './types.js';

/** Row key order in every output: alphabetical, as cPanel's documentation shows them. */
export const SESSION_KEYS = ['cmdline', 'file', 'host', 'login', 'pid', 'status', 'user'] as const;

/** With --extended (an extension), the transfer detail's keys join them, still in alphabetical order. */
const EXTENDED_ORDER = ['cmdline', 'cwd', 'file', 'host', 'idle_seconds', 'login', 'percent', 'pid', 'rate_bytes_per_second', 'size_bytes', 'status', 'transferred_bytes', 'user'] as const;

/** A session as UAPI prints it: keys in order, pid a number. */
export function uapiRow(session: Session, detail?: Detail): Row {
  const row: Row = {};
  if (detail !== undefined) {
    for (const key of EXTENDED_ORDER) row[key] = key in detail ? detail[key as keyof Detail] : session[key as (typeof SESSION_KEYS)[number]];
    return row;
  }
  for (const key of SESSION_KEYS) row[key] = session[key];
  return row;
}

/** A session as API 2 prints it: keys in order, every value a string (an unknown detail: null). */
export function api2Row(session: Session, detail?: Detail): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(uapiRow(session, detail))) row[key] = value === null ? null : String(value);
  return row;
}
