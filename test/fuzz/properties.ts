// The parsers' properties, run with a few thousand inputs each by `npm test`
// (test/collectors/properties.test.ts) and a million each by `npm run fuzz`
// (test/fuzz/parsers.fuzz.ts). Inputs are built from the pieces real outputs
// are made of, the characters JavaScript treats as line ends or white space
// (CR, LF, CRLF, U+0085, U+2028, U+2029, U+FEFF), NUL, lone surrogates, huge
// numbers, and arbitrary Unicode.
import fc from 'fast-check';
import { expect } from 'vitest';
import { parseFtpwho } from '../../src/collectors/ftpwho/parse.js';
import { parseProc } from '../../src/collectors/proc/parse.js';
import { type ProcProcess, type ProcSnapshot, readProcTree } from '../../src/collectors/proc/snapshot.js';
import { parsePs } from '../../src/collectors/ps/parse.js';
import { classifyTitle } from '../../src/collectors/ps/titles.js';
import { parsePureFtpwho } from '../../src/collectors/pure-ftpwho/parse.js';
import type { Observation } from '../../src/model/observation.js';
import { normalise } from '../../src/model/normalise.js';
import { SessionSchema } from '../../src/model/session.js';
import { isValidTime, localClock, MAX_TIME } from '../../src/model/time.js';
import { createTestRuntime } from '../helpers/runtime.js';

export const ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

// ---------------------------------------------------------------- generators

/** Characters that end a line or count as white space somewhere in JavaScript, and other troublemakers. */
export const SPECIALS = ['\r', '\n', '\r\n', '\u0085', '\u2028', '\u2029', '\uFEFF', '\0', '\t', '\v', '\f', '\u00A0', '\uD800', '\uDFFF', ' ', '  '];
const special = fc.constantFrom(...SPECIALS);
const NUMBERS = ['0', '-1', '1e400', '99999999999999999999', '9007199254740993', '275761', '8640000000000001', 'NaN', 'Infinity'];
const PIECES = [
  '|', '\\', '\\|', ':', ': ', ' - ', '/', '(', ')', '?', '@', 'pure-ftpd (IDLE)', 'pure-ftpd (DOWNLOAD)', 'proftpd: ', 'vsftpd: ',
  'connected: ', 'anonymous/', 'anonymous', ': IDLE', 'IDLE', ' DL ', ' UL ', 'ERR!', 'RETR ', 'STOR ', 'USER ', 'PASS (hidden)',
  '::1', '127.0.0.1', '6.6.6.6', 'alice', 'bob@example.com', 'not logged in', 'Sun Nov 22 06:06:28 2026', 'Mon Feb 30 25:61:61 2026',
  'Tue Dec  1 00:00:00 99999', ...NUMBERS,
];
const piece = fc.constantFrom(...PIECES);
/** Any text at all, weighted towards the grammar's own pieces and the special characters. */
export const hostile = fc
  .array(fc.oneof({ arbitrary: piece, weight: 3 }, { arbitrary: special, weight: 3 }, { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 2 }), { maxLength: 24 })
  .map((a) => a.join(''));
/** Hostile text that can sit in one line of a listing (no LF). */
const oneLine = hostile.map((t) => t.replaceAll('\n', ''));
/** Hostile text that is all there is of a title's tail: nothing the padding trim would eat at its end. */
const tail = (text: fc.Arbitrary<string>) => text.filter((t) => !/[ \0]$/.test(t));

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const address = fc.oneof(ipv4, fc.constantFrom('::1', '2001:db8::1', '::ffff:10.0.0.7', 'fe80::1'));
const port = fc.integer({ min: 0, max: 65535 });
const login = fc.constantFrom('alice', 'bob@example.com', 'charlotte-longname', 'ftp', 'x');
const host = fc.oneof(address, fc.constantFrom('localhost', 'client2.ftplab.test'));
const transfer = fc.constantFrom('RETR', 'STOR', 'APPE', 'STOU', 'retr', 'Stor');

