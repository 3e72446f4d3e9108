import type { Invocation } from '../cli/invocation.js';
import { ApiError } from '../errors.js';
import type { FunctionHandler } from '../functions/types.js';
import { MODULES } from './table.js';

const LEGAL_FUNCTION = /^[A-Za-z0-9][A-Za-z0-9_]{0,1023}$/;

/**
 * Resolve Module::function to its handler, with cPanel's messages
 * (cpanel-cli.md §1.7) for an unknown module and an illegal or unknown function.
 */
export async function dispatch(invocation: Invocation): Promise<FunctionHandler> {
  const { module, func, dialect } = invocation;
  const functions = Object.hasOwn(MODULES, module) ? MODULES[module] : undefined;
  if (dialect === 'action') {
    const entry = functions !== undefined && Object.hasOwn(functions, func) ? functions[func] : undefined;
    if (entry?.dialect !== 'action') throw new ApiError('E_UNKNOWN_ACTION', `The action “${func}” of the “${module}” API is not known here: ftpsessions answers “listSessions” (api “admin”).`);
    return entry.load();
  }
  if (functions === undefined) {
    throw new ApiError('E_UNKNOWN_MODULE', `Failed to load module “${module}”: no such module.`);
  }
  if (!LEGAL_FUNCTION.test(func)) {
    throw new ApiError('E_ILLEGAL_FUNCTION', `Illegal function name: ${func}`);
  }
  const entry = Object.hasOwn(functions, func) ? functions[func] : undefined;
  if (entry === undefined || entry.dialect !== dialect) {
    throw new ApiError(
      'E_UNKNOWN_FUNCTION',
      `The system could not find the function “${func}” in the module “${module}”.`,
    );
  }
  return entry.load();
}
