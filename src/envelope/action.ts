import type { ActionRequest } from '../cli/action-request.js';
import type { Session } from '../model/session.js';
import { isValidTime } from '../model/time.js';
import type { CallInfo, Envelope, Outcome } from './types.js';

/**
 * The JSON action response (faircom-listSessions.txt): `{"result":{...},
 * "requestId", "debugInfo"?, "errorCode", "errorMessage"}`. A session is
 * `{pid, username, host, login (ISO 8601, UTC), status, file, description}`;
 * `dataFormat: "arrays"` gives `fieldNames` and one array per session,
 * `numberFormat: "string"` the pid as a string.
 */
export const ERROR_CODES: Readonly<Record<string, number>> = {
  E_REQUEST_JSON: 10001, // the request is not JSON
  E_REQUEST_INVALID: 10002, // not an action request we understand (members, types)
  E_UNKNOWN_ACTION: 10003, // no such action
  E_BAD_PARAMS: 10004, // params of the action are wrong
  E_NO_SUCH_USER: 10005, // the account: unknown, the superuser, or not the caller's
  E_ROOT_ACCOUNT: 10005,
  E_FORBIDDEN: 10005,
  E_COLLECTOR_UNAVAILABLE: 10006, // no source of sessions could be read
  E_COLLECTOR_FAILED: 10006,
  E_COLLECTOR_GARBAGE: 10006,
};
/** any other failure of the call */
export const OTHER_ERROR = 10099;

const FIELDS = ['pid', 'username', 'host', 'login', 'status', 'file', 'description'] as const;

export function actionEnvelope(call: CallInfo, outcome: Outcome, request: ActionRequest | undefined): Envelope {
  let result: Record<string, unknown> = {};
  let error: string | undefined;
  let errorCode = 0;
  let sessions: Session[] = [];
  if (!outcome.ok) {
    error = outcome.message;
    errorCode = ERROR_CODES[outcome.code ?? ''] ?? OTHER_ERROR;
  } else if (outcome.data.kind === 'sessions') {
    const wanted = new Set(request?.usernameFilter ?? []);
    sessions = outcome.data.sessions.filter((s) => wanted.size === 0 || wanted.has(s.user));
    const rows = sessions.map((s) => toAction(s, request?.numberFormat ?? 'number'));
    result =
      request?.dataFormat === 'arrays'
        ? { fieldNames: [...FIELDS], sessions: rows.map((r) => FIELDS.map((f) => r[f])) }
        : { sessions: rows };
  } else {
    result = { ...outcome.data.value };
  }

  const requestId = outcome.ok ? request?.requestId : (outcome.requestId ?? request?.requestId);
  const document: Record<string, unknown> = { result };
  if (requestId !== undefined) document.requestId = requestId.value;
  if (request?.debug === true) document.debugInfo = { request: request.raw, ...(outcome.warnings.length > 0 ? { warnings: outcome.warnings.map((w) => ({ warningCode: 1, warningMessage: w })) } : {}) };
  document.errorCode = errorCode;
  document.errorMessage = error ?? '';
  return {
    dialect: call.dialect,
    document,
    xmlRoot: 'response',
    xmlContent: document,
    rows: undefined,
    object: undefined,
    warnings: outcome.warnings,
    warningsInDocument: request?.debug === true,
    error,
  };
}

function toAction(s: Session, numbers: 'number' | 'string'): Record<(typeof FIELDS)[number], string | number> {
  return {
    pid: numbers === 'string' ? String(s.pid) : s.pid,
    username: s.user,
    host: s.host,
    // an unknown or out-of-range time is '' (toISOString would throw a RangeError)
    login: isValidTime(s.loginAt) ? new Date(s.loginAt).toISOString().replace(/\.\d{3}Z$/, 'Z') : '',
    status: s.status,
    file: s.file,
    description: s.cmdline,
  };
}