/** ProFTPD, vsftpd and pure-ftpd titles of sessions that have not logged in, the client's text anywhere it can be. */
export const preLoginTitle = fc.oneof(
  fc.tuple(address, port, hostile).map(([a, p, t]) => `proftpd: ${a}:${p}: ${t}`),
  fc.tuple(address, port, login, host, hostile).map(([a, p, u, h, t]) => `proftpd: ${a}:${p}: USER ${u} - ${h}: RETR ${t}`),
  fc.tuple(address, port, hostile).map(([a, p, t]) => `proftpd: ${a}:${p}: USER x@bob.example - 6.6.6.6: ${t}`),
  fc.tuple(hostile, address, port).map(([t, a, p]) => `proftpd: connected: ${t} (${a}:${p})`),
  hostile.map((t) => `proftpd: connected: ${t}`),
  address.map((a) => `vsftpd: ${a}: not logged in`),
  fc.tuple(address, hostile).map(([a, t]) => `vsftpd: ${a}: ${t}`),
);

// ------------------------------------------------------------------- helpers

const psRow = (pid: number, uid: number, user: string, lstart: string, title: string) =>
  `${String(pid).padStart(7)} ${'1'.padStart(7)} ${String(uid).padStart(5)} ${user.padEnd(20)} ${lstart} ${title}`;
const LSTART = 'Sun Nov 22 06:06:28 2026';

