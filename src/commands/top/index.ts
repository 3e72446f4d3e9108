import { ApiError } from '../../errors.js';
import type { CommandHandler } from '../table.js';

/** `ftpsessions top`: being built (H2 owns this file). */
export const top: CommandHandler = async () => {
  throw new ApiError('E_NOT_BUILT', 'top is not built yet');
};
