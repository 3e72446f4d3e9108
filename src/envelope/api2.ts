import { type Session, SESSION_KEYS } from '../model/session.js';
import type { CallInfo, Envelope, Outcome } from './types.js';

/**
 * cPanel API 2: `{"cpanelresult":{"apiversion":2,"func","module","data":[...],"event":{"result":1}}}`,
 * every row value a string. On failure: `error`, `data: {result: 0, reason}` and
 * `event: {result: 0, reason}` (cpanel-cli.md §2.1). No metadata, no warnings.
 */
export function api2Envelope(call: CallInfo, outcome: Outcome): Envelope {
  const head = { apiversion: 2, func: call.func, module: call.module };
  const body = outcome.ok
    ? { ...head, data: outcome.sessions.map(stringRow), event: { result: 1 } }
    : {
        ...head,
        error: outcome.message,
        data: { result: 0, reason: outcome.message },
        event: { result: 0, reason: outcome.message },
      };
  return {
    dialect: 'api2',
    document: { cpanelresult: body },
    xmlRoot: 'cpanelresult',
    xmlContent: body,
    sessions: outcome.ok ? outcome.sessions : [],
    warnings: outcome.warnings,
    warningsInDocument: false,
    error: outcome.ok ? undefined : outcome.message,
  };
}

function stringRow(session: Session): Record<string, string> {
  const row: Record<string, string> = {};
  for (const key of SESSION_KEYS) row[key] = String(session[key]);
  return row;
}