const BTIME = 1_795_325_103;
function procProcess(pid: number, comm: string, cmdline: string, ticks: string, uid = 1001): ProcProcess {
  return {
    pid,
    comm,
    cmdline,
    stat: `${pid} (${comm}) S 1 ${Array(17).fill('0').join(' ')} ${ticks} 0`,
    status: `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    fds: [],
  };
}
const procSnapshot = (processes: ProcProcess[]): ProcSnapshot => ({ btime: BTIME, scanned: processes.length, processes, tcp: new Map() });

/** `|` and `\` escaped as pure-ftpwho -s does. */
const escapeWho = (s: string) => s.replace(/[\\|]/g, '\\$&');

const ACCOUNT = { name: 'alice', uid: 1001, home: '/home/alice' };

/** Run with TZ set to a zone (Node re-reads it on assignment), then put it back. */
export function inZone<T>(zone: string, f: () => T): T {
  const before = process.env.TZ;
  process.env.TZ = zone;
  try {
    return f();
  } finally {
    process.env.TZ = before;
  }
}

/** Local fields of an instant, as `new Date(y, m, d, h, min, s)` takes them, and the lstart text ps prints for them. */
function lstartOf(t: number): { text: string; fields: [number, number, number, number, number, number] } {
  const d = new Date(t);
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return {
    text: `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`,
    fields: [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()],
  };
}

/**
 * What parseLstart must give for a wall-clock time (fields as UTC-naive ms):
 * `new Date(y, m, d, h, min, s)`, the lstart text built from the same fields.
 */
export function checkWallClock(clock: ReturnType<typeof localClock>, wall: number): void {
  const w = new Date(wall);
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const [y, mo, d, h, mi, s] = [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds()];
  const text = `${DAYS[w.getUTCDay()]} ${MONTHS[mo]} ${String(d).padStart(2, ' ')} ${p2(h)}:${p2(mi)}:${p2(s)} ${y}`;
  const expected = new Date(y, mo, d, h, mi, s).getTime();
  const got = clock.parse(text);
  if (isValidTime(expected)) expect(got, `${process.env.TZ} ${text}`).toBe(expected);
  else expect(got, `${process.env.TZ} ${text}`).toBeNaN();
}

/**
 * The round trip of one instant in the current zone: ps prints it
 * (formatCtime, checked against Date's own local fields), parseLstart reads
 * it back to `new Date(fields)`, which is the instant itself unless the
 * local time happens twice (the hour a clock goes back: the earlier one), and
 * prints the same again.
 */
export function checkInstant(clock: ReturnType<typeof localClock>, t: number): void {
  const { text, fields } = lstartOf(t);
  const s = Math.floor(t / 1000) * 1000;
  expect(clock.format(t), `${process.env.TZ} ${t}`).toBe(text);
  const back = clock.parse(text) as number;
  expect(back, `${process.env.TZ} ${text}`).toBe(new Date(...fields).getTime());
  expect(back === s || (back < s && clock.format(back) === text), `${process.env.TZ} ${text}: ${back} vs ${s}`).toBe(true);
}

/**
 * The instants (to the second) at which the current zone's offset changes
 * between two times: offsets sampled every 6 hours (no zone changes twice in
 * 6 hours), each change found by bisection.
 */
export function transitions(from: number, to: number): number[] {
  const offset = (t: number) => {
    const d = new Date(t);
    return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()) - Math.floor(t / 1000) * 1000;
  };
  const found: number[] = [];
  const STEP = 6 * 3600_000;
  let prev = offset(from);
  for (let t = from + STEP; t <= to; t += STEP) {
    const now = offset(t);
    if (now === prev) continue;
    let lo = t - STEP;
    let hi = t;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (offset(mid) === prev) lo = mid;
      else hi = mid;
    }
    found.push(hi);
    prev = now;
  }
  return found;
}

/**
 * Around one transition: every instant a few seconds either side, every
 * minute for an hour either side (wall clock and instants), the wall-clock
 * minutes of the gap or the overlap among them.
 */
export function checkTransition(clock: ReturnType<typeof localClock>, at: number, span = 3600_000, step = 60_000): void {
  for (let dt = -span; dt <= span; dt += step) {
    checkInstant(clock, at + dt);
    checkInstant(clock, at + dt + 59_000);
  }
  for (const dt of [-2000, -1000, 0, 1000, 2000]) checkInstant(clock, at + dt);
  // the wall clock either side of the change, in the offsets before and after it
  const d = new Date(at - 1000);
  const wallBefore = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()) + 1000;
  for (let dt = -span; dt <= span; dt += step) {
    checkWallClock(clock, wallBefore + dt);
    checkWallClock(clock, wallBefore + dt + 30_000);
  }
}

// ---------------------------------------------------------------- properties

type Property = (runs: number) => void;

export const PROPERTIES: Record<string, Property> = {
  'ps: never throws, on anything': (runs) =>
    fc.assert(
      fc.property(fc.oneof(hostile, fc.array(fc.tuple(fc.nat(), fc.nat(), oneLine, fc.oneof(oneLine, piece)), { maxLength: 6 }).map((rows) => rows.map(([p, u, lst, t]) => psRow(p, u, 'u', lst, t)).join('\n'))), (text) => {
        const reading = parsePs(text);
        expect(reading.recognised).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: runs },
    ),

  'ps: a title of a session that has not logged in never yields a logged-in observation': (runs) =>
    fc.assert(
      fc.property(preLoginTitle, fc.constantFrom(0, 65534, 1001, 1002), fc.boolean(), (title, uid, crlf) => {
        const lines = [psRow(4242, uid, 'nobody', LSTART, title.replaceAll('\n', '')), psRow(1, 0, 'root', LSTART, '/sbin/init'), ''];
        const { observations } = parsePs(lines.join(crlf ? '\r\n' : '\n'));
        for (const o of observations) expect(o.loggedIn, title).toBe(false);
      }),
      { numRuns: runs },
    ),

  'ps: a logged-in title keeps the session, its login, host and file, whatever the file holds': (runs) =>
    fc.assert(
      fc.property(fc.constantFrom('proftpd', 'vsftpd'), login, address, transfer, tail(oneLine), fc.boolean(), (daemon, user, ip, command, file, crlf) => {
        const title = daemon === 'proftpd' ? `proftpd: ${user} - ${ip}: ${command} ${file}` : `vsftpd: ${ip}/${user}: ${command} ${file}`;
        // every line ends in a line end: a CR ending the file is data unless every line ends in CRLF
        const eol = crlf ? '\r\n' : '\n';
        const text = `${psRow(4242, 1001, 'alice', LSTART, title)}${eol}${psRow(1, 0, 'root', LSTART, '/sbin/init')}${eol}`;
        const { observations, skippedLines } = parsePs(text);
        expect(skippedLines).toEqual([]);
        expect(observations).toHaveLength(1);
        expect(observations[0]).toMatchObject({ pid: 4242, loggedIn: true, login: user, host: ip, file: file, state: /^(retr)$/i.test(command) ? 'DL' : 'UL' });
      }),
      { numRuns: runs },
    ),

  'titles: the anonymous password never shows, whatever it holds': (runs) =>
    fc.assert(
      fc.property(host, hostile, fc.oneof(fc.constant('IDLE'), fc.tuple(transfer, tail(hostile)).map(([c, f]) => `${c} ${f}`.replace(/[ \0]+$/, ''))), (h, password, what) => {
        const info = classifyTitle(`proftpd: ftp - ${h}: anonymous/${password}: ${what}`);
        expect(info).toMatchObject({ daemon: 'proftpd', loggedIn: true, login: 'ftp', host: h });
        const head = `proftpd: ftp - ${h}: anonymous`;
        const cmdline = info?.cmdline as string;
        expect(cmdline.startsWith(head)).toBe(true);
        const shown = cmdline.slice(head.length);
        // nothing, or the end of the command: never a character of the password
        expect(shown === '' || (shown.startsWith(': ') && shown.length - 2 <= what.length && what.endsWith(shown.slice(2)))).toBe(true);
      }),
      { numRuns: runs },
    ),

  'titles: never throw; a pre-login title is never logged in': (runs) =>
    fc.assert(
      fc.property(fc.oneof(hostile, preLoginTitle), (title) => {
        const info = classifyTitle(title);
        if (info !== undefined && /^(proftpd: ([^ ]+:\d+: |connected: )|vsftpd: [0-9a-fA-F.:]+: )/.test(title)) expect(info.loggedIn).toBe(false);
      }),
      { numRuns: runs },
    ),

  'pure-ftpwho: never throws; only real lines count as recognised; file, host and login exact': (runs) =>
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            oneLine,
            fc.record({
              pid: fc.integer({ min: 1, max: 4_194_304 }),
              account: oneLine.filter((a) => a !== ''),
              time: fc.nat({ max: 999_999_999_999 }),
              state: fc.constantFrom('IDLE', ' DL ', ' UL ', 'ERR!'),
              file: oneLine,
              peer: oneLine,
            }),
          ),
          { maxLength: 8 },
        ),
        fc.boolean(),
        (rows, crlf) => {
          // a generated line is never one of pure-ftpwho's (no pid starts with x)
          const lines = rows.map((r) => (typeof r === 'string' ? `x${r}` : `${r.pid}|${escapeWho(r.account)}|${r.time}|${r.state}|${escapeWho(r.file)}|${escapeWho(r.peer)}|127.0.0.1|2121|0|0|0|0`));
          const now = Date.parse('2026-11-22T06:06:48Z');
          const reading = parsePureFtpwho(lines.map((l) => `${l}${crlf ? '\r\n' : '\n'}`).join(''), now);
          expect(reading.recognised).toBe(reading.observations.length);
          let i = 0;
          for (const r of rows) {
            if (typeof r === 'string') continue;
            const o = reading.observations[i++] as Observation;
            expect(o.pid).toBe(r.pid);
            expect(o.host).toBe(r.peer);
            expect(o.login).toBe(r.account === '?' ? undefined : r.account);
            expect(o.startedAt).toBe(now - r.time * 1000);
            if (r.state === ' DL ' || r.state === ' UL ') expect(o.file).toBe(r.file);
          }
        },
      ),
      { numRuns: runs },
    ),

  'ftpwho: never throws; any command argument is the file, exactly; any number is kept for normalise to judge': (runs) =>
    fc.assert(
      fc.property(
        fc.oneof(
          hostile,
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .array(
              fc.record({
                pid: fc.oneof(fc.integer({ min: 1, max: 4_194_304 }), fc.double()),
                user: fc.oneof(hostile, fc.constant(undefined)),
                command: fc.constantFrom('RETR', 'STOR', 'idle', undefined),
                command_args: hostile,
                connected_since_ms: fc.oneof(fc.double(), fc.constant('HUGE'), fc.integer({ min: -MAX_TIME, max: 2 * MAX_TIME })),
                remote_address: hostile,
              }),
              { maxLength: 5 },
            )
            .map((connections) => JSON.stringify({ server: {}, connections }).replaceAll('"HUGE"', '1e400')),
        ),
        (text) => {
          const reading = parseFtpwho(text);
          let doc: { connections?: Array<Record<string, unknown>> } | undefined;
          try {
            doc = JSON.parse(text);
          } catch {
            return;
          }
          for (const o of reading.observations) {
            if (o.state !== 'IDLE') expect(doc?.connections?.some((c) => c?.pid === o.pid && c.command_args === o.file)).toBe(true);
          }
          const { sessions } = normalise(reading.observations, ACCOUNT);
          for (const s of sessions) expect(SessionSchema.safeParse(s).success).toBe(true);
        },
      ),
      { numRuns: runs },
    ),

  '/proc: a pre-login title is never logged in; a logged-in one keeps its file; any start tick is survived': (runs) =>
    fc.assert(
      fc.property(
        preLoginTitle,
        fc.tuple(login, address, transfer, tail(hostile).map((f) => f.replaceAll('\0', ''))),
        // one field of stat: no space, no ')'
        fc.oneof(fc.constantFrom(...NUMBERS), fc.nat().map(String), hostile.map((t) => t.replace(/[ )]/g, ''))),
        (pre, [user, ip, command, file], ticks) => {
          const daemon = pre.startsWith('vsftpd') ? 'vsftpd' : 'proftpd';
          const title = `proftpd: ${user} - ${ip}: ${command} ${file}`;
          const { observations } = parseProc(
            procSnapshot([procProcess(10, daemon, `${pre.replaceAll('\0', ' ')}\0\0\0`, ticks), procProcess(11, 'proftpd', `${title}\0`, ticks)]),
          );
          const byPid = new Map(observations.map((o) => [o.pid, o]));
          expect(byPid.get(10)?.loggedIn ?? false).toBe(false);
          expect(byPid.get(11)).toMatchObject({ loggedIn: true, login: user, host: ip, file });
          const { sessions, warnings } = normalise(observations, ACCOUNT);
          for (const s of sessions) {
            expect(SessionSchema.safeParse(s).success).toBe(true);
            if (s.login === '') expect(warnings.some((w) => w.startsWith(`session ${s.pid}:`))).toBe(true);
          }
        },
      ),
      { numRuns: runs },
    ),

  '/proc snapshot: any tree of any files is read without throwing': (runs) =>
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pid: fc.integer({ min: 1, max: 99 }),
            comm: fc.oneof(fc.constantFrom('proftpd', 'vsftpd', 'pure-ftpd'), hostile),
            cmdline: hostile,
            rest: hostile,
            status: hostile,
            fd: fc.oneof(hostile, fc.constantFrom('socket:[1]', '/home/alice/x', 'pipe:[2]')),
            flags: hostile,
          }),
          { maxLength: 5 },
        ),
        hostile,
        (processes, stat) => {
          const files: Record<string, string> = { '/proc/stat': `btime ${BTIME}\n${stat}` };
          const links: Record<string, string> = {};
          for (const p of processes) {
            files[`/proc/${p.pid}/stat`] = `${p.pid} (${p.comm}) ${p.rest}`;
            files[`/proc/${p.pid}/status`] = p.status;
            files[`/proc/${p.pid}/cmdline`] = p.cmdline;
            files[`/proc/${p.pid}/fdinfo/3`] = `flags:\t${p.flags}`;
            files[`/proc/${p.pid}/net/tcp`] = p.rest;
            links[`/proc/${p.pid}/fd/3`] = p.fd;
          }
          const rt = createTestRuntime({ argv: [], files, links });
          const snapshot = readProcTree('/proc', rt, 1001);
          const { sessions } = normalise(parseProc(snapshot).observations, ACCOUNT);
          for (const s of sessions) expect(SessionSchema.safeParse(s).success).toBe(true);
        },
      ),
      { numRuns: runs },
    ),

  'normalise: any start time is a login time or unknown (with a warning), never NaN or a crash': (runs) =>
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer({ min: 0, max: MAX_TIME }), fc.constantFrom(MAX_TIME, MAX_TIME + 1, -1, 0)), (startedAt) => {
        const { sessions, warnings } = normalise([{ pid: 7, daemon: 'proftpd', loggedIn: true, state: 'IDLE', startedAt }], ACCOUNT);
        const s = sessions[0];
        expect(SessionSchema.safeParse(s).success).toBe(true);
        if (isValidTime(startedAt)) {
          expect(s?.loginAt).toBe(startedAt);
          expect(s?.login).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4,6}$/);
          expect(warnings).toEqual([]);
        } else {
          expect(s).toMatchObject({ login: '', loginAt: null });
          expect(warnings).toEqual([expect.stringMatching(/^session 7: /)]);
        }
      }),
      { numRuns: runs },
    ),

  'times: lstart never throws, and reads exactly what ps prints, in every zone': (runs) =>
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: MAX_TIME }), oneLine, (zone, t, junk) =>
        inZone(zone, () => {
          const clock = localClock();
          checkInstant(clock, t);
          const got = clock.parse(junk);
          expect(got === undefined || typeof got === 'number').toBe(true);
        }),
      ),
      { numRuns: runs },
    ),

  'times: a wall-clock time is read as new Date(y, m, d, h, min, s), in every zone': (runs) =>
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1969, 11, 30), max: Date.UTC(2100, 0, 1) }), (zone, wall) =>
        inZone(zone, () => checkWallClock(localClock(), Math.floor(wall / 1000) * 1000)),
      ),
      { numRuns: runs },
    ),
};
