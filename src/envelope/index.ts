import type { ActionRequest } from '../cli/action-request.js';
import { actionEnvelope } from './action.js';
import { api2Envelope } from './api2.js';
import type { CallInfo, Envelope, Outcome, Postprocess } from './types.js';
import { uapiEnvelope } from './uapi.js';

export function buildEnvelope(call: CallInfo, outcome: Outcome, options: { request?: ActionRequest | undefined; postprocess?: Postprocess | undefined } = {}): Envelope {
  if (call.dialect === 'action') return actionEnvelope(call, outcome, options.request);
  return call.dialect === 'api2' ? api2Envelope(call, outcome, options.postprocess) : uapiEnvelope(call, outcome, options.postprocess);
}
