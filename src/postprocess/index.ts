/**
 * cPanel's generic post-processing of a returned list of rows: UAPI's
 * `api.*` and API 2's `api2_*` filter, sort, paginate and column arguments.
 * Pure: no I/O, no process state (the XID of an "invalid arguments" message
 * is random unless `options.xid` is given).
 */
export { applyApi2 } from './api2.js';
export { applyUapi } from './uapi.js';
export type {
  Api2Extra,
  Api2Outcome,
  Api2Paginate,
  Args,
  Cell,
  PostprocessOptions,
  Row,
  UapiMetadata,
  UapiOutcome,
  UapiPaginate,
} from './types.js';
