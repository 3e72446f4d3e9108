import type { Observation } from './observation.js';

export interface Account {
  readonly name: string;
  readonly uid: number;
  /** home directory; "" when unknown */
  readonly home: string;
}

/**
 * The one scoping rule, for every collector: an account sees a session when
 * the client has logged in and the session process runs as the account's
 * uid. Where no source knows the uid (a replay of pure-ftpwho alone), the
 * FTP login name must equal the account name.
 */
export function belongsTo(account: Account, o: Observation): boolean {
  if (!o.loggedIn) return false;
  return o.uid !== undefined ? o.uid === account.uid : o.login === account.name;
}
