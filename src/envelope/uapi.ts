import { SESSION_KEYS, type Session } from '../model/session.js';
import type { CallInfo, Envelope, Outcome } from './types.js';

/**
 * UAPI as the command line prints it (cpanel-cli.md §2.2):
 * `{"apiversion":3,"func","module","result":{"data","errors","messages","metadata","status","warnings"}}`,
 * `pid` an integer. A returned list always carries `metadata.transformed: 1`;
 * a failure has `status: 0`, `data: null`, `metadata: {}` and the message in `errors`.
 */
export function uapiEnvelope(call: CallInfo, outcome: Outcome): Envelope {
  const warnings = outcome.warnings.length === 0 ? null : [...outcome.warnings];
  const result = outcome.ok
    ? {
        data: outcome.sessions.map(orderedRow),
        errors: null,
        messages: null,
        metadata: { transformed: 1 },
        status: 1,
        warnings,
      }
    : { data: null, errors: [outcome.message], messages: null, metadata: {}, status: 0, warnings };
  const document = { apiversion: 3, func: call.func, module: call.module, result };
  return {
    dialect: 'uapi',
    document,
    xmlRoot: 'result',
    xmlContent: document,
    sessions: outcome.ok ? outcome.sessions : [],
    warnings: outcome.warnings,
    warningsInDocument: true,
    error: outcome.ok ? undefined : outcome.message,
  };
}

function orderedRow(session: Session): Record<string, string | number> {
  const row: Record<string, string | number> = {};
  for (const key of SESSION_KEYS) row[key] = session[key];
  return row;
}
