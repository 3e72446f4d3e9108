import type { Session } from '../model/session.js';
import type { Row } from './types.js';

/** Row key order in every output: alphabetical, as cPanel's documentation shows them. */
export const SESSION_KEYS = ['cmdline', 'file', 'host', 'login', 'pid', 'status', 'user'] as const;

/** A session as UAPI prints it: keys in order, pid a number. */
export function uapiRow(session: Session): Row {
  const row: Row = {};
  for (const key of SESSION_KEYS) row[key] = session[key];
  return row;
}

/** A session as API 2 prints it: keys in order, every value a string. */
export function api2Row(session: Session): Row {
  const row: Row = {};
  for (const key of SESSION_KEYS) row[key] = String(session[key]);
  return row;
}
