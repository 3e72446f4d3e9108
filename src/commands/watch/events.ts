import { identity, matchesFilter, type Reading } from '../../functions/native.js';
import type { NativeRow } from '../../model/native.js';

/** What `ftpsessions watch` reports of a session. */
export type EventName = 'opened' | 'closed' | 'state' | 'transfer_started' | 'transfer_finished';

/**
 * One change between two readings. `session` is the row the event is about:
 * the current one, except for `closed` and `transfer_finished`, which carry
 * the last row in which the session (or its transfer) was seen. `before`:
 * for `state`, the row it changed from (the human line shows `IDLE->DL`).
 */
export interface SessionEvent {
  readonly event: EventName;
  readonly session: NativeRow;
  readonly before?: NativeRow;
}

/** The sessions of one reading by identity (pid and start time: the same session across readings). */
export type Sessions = ReadonlyMap<string, NativeRow>;

export function sessionsOf(reading: Reading): Sessions {
  const sessions = new Map<string, NativeRow>();
  for (const row of reading.rows) sessions.set(identity(reading.observations.get(row.pid) ?? { pid: row.pid }), row);
  return sessions;
}

/**
 * The events that take `previous` to `current` (previous undefined: the
 * first reading, where every session is `opened`), in a stable order: by
 * pid; for one pid, what ended (a session gone, or whose pid a new process
 * has since taken) before what began, and `transfer_finished`, `state`,
 * `transfer_started` in that order. Linear in the sessions, plus the sort of
 * the events.
 *
 *   opened             a session (identity) not in the previous reading; a
 *                      session opened in the middle of a transfer is followed
 *                      by its transfer_started
 *   closed             a session of the previous reading not in this one
 *                      (the last row seen), after the transfer_finished of
 *                      a transfer it was in
 *   state              the session's state changed (IDLE, DL, UL; AUTH to
 *                      logged in); a change to or from DL or UL also gives
 *                      transfer events
 *   transfer_started   a transfer (state DL or UL) begins: from IDLE or
 *                      AUTH, at opened, or a new transfer in place of
 *                      another (DL<->UL, another file, the byte count went
 *                      down: the same file again)
 *   transfer_finished  the transfer of the previous reading is over (the
 *                      session is idle, transfers something else, or
 *                      closed): the last row seen of it
 */
export function sessionEvents(previous: Sessions | undefined, current: Sessions): SessionEvent[] {
  const ranked: Array<{ pid: number; rank: number; event: SessionEvent }> = [];
  const add = (rank: number, event: SessionEvent) => ranked.push({ pid: event.session.pid, rank, event });
  if (previous !== undefined) {
    for (const [id, was] of previous) {
      const now = current.get(id);
      if (now === undefined) {
        if (transferring(was)) add(0, { event: 'transfer_finished', session: was });
        add(1, { event: 'closed', session: was });
        continue;
      }
      const newTransfer = transferring(was) && transferring(now) && anotherTransfer(was, now);
      if (transferring(was) && (!transferring(now) || newTransfer)) add(2, { event: 'transfer_finished', session: was });
      if (was.state !== now.state) add(3, { event: 'state', session: now, before: was });
      if (transferring(now) && (!transferring(was) || newTransfer)) add(4, { event: 'transfer_started', session: now });
    }
  }
  for (const [id, now] of current) {
    if (previous?.has(id) === true) continue;
    add(5, { event: 'opened', session: now });
    if (transferring(now)) add(6, { event: 'transfer_started', session: now });
  }
  ranked.sort((a, b) => a.pid - b.pid || a.rank - b.rank);
  return ranked.map((r) => r.event);
}

function transferring(row: NativeRow): boolean {
  return row.state === 'DL' || row.state === 'UL';
}

/**
 * Two rows of one session, both transferring, are of different transfers
 * when the direction changed, the file changed (a file a source did not
 * name in one reading is not a change), or fewer bytes have been moved than
 * before.
 */
function anotherTransfer(was: NativeRow, now: NativeRow): boolean {
  if (was.state !== now.state) return true;
  if (was.file !== null && now.file !== null && was.file !== now.file) return true;
  return was.transferred_bytes !== null && now.transferred_bytes !== null && now.transferred_bytes < was.transferred_bytes;
}

/**
 * --state, --host, --login, --daemon select events by the row each carries
 * (as list selects rows): a session that leaves the filter is not `closed`,
 * its later events are just not shown. The same test as readSessions'.
 */
export { matchesFilter };
