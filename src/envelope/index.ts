import type { ActionRequest } from '../cli/action-request.js';
import { actionEnvelope } from './action.js';
import { api2Envelope } from './api2.js';
import type { CallInfo, Envelope, Outcome } from './types.js';
import { uapiEnvelope } from './uapi.js';

export function buildEnvelope(call: CallInfo, outcome: Outcome, request?: ActionRequest): Envelope {
  if (call.dialect === 'action') return actionEnvelope(call, outcome, request);
  return call.dialect === 'api2' ? api2Envelope(call, outcome) : uapiEnvelope(call, outcome);
}
