import { api2Envelope } from './api2.js';
import type { CallInfo, Envelope, Outcome } from './types.js';
import { uapiEnvelope } from './uapi.js';

export function buildEnvelope(call: CallInfo, outcome: Outcome): Envelope {
  return call.dialect === 'api2' ? api2Envelope(call, outcome) : uapiEnvelope(call, outcome);
}
