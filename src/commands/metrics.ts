import { ApiError } from '../errors.js';
import type { CommandHandler } from './table.js';

/** `ftpsessions metrics`: being built (a helper owns this file). */
export const metrics: CommandHandler = async () => {
  throw new ApiError('E_NOT_BUILT', 'metrics is not built yet');
};
