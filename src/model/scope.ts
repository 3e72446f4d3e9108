import type { Observation } from './observation.js';

export interface Account {
  readonly name: string;
  readonly uid: number;
  /** home directory; "" when unknown */
  readonly home: string;
}

/** Who a login belongs to, as the server's files say. */
export type LoginOwner = { readonly name: string } | { readonly uid: number };

/** An account, the FTP logins it owns, and what the server's files say of everyone else's. */
export interface Scope {
  readonly account: Account;
  /** the account's FTP logins, lower case */
  readonly logins: ReadonlySet<string>;
  /** the owner of a login that is not the account's, where the server's files name one */
  ownerOf(login: string): LoginOwner | undefined;
}

/** Logins every account's anonymous FTP shares: they say nothing of the account. */
const SHARED_LOGINS = new Set(['ftp', 'anonymous']);

/**
 * The one scoping rule, for every collector. A session that has not logged
 * in belongs to nobody. A session whose FTP login is one of the account's
 * belongs to it (a virtual user runs under whatever uid it is mapped to);
 * one whose login the server's files give to someone else does not, even
 * when both run under one uid. Otherwise the process's uid decides, and
 * where no source knows the uid (a replay of a daemon's list alone), the
 * login must be the account's name.
 */
export function belongsTo(scope: Scope, o: Observation): boolean {
  if (!o.loggedIn) return false;
  const { account } = scope;
  const login = o.login?.toLowerCase();
  if (login !== undefined && !SHARED_LOGINS.has(login)) {
    if (scope.logins.has(login)) return true;
    const owner = scope.ownerOf(login);
    if (owner !== undefined) return 'name' in owner ? owner.name === account.name : owner.uid === account.uid;
  }
  return o.uid !== undefined ? o.uid === account.uid : login === account.name.toLowerCase();
}
