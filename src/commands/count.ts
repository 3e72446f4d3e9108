import { readSessions } from '../functions/native.js';
import type { NativeRow } from '../model/native.js';
import { renderReport } from '../render/native.js';
import { nativeContext, warn } from './output.js';
import type { CommandHandler } from './table.js';

/**
 * `ftpsessions count`: how many sessions, per daemon, per state, per
 * account and per client address (as ftpcount counts per server). Every
 * daemon running here and every state appear, zeros included; accounts
 * and hosts as seen.
 */
export const count: CommandHandler = async (invocation, runtime) => {
  // counts show no idle time: no run of ss
  const reading = await readSessions({ ...invocation.query, idle: false }, runtime);
  const report = countRows(reading.rows, invocation.query.includeUnauthenticated, reading.running);
  runtime.stdout.write(await renderReport(report, invocation.output ?? 'json', nativeContext(invocation, runtime)));
  warn(runtime, reading.warnings);
  return 0;
};

export function countRows(rows: readonly NativeRow[], withAuth: boolean, running: readonly string[]): Record<string, unknown> {
  const states = tally(withAuth ? ['IDLE', 'DL', 'UL', 'AUTH'] : ['IDLE', 'DL', 'UL']);
  const daemons = tally(running);
  const accounts = tally([]);
  const hosts = tally([]);
  const add = (map: Record<string, number>, key: string) => {
    map[key] = (Object.hasOwn(map, key) ? (map[key] as number) : 0) + 1;
  };
  for (const r of rows) {
    add(states, r.state);
    add(daemons, r.daemon);
    if (r.account !== null) add(accounts, r.account);
    add(hosts, r.host ?? 'unknown');
  }
  return { total: rows.length, daemons: sorted(daemons), states, accounts: sorted(accounts), hosts: sorted(hosts) };
}

/** A count per key, every key given starting at 0 (no prototype: an account may be called `__proto__`). */
function tally(keys: readonly string[]): Record<string, number> {
  const map: Record<string, number> = Object.create(null);
  for (const key of keys) map[key] = 0;
  return map;
}

function sorted(map: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const key of Object.keys(map).sort()) out[key] = map[key] as number;
  return out;
}
