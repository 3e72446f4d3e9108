/**
 * End-to-end test against a real pure-ftpd on 127.0.0.1 (see ./pure-ftpd.ts).
 *
 * Needs root and /usr/sbin/pure-ftpd + /usr/sbin/pure-ftpwho
 * (`sudo test/live/install-pure-ftpd.sh` on Debian 12); skipped otherwise.
 * Runs the BUILT commands (bin/uapi.js, bin/cpapi2.js): `npm run build` first.
 *
 * Ground truth is what the daemon itself reports (`pure-ftpwho -s -H`), read
 * by the harness, never what our tool prints.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startPureFtpd, PURE_FTPD, PURE_FTPWHO, type Account, type Harness, type Session, type WhoRow } from './pure-ftpd.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const UAPI = path.join(ROOT, 'bin', 'uapi.js');
const CPAPI2 = path.join(ROOT, 'bin', 'cpapi2.js');

const isRoot = process.getuid?.() === 0;
const missing = [PURE_FTPD, PURE_FTPWHO].filter((f) => !existsSync(f));
const skipReason = !isRoot
  ? 'not running as root'
  : missing.length > 0
    ? `${missing.join(' and ')} not installed (run: sudo test/live/install-pure-ftpd.sh)`
    : undefined;
if (skipReason) console.warn(`[live] SKIPPING the pure-ftpd live test: ${skipReason}`);

const ROW_KEYS = ['cmdline', 'file', 'host', 'login', 'pid', 'status', 'user'];
const TITLE: Record<string, string> = { IDLE: 'IDLE', DL: 'DOWNLOAD', UL: 'UPLOAD' };

// --- helpers -----------------------------------------------------------------

interface Run {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** run a built command with node, as root or (with `as`) as that account via setpriv */
async function run(bin: string, args: string[], as?: Account, tz?: string): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8' };
  // the CLI and this test must agree on local time: same TZ, or the one given
  const zone = tz ?? process.env.TZ;
  if (zone !== undefined) env.TZ = zone;
  env.HOME = as ? as.home : (process.env.HOME ?? '/root');
  const [cmd, argv] = as
    ? ['setpriv', ['--reuid', String(as.uid), '--regid', String(as.gid), '--init-groups', '--', process.execPath, bin, ...args]]
    : [process.execPath, [bin, ...args]];
  const r = await execa(cmd, argv, { reject: false, timeout: 20_000, cwd: ROOT, env, extendEnv: false });
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  const shown = `${as ? `[as ${as.name}] ` : ''}${tz ? `TZ=${tz} ` : ''}${path.basename(bin)} ${args.join(' ')}`;
  if (json === undefined) {
    throw new Error(`${shown}: stdout is not JSON (exit ${r.exitCode})\nstdout: ${stdout.slice(0, 2000)}\nstderr: ${stderr.slice(0, 2000)}`);
  }
  // one line of JSON
  expect(stdout.trimEnd().split('\n'), `${shown}: stdout is one line`).toHaveLength(1);
  return { exitCode: r.exitCode, stdout, stderr, json };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const CTIME = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( [1-9]|[12]\d|3[01]) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/**
 * `Wed Oct 15 12:49:03 2014` (day space-padded) -> its wall-clock reading as
 * if it were UTC, in ms (so no time-zone arithmetic is needed to compare it).
 */
function parseCtimeWall(s: string): number {
  const m = CTIME.exec(s);
  if (!m) throw new Error(`login ${JSON.stringify(s)} is not in ctime form like "Wed Oct 15 12:49:03 2014"`);
  const t = Date.UTC(Number(m[7]), MONTHS.indexOf(m[2]!), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const day = DAYS[new Date(t).getUTCDay()];
  if (day !== m[1]) throw new Error(`login ${JSON.stringify(s)}: wrong day of the week (${day})`);
  return t;
}

/** wall-clock reading of an instant in time zone tz (default: this process's), as if UTC, in ms */
function wallClock(epochMs: number, tz?: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    ...(tz ? { timeZone: tz } : {}),
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) + (epochMs % 1000);
}

