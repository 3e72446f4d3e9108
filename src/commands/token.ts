import { ApiError } from '../errors.js';
import type { CommandHandler } from './table.js';

/** `ftpsessions token`: being built (a helper owns this file). */
export const token: CommandHandler = async () => {
  throw new ApiError('E_NOT_BUILT', 'token is not built yet');
};
