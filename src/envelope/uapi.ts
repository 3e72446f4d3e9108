import { uapiRow } from './rows.js';
import type { CallInfo, Envelope, Outcome, Postprocess, Row } from './types.js';

/**
 * UAPI as the command line prints it (cpanel-cli.md §2.2):
 * `{"apiversion":3,"func","module","result":{"data","errors","messages","metadata","status","warnings"}}`,
 * `pid` an integer. A returned list always carries `metadata.transformed: 1`
 * (an object: `metadata: {}`); a failure has `status: 0`, `data: null`,
 * `metadata: {}` and the message in `errors`. A list goes through cPanel's
 * `api.*` post-processing when the call asks for it: its messages in
 * `messages`, its figures in `metadata`; a pagination past the end fails the
 * call, keeping the data as it stood.
 */
export function uapiEnvelope(call: CallInfo, outcome: Outcome, postprocess?: Postprocess): Envelope {
  const head = { apiversion: 3, func: call.func, module: call.module };
  const warnings = outcome.warnings.length === 0 ? null : [...outcome.warnings];
  if (!outcome.ok) return failure(head, outcome.message, outcome.warnings);
  if (outcome.data.kind === 'object') {
    const result = { data: outcome.data.value, errors: null, messages: null, metadata: {}, status: 1, warnings };
    return { ...common({ ...head, result }, outcome.warnings), rows: undefined, object: outcome.data.value, error: undefined };
  }
  const { sessions, detail } = outcome.data;
  let rows: Row[] = sessions.map((session) => uapiRow(session, detail?.get(session.pid)));
  let messages: string[] = [];
  let metadata: Record<string, unknown> = {};
  let error: string | undefined;
  if (postprocess !== undefined) {
    const done = postprocess.applyUapi(rows, call.args);
    rows = done.rows as Row[];
    messages = done.messages;
    metadata = { ...done.metadata };
    if (!done.ok) error = done.error;
  }
  const result = {
    data: rows,
    errors: error === undefined ? null : [error],
    messages: messages.length === 0 ? null : messages,
    metadata: error === undefined ? { transformed: 1, ...metadata } : metadata,
    status: error === undefined ? 1 : 0,
    warnings,
  };
  return { ...common({ ...head, result }, outcome.warnings), rows: error === undefined ? rows : undefined, object: undefined, error };
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