/** `login` is the local time (in tz) of the moment the connection was opened, within 2 s */
function expectLogin(login: string, openedAt: number, what: string, tz?: string): void {
  const diff = parseCtimeWall(login) - wallClock(openedAt, tz);
  const zone = tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  expect(Math.abs(diff), `${what}: login ${login} vs connection opened at ${new Date(openedAt).toISOString()} (TZ ${zone}); off by ${diff} ms`).toBeLessThanOrEqual(2000);
}

function expectUapiEnvelope(j: any, ok: boolean): void {
  expect(j).toMatchObject({ apiversion: 3, func: 'list_sessions', module: 'Ftp' });
  expect(Object.keys(j).sort()).toEqual(['apiversion', 'func', 'module', 'result']);
  const r = j.result;
  expect(Object.keys(r).sort()).toEqual(['data', 'errors', 'messages', 'metadata', 'status', 'warnings']);
  expect(r.messages).toBeNull();
  if (ok) {
    expect(r.status).toBe(1);
    expect(r.errors).toBeNull();
    expect(Array.isArray(r.data)).toBe(true);
    expect(r.metadata).toEqual({ transformed: 1 });
    expect(r.warnings === null || Array.isArray(r.warnings)).toBe(true);
  } else {
    expect(r.status).toBe(0);
    expect(Array.isArray(r.errors) && r.errors.length > 0, `errors: ${JSON.stringify(r.errors)}`).toBe(true);
  }
}

function expectCpapi2Envelope(j: any): any[] {
  expect(Object.keys(j)).toEqual(['cpanelresult']);
  const c = j.cpanelresult;
  expect(c).toMatchObject({ apiversion: 2, func: 'listftpsessions', module: 'Ftp', event: { result: 1 } });
  expect(Array.isArray(c.data)).toBe(true);
  return c.data;
}

type Source = 'pure-ftpwho' | 'ps';

/**
 * Check rows against the harness sessions: exactly these pids (sorted), and
 * each field as the given collector can know it.
 */
function expectRows(rows: any[], expected: Session[], account: Account, source: Source, api: 2 | 3, tz?: string): void {
  const want = [...expected].sort((a, b) => a.pid - b.pid);
  const pids = rows.map((r) => Number(r.pid));
  expect(pids, 'pids (sorted) = the sessions pure-ftpwho reports for this account').toEqual(want.map((s) => s.pid));
  expect([...pids].sort((a, b) => a - b), 'rows sorted by pid').toEqual(pids);
  rows.forEach((row, i) => {
    const s = want[i]!;
    const what = `row of ${s.name} (pid ${s.pid})`;
    expect(Object.keys(row).sort(), what).toEqual(ROW_KEYS);
    if (api === 2) {
      for (const k of ROW_KEYS) expect(typeof row[k], `${what}: API 2 ${k} is a string`).toBe('string');
      expect(row.pid).toBe(String(s.pid));
    } else {
      expect(row.pid, `${what}: UAPI pid is a number`).toBe(s.pid);
      for (const k of ROW_KEYS.filter((k) => k !== 'pid')) expect(typeof row[k], `${what}: ${k} is a string`).toBe('string');
    }
    expect(row.status, what).toBe(s.state);
    expect(row.cmdline, what).toMatch(new RegExp(`^pure-ftpd \\(${TITLE[s.state]}\\)`));
    expect(row.user, what).toBe(account.name); // login name = system user name for these accounts
    if (source === 'pure-ftpwho') {
      expect(row.host, what).toBe('127.0.0.1');
      expect(row.file, what).toBe(s.file);
    } else {
      expect(row.host, `${what}: ps cannot know the host`).toBe('');
      expect(row.file, `${what}: ps cannot know the file`).toBe('');
    }
    expectLogin(row.login, s.openedAt, what, tz);
  });
}

// --- the test ----------------------------------------------------------------

