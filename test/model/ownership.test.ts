// Whose a session is (src/model/scope.ts ownerOf): one owner, from the uid,
// moved only by root's files, never by text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/model/observation.js';
import { type AccountFacts, ownerOf } from '../../src/model/scope.js';

const users: Array<[string, number]> = [
  ['alice', 1001],
  ['bob', 1004],
  ['ftpvirt', 1002],
  ['ftp', 999],
];
const facts: AccountFacts = {
  systemUsers: new Map(users.map(([name, uid]) => [name, { name, uid }])),
  nameOfUid: (uid) => users.find(([, u]) => u === uid)?.[0],
  domainOwner: new Map([
    ['alice.test', 'alice'],
    ['bob.test', 'bob'],
  ]),
  pureUid: new Map([['pv', 1002]]),
  virtualLogins: (account) =>
    account === 'alice'
      ? new Map([
          ['shop@alice.test', 1002],
          ['legacy', 1002],
          ['bob', 1004],
        ])
      : new Map(),
  isAccount: (name) => name === 'alice' || name === 'bob',
};
const base: Observation = { pid: 10, daemon: 'pure-ftpd', loggedIn: true, state: 'IDLE', uid: 1001 };

describe('ownerOf', () => {
  it('goes by the process uid when the login says nothing else', () => {
    expect(ownerOf(facts, base)).toBe('alice');
    expect(ownerOf(facts, { ...base, uid: 1002 })).toBe('ftpvirt');
    expect(ownerOf(facts, { ...base, login: 'carol@nowhere.test' })).toBe('alice');
    expect(ownerOf(facts, { ...base, uid: 4242 })).toBeUndefined();
  });
  it("moves a shared uid's virtual user to the account whose root-owned file lists it, with that uid", () => {
    expect(ownerOf(facts, { ...base, uid: 1002, login: 'Shop@Alice.Test' })).toBe('alice');
    expect(ownerOf(facts, { ...base, uid: 1002, login: 'legacy@alice.test' })).toBe('alice');
    expect(ownerOf(facts, { ...base, uid: 1002, login: 'ghost@alice.test' })).toBe('ftpvirt');
    expect(ownerOf(facts, { ...base, uid: 1002, login: 'sales@bob.test' })).toBe('ftpvirt');
  });
  it('never moves a session onto or away from an account, whatever the login says', () => {
    expect(ownerOf(facts, { ...base, uid: 1004, login: 'bob' })).toBe('bob'); // alice's file lists "bob": in vain
    expect(ownerOf(facts, { ...base, uid: 1004, login: 'shop@alice.test' })).toBe('bob'); // runs as bob
    expect(ownerOf(facts, { ...base, uid: 1002, login: 'alice' })).toBe('ftpvirt'); // a system user's name under another uid
    expect(ownerOf(facts, { ...base, uid: 1002, login: 'bob_logs' })).toBe('ftpvirt');
    expect(ownerOf(facts, { ...base, uid: 1004, login: 'bob_logs' })).toBe('bob');
  });
  it('shared anonymous logins say nothing: the uid decides', () => {
    expect(ownerOf(facts, { ...base, uid: 999, login: 'ftp' })).toBe('ftp');
    expect(ownerOf(facts, { ...base, login: 'anonymous' })).toBe('alice');
  });
  it('a session that has not logged in is nobody\'s', () => {
    expect(ownerOf(facts, { ...base, loggedIn: false })).toBeUndefined();
  });
  it('without a uid (a daemon list alone): the login\'s uid in pure-pw, else the system user of that name', () => {
    const { uid: _uid, ...noUid } = base;
    expect(ownerOf(facts, { ...noUid, login: 'alice' })).toBe('alice');
    expect(ownerOf(facts, { ...noUid, login: 'pv' })).toBe('ftpvirt');
    expect(ownerOf(facts, { ...noUid, login: 'alice2' })).toBeUndefined();
    expect(ownerOf(facts, noUid)).toBeUndefined();
  });
  it('for any login text, a session running as an account\'s uid is that account\'s', () => {
    fc.assert(
      fc.property(fc.constantFrom(1001, 1004), fc.oneof(fc.string(), fc.constantFrom('bob', 'alice', 'shop@alice.test', 'x@bob.test', 'bob_logs')), (uid, login) => {
        expect(ownerOf(facts, { ...base, uid, login })).toBe(uid === 1001 ? 'alice' : 'bob');
      }),
      { numRuns: 2000 },
    );
  });
});
