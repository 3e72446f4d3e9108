import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isLoopback, parseListen } from '../../src/serve/address.js';
import { addressKey, DEFAULT_FAILURE_LIMITS, FailureLimiter } from '../../src/serve/limits.js';
import { UsageError } from '../../src/errors.js';

function clock(start = 1_800_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const MIN = 60_000;

/** a full garbage collection (for a memory figure that is what is kept, not what is waiting to be collected) */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('FailureLimiter', () => {
  it("cPHulk's defaults: 5 failures per address, 15 per user, over 15 minutes", () => {
    expect(DEFAULT_FAILURE_LIMITS).toMatchObject({ perAddress: 5, perUser: 15, windowMs: 15 * MIN });
  });

  it('blocks an address at its 5th failure within 15 minutes, and lets it in again once the oldest leaves the window', () => {
    const c = clock();
    const limiter = new FailureLimiter(c);
    for (let i = 0; i < 4; i++) {
      limiter.fail('192.0.2.1', `u${i}`);
      c.advance(MIN);
    }
    expect(limiter.blocked('192.0.2.1')).toBe(false);
    limiter.fail('192.0.2.1', 'u4'); // at 4 min: 5 failures within 15 minutes
    expect(limiter.blocked('192.0.2.1')).toBe(true);
    expect(limiter.blocked('192.0.2.1', 'someone')).toBe(true);
    expect(limiter.blocked('192.0.2.2')).toBe(false); // another address
    c.advance(11 * MIN - 1); // the first failure (t=0) is now 15 min - 1 ms old
    expect(limiter.blocked('192.0.2.1')).toBe(true);
    c.advance(1);
    expect(limiter.blocked('192.0.2.1')).toBe(false);
  });

  it('failures spread wider than the window never block', () => {
    const c = clock();
    const limiter = new FailureLimiter(c);
    for (let i = 0; i < 100; i++) {
      limiter.fail('192.0.2.1');
      c.advance(4 * MIN); // 4 failures per 16 minutes
      expect(limiter.blocked('192.0.2.1')).toBe(false);
    }
  });

  it('blocks a user name at its 15th failure from any addresses, whatever address asks next', () => {
    const c = clock();
    const limiter = new FailureLimiter(c);
    for (let i = 0; i < 14; i++) limiter.fail(`198.51.100.${i}`, 'alice');
    expect(limiter.blocked('203.0.113.9', 'alice')).toBe(false);
    limiter.fail('198.51.100.200', 'alice');
    expect(limiter.blocked('203.0.113.9', 'alice')).toBe(true);
    expect(limiter.blocked('203.0.113.9', 'bob')).toBe(false);
    expect(limiter.blocked('203.0.113.9')).toBe(false);
    c.advance(15 * MIN);
    expect(limiter.blocked('203.0.113.9', 'alice')).toBe(false);
  });

  it('counts IPv6 by /64 and an IPv4-mapped address as the IPv4 one', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    const limiter = new FailureLimiter(clock());
    for (let i = 1; i <= 5; i++) limiter.fail(`2001:db8:1:2::${i.toString(16)}`);
    expect(limiter.blocked('2001:db8:1:2:dead:beef:0:1')).toBe(true);
    expect(limiter.blocked('2001:db8:1:3::1')).toBe(false);
    for (let i = 0; i < 5; i++) limiter.fail('::ffff:192.0.2.7');
    expect(limiter.blocked('192.0.2.7')).toBe(true);
  });

  it('an empty user name is not a user', () => {
    const limiter = new FailureLimiter(clock());
    for (let i = 0; i < 20; i++) limiter.fail(`192.0.2.${i}`, '');
    expect(limiter.tracked().users).toBe(0);
    expect(limiter.blocked('192.0.2.200', '')).toBe(false);
  });

  it('forgets expired entries as new failures come', () => {
    const c = clock();
    const limiter = new FailureLimiter(c);
    for (let i = 0; i < 1000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`, `user${i}`);
    expect(limiter.tracked()).toEqual({ addresses: 1000, users: 1000 });
    c.advance(15 * MIN);
    // a pass runs when the table passes 1024 keys (or doubles): the expired 1000 go
    for (let i = 0; i < 24; i++) limiter.fail(`10.9.0.${i}`, `late${i}`);
    expect(limiter.tracked()).toEqual({ addresses: 1024, users: 1024 });
    limiter.fail('10.9.1.0', 'late');
    expect(limiter.tracked()).toEqual({ addresses: 25, users: 25 });
    // and a key asked about after its window is dropped then
    limiter.fail('10.9.2.0');
    c.advance(15 * MIN);
    expect(limiter.blocked('10.9.2.0')).toBe(false);
    expect(limiter.tracked().addresses).toBe(25);
  });

  it('100,000 distinct addresses (and names) within the window: memory stays bounded by the cap, the newest are still counted, time linear', () => {
    const c = clock();
    const limiter = new FailureLimiter(c);
    expect(limiter.limits.maxKeys).toBe(20_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      limiter.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `user${i}`);
      if (i % 1000 === 0) c.advance(1);
    }
    const ms = performance.now() - started;
    const tracked = limiter.tracked();
    expect(tracked.addresses).toBeLessThanOrEqual(20_000);
    expect(tracked.addresses).toBeGreaterThanOrEqual(15_000);
    expect(tracked.users).toBe(tracked.addresses);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // 40,000 keys at most (addresses and names) with their times: ~10 MB measured; uncapped, 200,000 keys are ~48 MB
    expect(grown).toBeLessThan(16 * 2 ** 20);
    expect(ms).toBeLessThan(1500);
    // the newest address is still counted: 4 more failures block it
    const last = `10.1.134.159`; // i = 99,999
    for (let i = 0; i < 4; i++) limiter.fail(last);
    expect(limiter.blocked(last)).toBe(true);
    // the oldest was forgotten
    for (let i = 0; i < 4; i++) limiter.fail('10.0.0.0');
    expect(limiter.blocked('10.0.0.0')).toBe(false);
  });

  it('an attacker flooding addresses cannot evict the per-user count (separate tables)', () => {
    const limiter = new FailureLimiter(clock(), { maxKeys: 1000 });
    for (let i = 0; i < 15; i++) limiter.fail(`192.0.2.${i}`, 'alice');
    for (let i = 0; i < 5000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.blocked('203.0.113.1', 'alice')).toBe(true);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new FailureLimiter(clock(), { perAddress: 0 })).toThrow('perAddress must be a positive integer');
  });
});

describe('--listen addresses', () => {
  it('parses IPv4 and bracketed IPv6 with a port; refuses host names, bad ports, zones', () => {
    expect(parseListen('127.0.0.1:2097')).toEqual({ host: '127.0.0.1', port: 2097 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('[2001:DB8::1]:443')).toEqual({ host: '2001:db8::1', port: 443 });
    for (const bad of ['localhost:2097', '127.0.0.1', '::1:2097', '[::1]', '127.0.0.1:65536', '127.0.0.1:-1', '[fe80::1%eth0]:1', '1.2.3:4', '', ':80']) {
      expect(() => parseListen(bad), bad).toThrow(UsageError);
    }
  });

  it('loopback: 127/8, ::1 in any spelling, ::ffff:127.x; not 0.0.0.0, ::, or others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', '2001:db8::1']) expect(isLoopback(host), host).toBe(false);
  });
});
