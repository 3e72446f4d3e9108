import type { Observation } from './observation.js';

export interface Account {
  readonly name: string;
  readonly uid: number;
  /** home directory; "" when unknown */
  readonly home: string;
}

/** What the server's root-owned files say of logins and accounts (accounts.ts reads them). */
export interface AccountFacts {
  /** system user name (lower case) -> its name and uid, from the user database */
  readonly systemUsers: ReadonlyMap<string, { readonly name: string; readonly uid: number }>;
  /** uid -> the first system user with that uid */
  readonly nameOfUid: (uid: number) => string | undefined;
  /** domain (lower case) -> the account owning it (cPanel's userdomains) */
  readonly domainOwner: ReadonlyMap<string, string>;
  /** pure-pw virtual user (lower case) -> the uid it runs as */
  readonly pureUid: ReadonlyMap<string, number>;
  /**
   * the virtual logins of an account's cPanel FTP passwd file (lower case,
   * as written: with or without a domain) -> the uid each runs as
   */
  readonly virtualLogins: (account: string) => ReadonlyMap<string, number>;
  /** whether a system user is a hosting account (owns a domain or has a cPanel FTP passwd file) */
  readonly isAccount: (name: string) => boolean;
}

/** Logins every account's anonymous FTP shares: they say nothing of the account. */
const SHARED_LOGINS = new Set(['ftp', 'anonymous']);

/**
 * Whose a session is, as root sees it: exactly one account, or none
 * (TRUST.md). The process's uid decides; the FTP login (text a client or a
 * title supplies) can never re-assign a session by itself:
 *
 * - a session that has not logged in is nobody's;
 * - a login that is a system user's name (or `<name>_logs`) is that user's
 *   only when the process runs as that user's uid; otherwise the uid decides;
 * - a virtual login `local@domain` moves the session to the domain's owner
 *   only through the server's root-owned files: the owner's cPanel FTP
 *   passwd file lists it, running as the session's uid, and the uid is not
 *   itself a hosting account's (a shared uid of virtual users): never onto
 *   or away from another account;
 * - where no source knows the uid (a replay of a daemon's list alone), the
 *   login's uid in pure-pw's file, else the system user of that name.
 */
export function ownerOf(facts: AccountFacts, o: Observation): string | undefined {
  if (!o.loggedIn) return undefined;
  const login = o.login?.toLowerCase();
  let uid = o.uid;
  if (uid === undefined && login !== undefined) uid = facts.pureUid.get(login) ?? facts.systemUsers.get(login)?.uid;
  if (uid === undefined) return undefined;
  const byUid = facts.nameOfUid(uid);
  if (login === undefined || SHARED_LOGINS.has(login)) return byUid;

  const system = facts.systemUsers.get(login) ?? (login.endsWith('_logs') ? facts.systemUsers.get(login.slice(0, -5)) : undefined);
  if (system !== undefined) return system.uid === uid ? system.name : byUid;

  const at = login.lastIndexOf('@');
  if (at > 0 && (byUid === undefined || !facts.isAccount(byUid))) {
    const owner = facts.domainOwner.get(login.slice(at + 1));
    if (owner !== undefined && owner !== byUid) {
      const logins = facts.virtualLogins(owner);
      const listedUid = logins.get(login) ?? logins.get(login.slice(0, at));
      if (listedUid === uid) return owner;
    }
  }
  return byUid;
}

/** Which of the observations are the account's: as root by ownerOf; as the account itself, by its uid alone. */
export type Scope = (o: Observation) => boolean;
