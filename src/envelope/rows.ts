import { type Session, SESSION_KEYS } from '../model/session.js';
import type { Row } from './types.js';

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
