import { collect } from '../collectors/index.js';
import { resolveAccount } from '../model/accounts.js';
import { normalise } from '../model/normalise.js';
import { belongsTo } from '../model/scope.js';
import type { FunctionHandler } from './types.js';

/**
 * Ftp::list_sessions (UAPI) and Ftp::listftpsessions (API 2): the account's
 * FTP sessions. It takes no arguments; unknown ones are ignored, as cPanel does.
 */
export const listSessions: FunctionHandler = async (invocation, runtime) => {
  const account = await resolveAccount(invocation.user, runtime);
  const collection = await collect(invocation.collector, invocation.inputs, runtime);
  const mine = collection.observations.filter((o) => belongsTo(account, o));
  const { sessions, warnings } = normalise(mine);

  const pureFtpwhoMissing = collection.unused.get('pure-ftpwho');
  if (pureFtpwhoMissing !== undefined && mine.some((o) => o.daemon === 'pure-ftpd')) {
    warnings.unshift(
      `pure-ftpwho was not used (${pureFtpwhoMissing}): for pure-ftpd sessions, user is the system account ` +
        'and host and file are not known.',
    );
  }
  return { data: sessions, warnings: [...collection.warnings, ...warnings] };
};
