import { api2Row } from './rows.js';
import type { CallInfo, Envelope, Outcome, Row } from './types.js';

/**
 * cPanel API 2: `{"cpanelresult":{"apiversion":2,"func","module","data":[...],"event":{"result":1}}}`,
 * every row value a string. On failure: `error`, `data: {result: 0, reason}` and
 * `event: {result: 0, reason}` (cpanel-cli.md §2.1). No metadata, no warnings.
 */
export function api2Envelope(call: CallInfo, outcome: Outcome): Envelope {
  const head = { apiversion: 2, func: call.func, module: call.module };
  if (!outcome.ok) return failure(head, outcome.message, outcome.warnings);
  const rows: Row[] | undefined = outcome.data.kind === 'sessions' ? outcome.data.sessions.map(api2Row) : undefined;
  const object = outcome.data.kind === 'object' ? outcome.data.value : undefined;
  const body = { ...head, data: rows ?? object, event: { result: 1 } };
  return { ...common(body, outcome.warnings), rows, object, error: undefined };
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