describe.skipIf(skipReason !== undefined)('live: pure-ftpd on 127.0.0.1', () => {
  let h: Harness | undefined;
  let tree: number[] = [];

  beforeAll(async () => {
    h = await startPureFtpd({ log: (m) => console.log(`[live] ${m}`) });
    tree = h.serverTree();
  }, 60_000);

  afterAll(async () => {
    if (!h) return;
    const started = [...new Set([...tree, ...h.serverTree()])];
    await h.stop();
    await h.stop(); // idempotent
    // nothing we started is left (zombies waiting for init to reap them do not count)
    const { readFileSync } = await import('node:fs');
    const alive = started.filter((pid) => {
      try {
        const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false;
      }
    });
    expect(alive, 'processes left after stop()').toEqual([]);
    expect(h.listening(), 'pure-ftpd still listening after stop()').toBe(false);
  }, 30_000);

  const H = (): Harness => {
    if (!h) throw new Error('harness not started');
    return h;
  };
  const alice = () => H().accounts.alice;
  const bob = () => H().accounts.bob;
  const aliceSessions = () => [H().sessions.aliceIdle, H().sessions.aliceDownload];
  const bobSessions = () => [H().sessions.bobIdle];

  /** ground truth again, right now: every session still in its state */
  async function truth(): Promise<WhoRow[]> {
    const rows = await H().who();
    for (const s of Object.values(H().sessions)) {
      expect(rows.find((r) => r.pid === s.pid), `${s.name} (pid ${s.pid}) still listed by pure-ftpwho`).toMatchObject({
        account: s.account,
        state: s.state,
        file: s.file,
      });
    }
    return rows;
  }

  it('ground truth: pure-ftpwho lists the four sessions on 127.0.0.1', async () => {
    const rows = await truth();
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.peer).toBe('127.0.0.1');
    expect(new Set(rows.map((r) => r.pid)).size).toBe(4);
  });

  for (const collector of ['pure-ftpwho', 'auto'] as const) {
    it(`uapi --collector=${collector} as root: alice sees exactly her idle session and her download`, async () => {
      await truth();
      const r = await run(UAPI, [`--user=${alice().name}`, '--output=json', `--collector=${collector}`, 'Ftp', 'list_sessions']);
      expect(r.exitCode, r.stderr).toBe(0);
      expectUapiEnvelope(r.json, true);
      expectRows(r.json.result.data, aliceSessions(), alice(), 'pure-ftpwho', 3);
    }, 30_000);

    it(`uapi --collector=${collector} as root: bob sees exactly his one session, never the pre-login one`, async () => {
      await truth();
      const r = await run(UAPI, [`--user=${bob().name}`, '--output=json', `--collector=${collector}`, 'Ftp', 'list_sessions']);
      expect(r.exitCode, r.stderr).toBe(0);
      expectUapiEnvelope(r.json, true);
      expectRows(r.json.result.data, bobSessions(), bob(), 'pure-ftpwho', 3);
      expect(r.json.result.data.map((x: any) => x.pid)).not.toContain(H().sessions.prelogin.pid);
    }, 30_000);
  }

  it('uapi --collector=ps as root: pids, status and user from the process table; no host/file', async () => {
    await truth();
    for (const [acc, sessions] of [
      [alice(), aliceSessions()],
      [bob(), bobSessions()],
    ] as const) {
      const r = await run(UAPI, [`--user=${acc.name}`, '--output=json', '--collector=ps', 'Ftp', 'list_sessions']);
      expect(r.exitCode, r.stderr).toBe(0);
      expectUapiEnvelope(r.json, true);
      expectRows(r.json.result.data, [...sessions], acc, 'ps', 3);
    }
  }, 30_000);

  it('cpapi2 Ftp listftpsessions as root: same sessions, every value a string', async () => {
    await truth();
    for (const [acc, sessions] of [
      [alice(), aliceSessions()],
      [bob(), bobSessions()],
    ] as const) {
      const r = await run(CPAPI2, [`--user=${acc.name}`, '--output=json', 'Ftp', 'listftpsessions']);
      expect(r.exitCode, r.stderr).toBe(0);
      const data = expectCpapi2Envelope(r.json);
      expectRows(data, [...sessions], acc, 'pure-ftpwho', 2);
    }
  }, 30_000);

  // vitest.config.ts pins TZ=UTC, which would hide a CLI that prints UTC (or whose ps
  // runs in another zone than the one it parses lstart in): run once in +05:30.
  const OTHER_TZ = 'Asia/Kolkata';
  const hasZone = existsSync(`/usr/share/zoneinfo/${OTHER_TZ}`);
  if (!hasZone) console.warn(`[live] skipping the TZ=${OTHER_TZ} test: no /usr/share/zoneinfo (install tzdata)`);
  it.skipIf(!hasZone)(`login is local time under TZ=${OTHER_TZ} (ps and pure-ftpwho collectors)`, async () => {
    await truth();
    for (const collector of ['ps', 'pure-ftpwho'] as const) {
      const r = await run(UAPI, [`--user=${alice().name}`, '--output=json', `--collector=${collector}`, 'Ftp', 'list_sessions'], undefined, OTHER_TZ);
      expect(r.exitCode, r.stderr).toBe(0);
      expectUapiEnvelope(r.json, true);
      expectRows(r.json.result.data, aliceSessions(), alice(), collector, 3, OTHER_TZ);
    }
  }, 30_000);

  describe('as the account itself (not root)', () => {
    it('the built CLI is readable by the account', async () => {
      for (const f of [UAPI, CPAPI2, path.join(ROOT, 'package.json')]) {
        const r = await execa('setpriv', ['--reuid', String(alice().uid), '--regid', String(alice().gid), '--init-groups', '--', 'test', '-r', f], {
          reject: false,
        });
        expect(r.exitCode, `${f} (and every directory above it) must be readable/traversable by ${alice().name}`).toBe(0);
      }
    });

    it('uapi --collector=auto without --user: own sessions via ps, with a warning about pure-ftpwho', async () => {
      await truth();
      const r = await run(UAPI, ['--output=json', '--collector=auto', 'Ftp', 'list_sessions'], alice());
      expect(r.exitCode, r.stderr).toBe(0);
      expectUapiEnvelope(r.json, true);
      const res = r.json.result;
      const want = aliceSessions()
        .map((s) => s.pid)
        .sort((a, b) => a - b);
      expect(res.data.map((x: any) => x.pid)).toEqual(want);
      for (const [i, row] of res.data.entries()) {
        const s = aliceSessions().find((x) => x.pid === want[i])!;
        expect(row.status).toBe(s.state);
        expect(row.user).toBe(alice().name);
        expect(['', s.file]).toContain(row.file);
        expect(['', '127.0.0.1']).toContain(row.host);
        expectLogin(row.login, s.openedAt, `row of ${s.name}`);
      }
      expect(Array.isArray(res.warnings) && res.warnings.length > 0, `warnings: ${JSON.stringify(res.warnings)}`).toBe(true);
      expect(JSON.stringify(res.warnings)).toMatch(/pure-ftpwho/);
    }, 30_000);

    it('bob without --user sees only his own session', async () => {
      await truth();
      const r = await run(UAPI, ['--output=json', '--collector=auto', 'Ftp', 'list_sessions'], bob());
      expect(r.exitCode, r.stderr).toBe(0);
      expectUapiEnvelope(r.json, true);
      const s = H().sessions.bobIdle;
      expect(r.json.result.data.map((x: any) => x.pid)).toEqual([s.pid]);
      const row = r.json.result.data[0];
      expect(row.status).toBe('IDLE');
      expect(row.user).toBe(bob().name);
      expectLogin(row.login, s.openedAt, `row of ${s.name}`);
    }, 30_000);

    it("uapi --user=<another account> is refused: exit 1, status 0, errors", async () => {
      const r = await run(UAPI, [`--user=${bob().name}`, '--output=json', '--collector=auto', 'Ftp', 'list_sessions'], alice());
      expect(r.exitCode).toBe(1);
      expectUapiEnvelope(r.json, false);
      // nothing of bob's leaks
      const data: unknown = r.json.result.data;
      if (Array.isArray(data)) expect(data.map((x: any) => Number(x.pid))).not.toContain(H().sessions.bobIdle.pid);
    }, 30_000);
  });
});
