import { isIPv4 } from 'node:net';
import type { Runtime } from '../runtime.js';
import { expandIPv6 } from './address.js';

/**
 * How many failed authentications block whom, for how long. The defaults
 * are cPHulk's: 5 failures per address and 15 per account, counted over
 * 15 minutes (cPHulk's IP-based protection period; its account limit is 15).
 */
export interface FailureLimits {
  /** failures from one address within windowMs that block it */
  readonly perAddress: number;
  /** failures for one user name (from any address) within windowMs that block it */
  readonly perUser: number;
  readonly windowMs: number;
  /**
   * The most addresses (and, separately, user names) remembered. Past it the
   * one whose last failure is oldest is forgotten: memory stays bounded
   * whatever a flood of distinct addresses or names does.
   */
  readonly maxKeys: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = {
  perAddress: 5,
  perUser: 15,
  windowMs: 15 * 60 * 1000,
  maxKeys: 20_000,
};

/**
 * Failed authentications, per client address and per user name, in a
 * sliding window. An IPv6 client is counted by its /64 (one host usually
 * holds a whole /64: counting single addresses would give it 2^64 tries);
 * an IPv4-mapped address counts as the IPv4 one.
 *
 * Cost: fail and blocked are O(1) on average (each key keeps at most its
 * limit of timestamps). Expired keys are dropped in passes, when the table
 * has doubled since the last one; past the cap, the keys whose last failure
 * is oldest are dropped until a quarter of the cap is free. Memory: at most
 * maxKeys keys per table (20,000 addresses and 20,000 names: about 10 MB,
 * measured).
 */
export class FailureLimiter {
  readonly limits: FailureLimits;
  private readonly addresses: Window;
  private readonly users: Window;

  constructor(
    private readonly runtime: Pick<Runtime, 'now'>,
    limits: Partial<FailureLimits> = {},
  ) {
    this.limits = { ...DEFAULT_FAILURE_LIMITS, ...limits };
    for (const [key, value] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`FailureLimiter: ${key} must be a positive integer`);
    }
    this.addresses = new Window(this.limits.perAddress, this.limits.windowMs, this.limits.maxKeys);
    this.users = new Window(this.limits.perUser, this.limits.windowMs, this.limits.maxKeys);
  }

  /** whether the address, or the user name when given, has reached its limit */
  blocked(address: string, user?: string): boolean {
    const now = this.runtime.now();
    if (this.addresses.blocked(addressKey(address), now)) return true;
    return user !== undefined && user !== '' && this.users.blocked(user, now);
  }

  /** count one failed authentication from the address (for the user name, when one was given) */
  fail(address: string, user?: string): void {
    const now = this.runtime.now();
    this.addresses.fail(addressKey(address), now);
    if (user !== undefined && user !== '') this.users.fail(user, now);
  }

  /** how many addresses and user names are remembered (what the memory holds) */
  tracked(): { addresses: number; users: number } {
    return { addresses: this.addresses.size, users: this.users.size };
  }
}

/** The key an address is counted under: IPv4 as is, IPv6 by its /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (isIPv4(address)) return address;
  const groups = expandIPv6(address);
  if (groups === undefined) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** Below this many keys no sweep runs (expired keys are also dropped when asked about). */
const MIN_SWEEP = 1024;

/** Keys -> their last `limit` failure times, in the order of their last failure (a Map keeps insertion order). */
class Window {
  private readonly failures = new Map<string, number[]>();
  /** the size at which the next sweep runs */
  private sweepAt: number;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {
    this.sweepAt = Math.min(maxKeys, MIN_SWEEP);
  }

  get size(): number {
    return this.failures.size;
  }

  blocked(key: string, now: number): boolean {
    const times = this.failures.get(key);
    if (times === undefined) return false;
    if (times[times.length - 1]! <= now - this.windowMs) {
      this.failures.delete(key);
      return false;
    }
    return times.length >= this.limit && times[times.length - this.limit]! > now - this.windowMs;
  }

  fail(key: string, now: number): void {
    const times = this.failures.get(key) ?? [];
    this.failures.delete(key); // re-inserted last: the map stays ordered by last failure
    times.push(now);
    if (times.length > this.limit) times.shift();
    this.failures.set(key, times);
    if (this.failures.size > this.sweepAt) this.sweep(now);
  }

  /**
   * One pass from the front (the oldest last failures): the expired keys go,
   * and past the cap the oldest until a quarter of the cap is free. Runs when
   * the table has doubled since the last pass or reached the cap, so each
   * failure pays O(1) on average (a pass per failure would not: a Map
   * walked from the front after many deletes skips their holes each time).
   */
  private sweep(now: number): void {
    const keep = this.failures.size > this.maxKeys ? Math.floor(this.maxKeys * 0.75) : Number.POSITIVE_INFINITY;
    for (const [key, times] of this.failures) {
      if (times[times.length - 1]! <= now - this.windowMs || this.failures.size > keep) {
        this.failures.delete(key);
      } else {
        break;
      }
    }
    this.sweepAt = Math.min(this.maxKeys, Math.max(MIN_SWEEP, this.failures.size * 2));
  }
}
