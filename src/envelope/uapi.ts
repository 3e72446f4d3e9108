import { uapiRow } from './rows.js';
import type { CallInfo, Envelope, Outcome, Row } from './types.js';

/**
 * UAPI as the command line prints it (cpanel-cli.md §2.2):
 * `{"apiversion":3,"func","module","result":{"data","errors","messages","metadata","status","warnings"}}`,
 * `pid` an integer. A returned list always carries `metadata.transformed: 1`
 * (an object: `metadata: {}`); a failure has `status: 0`, `data: null`,
 * `metadata: {}` and the message in `errors`.
 */
export function uapiEnvelope(call: CallInfo, outcome: Outcome): Envelope {
  const head = { apiversion: 3, func: call.func, module: call.module };
  const warnings = outcome.warnings.length === 0 ? null : [...outcome.warnings];
  if (!outcome.ok) return failure(head, outcome.message, outcome.warnings);
  const rows: Row[] | undefined = outcome.data.kind === 'sessions' ? outcome.data.sessions.map(uapiRow) : undefined;
  const object = outcome.data.kind === 'object' ? outcome.data.value : undefined;
  const result = {
    data: rows ?? object,
    errors: null,
    messages: null,
    metadata: rows === undefined ? {} : { transformed: 1 },
    status: 1,
    warnings,
  };
  return { ...common({ ...head, result }, outcome.warnings), rows, object, error: undefined };
}

function failure(head: Record<string, unknown>, message: string, warnings: readonly string[]): Envelope {
  const result = {
    data: null,
    errors: [message],
    messages: null,
    metadata: {},
    status: 0,
    warnings: warnings.length === 0 ? null : [...warnings],
  };
  return { ...common({ ...head, result }, warnings), rows: undefined, object: undefined, error: message };
}

function common(document: Record<string, unknown>, warnings: readonly string[]) {
  return { dialect: 'uapi' as const, document, xmlRoot: 'result', xmlContent: document, warnings, warningsInDocument: true };
}
