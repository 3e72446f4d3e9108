import { ApiError } from '../errors.js';
import type { CommandHandler } from './table.js';

/** `ftpsessions check`: being built (a helper owns this file). */
export const check: CommandHandler = async () => {
  throw new ApiError('E_NOT_BUILT', 'check is not built yet');
};
