import { ApiError } from '../errors.js';

/**
 * One JSON action request, as FairCom's JSON API frames them
 * (faircom-listSessions.txt): `{"api","action","params","requestId",
 * "responseOptions","debug",...}`. Only what the answer depends on is kept;
 * other members (authToken, apiVersion, ...) are accepted and ignored.
 */
export interface ActionRequest {
  readonly api: string | undefined;
  readonly action: string;
  readonly usernameFilter: readonly string[];
  /** echoed as it came, whatever JSON value it is; absent when the request had none */
  readonly requestId: { readonly value: unknown } | undefined;
  readonly dataFormat: 'objects' | 'arrays';
  readonly numberFormat: 'number' | 'string';
  readonly debug: boolean;
  /** the request as parsed, for debugInfo.request */
  readonly raw: Readonly<Record<string, unknown>>;
}

const APIS = ['admin', 'db', 'hub', 'mq', 'transform'];

/** Request text -> ActionRequest; a request we cannot answer is an ApiError with one of the E_REQUEST_* codes. */
export function parseActionRequest(text: string): ActionRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : String(err);
    throw new ApiError('E_REQUEST_JSON', text.trim() === '' ? 'The request is empty: send one JSON object on standard input.' : `The request is not valid JSON: ${why}.`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ApiError('E_REQUEST_INVALID', 'The request must be a JSON object.');
  }
  const raw = doc as Record<string, unknown>;
  const requestId = 'requestId' in raw ? { value: raw.requestId } : undefined;
  const fail = (code: string, message: string): never => {
    throw Object.assign(new ApiError(code, message), { requestId });
  };

  if (typeof raw.action !== 'string' || raw.action === '') fail('E_REQUEST_INVALID', "'action' is required: a non-empty string such as \"listSessions\".");
  if (raw.api !== undefined && (typeof raw.api !== 'string' || !APIS.includes(raw.api))) {
    fail('E_REQUEST_INVALID', `'api' must be one of ${APIS.map((a) => `"${a}"`).join(', ')}.`);
  }
  if (raw.debug !== undefined && raw.debug !== 'none' && raw.debug !== 'max') fail('E_REQUEST_INVALID', "'debug' must be \"none\" or \"max\".");

  const params = raw.params ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) fail('E_BAD_PARAMS', "'params' must be a JSON object.");
  const filter = (params as Record<string, unknown>).usernameFilter ?? [];
  if (!Array.isArray(filter)) fail('E_BAD_PARAMS', "'params.usernameFilter' must be an array of user names.");
  for (const name of filter as unknown[]) {
    if (typeof name !== 'string' || Buffer.byteLength(name) < 1 || Buffer.byteLength(name) > 64) {
      fail('E_BAD_PARAMS', "'params.usernameFilter' must hold strings of 1 to 64 bytes.");
    }
  }

  const options = raw.responseOptions ?? {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail('E_REQUEST_INVALID', "'responseOptions' must be a JSON object.");
  const { dataFormat = 'objects', numberFormat = 'number' } = options as Record<string, unknown>;
  if (dataFormat !== null && !['objects', 'arrays', 'default'].includes(dataFormat as string)) {
    fail('E_REQUEST_INVALID', "'responseOptions.dataFormat' must be \"objects\" or \"arrays\".");
  }
  if (numberFormat !== null && numberFormat !== 'number' && numberFormat !== 'string') {
    fail('E_REQUEST_INVALID', "'responseOptions.numberFormat' must be \"number\" or \"string\".");
  }

  return {
    api: raw.api as string | undefined,
    action: raw.action as string,
    usernameFilter: filter as string[],
    requestId,
    // listSessions' documented answer is an array of objects: that is the default here
    dataFormat: dataFormat === 'arrays' ? 'arrays' : 'objects',
    numberFormat: numberFormat === 'string' ? 'string' : 'number',
    debug: raw.debug === 'max',
    raw,
  };
}
