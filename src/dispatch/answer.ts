import type { Invocation } from '../cli/invocation.js';
import { type Outcome, type Postprocess, wantsPostprocess } from '../envelope/types.js';
import { ApiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { dispatch } from './dispatch.js';

/**
 * Run the function an invocation names: its data, or the ApiError it
 * failed with as a failure outcome; anything else (a bug) goes up. The one
 * way every front (the commands, the HTTP server) calls a function.
 */
export async function callFunction(invocation: Invocation, runtime: Runtime): Promise<Outcome> {
  try {
    const handler = await dispatch(invocation);
    const result = await handler(invocation, runtime);
    return { ok: true, data: result.data, warnings: result.warnings };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, message: err.message, warnings: [], code: err.code };
    throw err;
  }
}

/** cPanel's post-processing for a listed outcome, when the call asks for it (loaded only then). */
export async function postprocessFor(invocation: Invocation, outcome: Outcome): Promise<Postprocess | undefined> {
  if (!outcome.ok || outcome.data.kind !== 'sessions' || !wantsPostprocess(invocation.dialect, invocation.args)) return undefined;
  return (await import('../postprocess/load.js')).loadPostprocess(invocation.args);
}
