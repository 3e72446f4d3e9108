import { ApiError } from '../errors.js';
import type { CommandHandler } from './table.js';

/** `ftpsessions serve`: being built (a helper owns this file). */
export const serve: CommandHandler = async () => {
  throw new ApiError('E_NOT_BUILT', 'serve is not built yet');
};
