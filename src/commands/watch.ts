import { ApiError } from '../errors.js';
import type { CommandHandler } from './table.js';

/** `ftpsessions watch`: being built (H3 owns this file). */
export const watch: CommandHandler = async () => {
  throw new ApiError('E_NOT_BUILT', 'watch is not built yet');
};
