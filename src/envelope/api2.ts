import { api2Row } from './rows.js';
import type { CallInfo, Envelope, Outcome, Postprocess, Row } from './types.js';

/**
 * cPanel API 2: `{"cpanelresult":{"apiversion":2,"func","module","data":[...],"event":{"result":1}}}`,
 * every row value a string. On failure: `error`, `data: {result: 0, reason}` and
 * `event: {result: 0, reason}` (cpanel-cli.md §2.1). No metadata, no warnings.
 * A list goes through cPanel's `api2_*` post-processing when the call asks for
 * it, whose figures (`records_before_filter`, `paginate`, `invalid_columns`,
 * `invalid_columns_str`) follow `event`.
 */
export function api2Envelope(call: CallInfo, outcome: Outcome, postprocess?: Postprocess): Envelope {
  const head = { apiversion: 2, func: call.func, module: call.module };
  if (!outcome.ok) return failure(head, outcome.message, outcome.warnings);
  if (outcome.data.kind === 'object') {
    const body = { ...head, data: outcome.data.value, event: { result: 1 } };
    return { ...common(body, outcome.warnings), rows: undefined, object: outcome.data.value, error: undefined };
  }
  const { sessions, detail } = outcome.data;
  let rows: Row[] = sessions.map((session) => api2Row(session, detail?.get(session.pid)));
  let extra: Record<string, unknown> = {};
  if (postprocess !== undefined) {
    const done = postprocess.applyApi2(rows, call.args);
    if (!done.ok) return failure(head, done.error, outcome.warnings);
    rows = done.rows as Row[];
    extra = { ...done.extra };
  }
  const body = { ...head, data: rows, event: { result: 1 }, ...extra };
  return { ...common(body, outcome.warnings), rows, object: undefined, error: undefined };
}

function failure(head: Record<string, unknown>, message: string, warnings: readonly string[]): Envelope {
  const body = { ...head, error: message, data: { result: 0, reason: message }, event: { result: 0, reason: message } };
  return { ...common(body, warnings), rows: undefined, object: undefined, error: message };
}

function common(body: Record<string, unknown>, warnings: readonly string[]) {
  return {
    dialect: 'api2' as const,
    document: { cpanelresult: body },
    xmlRoot: 'cpanelresult',
    xmlContent: body,
    warnings,
    warningsInDocument: false,
  };
}
