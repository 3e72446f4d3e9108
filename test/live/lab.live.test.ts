/**
 * End-to-end against real FTP servers: pure-ftpd, ProFTPD, vsftpd (with
 * process titles) and vsftpd without them (its default), one after the
 * other, each on loopback with real client sessions in every state (see
 * ./lab.ts). For each daemon, each collector and each account, the BUILT
 * commands (bin/uapi.js, bin/cpapi2.js; `npm run build` first) run as root
 * with --user and as the account itself (setpriv, no --user), and must report
 * exactly that account's logged-in sessions with every field right.
 *
 * Needs root, the daemons (`sudo bash test/live/install-ftp-daemons.sh` on
 * Debian 12), `ip`, `ss` and `setpriv`; skips with a message otherwise (per
 * daemon where only some are installed).
 *
 * Ground truth is the lab's (ss -tnp: which process holds each client's
 * control connection) checked against each daemon's own report (pure-ftpwho,
 * ftpwho, process titles), never what our tool prints.
 *
 * FTPSESSIONS_LAB_CAPTURE=1 also captures fixtures into test/fixtures/lab/
 * (see lab-capture.ts). FTPSESSIONS_LAB_DAEMONS=proftpd,vsftpd runs only those;
 * FTPSESSIONS_LAB_NETNS=0 keeps everything in the host network namespace (still
 * loopback only); FTPSESSIONS_LAB_CLI=DIR tests DIR/bin + DIR/dist instead of this tree's.
 *
 * The commands run from a world-readable copy of the build (test/helpers/
 * public-copy.ts), not from the checkout: the accounts must be able to read
 * them wherever the checkout sits (under /root, say).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { DAEMON_INFO, openWorld, startLab, type Account, type AccountKey, type DaemonId, type Lab, type World } from './lab.js';
import { aliveSame, netnsExists, procStat } from './lab-proc.js';
import { collectorsFor, describePid, loginProblem, rowProblems, unknownFields, type Caller, type Collector } from './lab-expect.js';
import { captureFixtures, captureTarget } from './lab-capture.js';
import { ROOT } from './lab.js';
import { DAEMONS, isRoot, skipAll, skipOf, warnSkips } from './lab-skip.js';
import { publicCopy, type PublicCopy } from '../helpers/public-copy.js';

// FTPSESSIONS_LAB_CLI=DIR tests the build in DIR/bin + DIR/dist instead (e.g. a snapshot while the tree is rebuilt)
const CLI_ROOT = process.env.FTPSESSIONS_LAB_CLI ? path.resolve(process.env.FTPSESSIONS_LAB_CLI) : ROOT;
// ... copied where every account can read it (set in the first beforeAll)
let cliCopy: PublicCopy | undefined;
let UAPI = '';
let CPAPI2 = '';
warnSkips('lab', 'lab');
const anyDaemon = DAEMONS.some((d) => skipOf(d) === undefined);
const OTHER_TZ = 'Asia/Kolkata';
const hasZone = existsSync(`/usr/share/zoneinfo/${OTHER_TZ}`);

// --- running the built CLI ------------------------------------------------------

interface Run {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  shown: string;
}

/** run a built command with node, as root or (with `as`) as that account via setpriv */
async function cli(bin: string, args: string[], as?: Account, tz?: string): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8' };
  const zone = tz ?? process.env.TZ; // the CLI and this test must agree on local time
  if (zone !== undefined) env.TZ = zone;
  env.HOME = as ? as.home : (process.env.HOME ?? '/root');
  const [cmd, argv] = as
    ? ['setpriv', ['--reuid', String(as.uid), '--regid', String(as.gid), '--init-groups', '--', process.execPath, bin, ...args]]
    : [process.execPath, [bin, ...args]];
  const r = await execa(cmd, argv, { reject: false, timeout: 20_000, cwd: cliCopy?.dir ?? '/', env, extendEnv: false });
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  const shown = `${as ? `[as ${as.name}] ` : ''}${tz ? `TZ=${tz} ` : ''}${path.basename(bin)} ${args.join(' ')}`;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: r.exitCode, stdout, stderr, json, shown };
}

/** the UAPI envelope's problems ([] when fine) */
function uapiEnvelopeProblems(r: Run, ok: boolean): string[] {
  const j = r.json;
  if (j === undefined) return [`stdout is not JSON (exit ${r.exitCode}): ${r.stdout.slice(0, 500)} | stderr: ${r.stderr.slice(0, 500)}`];
  const out: string[] = [];
  if (r.stdout.trimEnd().split('\n').length !== 1) out.push('stdout is not one line');
  if (j.apiversion !== 3 || j.func !== 'list_sessions' || j.module !== 'Ftp') out.push(`envelope head ${JSON.stringify({ ...j, result: undefined })}`);
  const res = j.result ?? {};
  if (Object.keys(res).sort().join() !== 'data,errors,messages,metadata,status,warnings') out.push(`result keys ${Object.keys(res).join(',')}`);
  if (ok) {
    if (r.exitCode !== 0) out.push(`exit ${r.exitCode}, stderr: ${r.stderr.slice(0, 500)}`);
    if (res.status !== 1) out.push(`status ${res.status}, errors ${JSON.stringify(res.errors)}`);
    if (res.errors !== null) out.push(`errors ${JSON.stringify(res.errors)}`);
    if (!Array.isArray(res.data)) out.push('data is not an array');
    if (res.warnings !== null && !Array.isArray(res.warnings)) out.push(`warnings ${JSON.stringify(res.warnings)}`);
  } else {
    if (r.exitCode !== 1) out.push(`exit ${r.exitCode}, want 1`);
    if (res.status !== 0) out.push(`status ${res.status}, want 0`);
    if (!Array.isArray(res.errors) || res.errors.length === 0) out.push(`errors ${JSON.stringify(res.errors)}`);
  }
  return out;
}

/** prefix each problem with the command line, for the failure message */
const tagged = (r: Run, problems: string[]) => problems.map((p) => `${r.shown}: ${p}`);

function accountsOf(lab: Lab): AccountKey[] {
  return DAEMON_INFO[lab.daemon].virtual ? ['alice', 'bob', 'virt', 'anon'] : ['alice', 'bob', 'anon'];
}

// Root names the lab's scoreboard only for ftpwho alone: auto finds it through the vetted master
// (collectors/index.ts); an account may not name files at all (TRUST.md), and reads the configured one.
const scoreboardArgs = (lab: Lab, collector?: Collector) => (lab.run.scoreboard && collector === 'ftpwho' ? [`--proftpd-scoreboard=${lab.run.scoreboard}`] : []);

// --- the lab ---------------------------------------------------------------------------

let world: World | undefined;
const log = (m: string) => console.log(`[lab] ${m}`);
const started: { pid: number; starttime: string }[] = [];
const timings: string[] = [];

describe.skipIf(!anyDaemon)('live lab: real FTP servers, real sessions, the built CLI', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    cliCopy = await publicCopy(CLI_ROOT);
    UAPI = cliCopy.bin('uapi');
    CPAPI2 = cliCopy.bin('cpapi2');
    log(`the built commands of ${CLI_ROOT} copied to ${cliCopy.dir} for the accounts`);
    // FTPSESSIONS_LAB_NETNS=0: run in the host namespace even where a namespace of our own is possible
    world = await openWorld({ log, hostNamespace: process.env.FTPSESSIONS_LAB_NETNS === '0' });
    timings.push(`world (accounts, files, namespace) ${Date.now() - t0} ms`);
  }, 300_000);

  afterAll(async () => {
    if (cliCopy) {
      const { dir } = cliCopy;
      await cliCopy.remove();
      expect(existsSync(dir), `${dir} left after the lab`).toBe(false);
    }
    if (!world) return;
    const ns = world.netns;
    await world.close();
    log(`timings: ${timings.join('; ')}`);
    // nothing we started is left (zombies waiting for init do not count), no namespace
    const alive = [...started, ...world.records.state.records].filter((r) => aliveSame(r.pid, r.starttime));
    expect(alive.map((r) => `${r.pid}`), 'processes left after the lab').toEqual([]);
    if (ns) expect(netnsExists(ns), `network namespace ${ns} left`).toBe(false);
  }, 60_000);

  it('the built CLI is readable by the accounts (every directory above it traversable), and not theirs to change', async () => {
    const { alice, anon } = world!.accounts;
    const copy = cliCopy!;
    const as = (acc: Account, ...test: string[]) =>
      execa('setpriv', ['--reuid', String(acc.uid), '--regid', String(acc.gid), '--init-groups', '--', 'test', ...test], { reject: false });
    for (const acc of [alice, anon]) {
      for (const f of [UAPI, CPAPI2, path.join(copy.dir, 'dist', 'ftpsessions.cjs'), path.join(copy.dir, 'package.json')]) {
        expect((await as(acc, '-r', f)).exitCode, `${f} must be readable by ${acc.name}`).toBe(0);
        expect((await as(acc, '-w', f)).exitCode, `${f} must not be writable by ${acc.name}`).not.toBe(0);
      }
      for (const d of [copy.dir, path.join(copy.dir, 'bin'), path.join(copy.dir, 'dist')]) {
        expect((await as(acc, '-w', d)).exitCode, `${d} must not be writable by ${acc.name}`).not.toBe(0);
      }
    }
  });

  for (const daemon of DAEMONS) {
    const skip = skipOf(daemon);
    describe.skipIf(skip !== undefined)(daemon, () => {
      let lab: Lab | undefined;
      const L = (): Lab => {
        if (!lab) throw new Error(`the ${daemon} lab did not start`);
        return lab;
      };

      beforeAll(async () => {
        const t0 = Date.now();
        lab = await startLab(world!, daemon);
        for (const p of lab.tree()) started.push({ pid: p, starttime: procStat(p)?.starttime ?? '' });
        timings.push(`${daemon}: start ${lab.timings.startMs} ms, sessions ${lab.timings.sessionsMs} ms, ready ${Date.now() - t0} ms`);
        const target = captureTarget();
        if (target) await captureFixtures(lab, target, log);
      }, 60_000);

      afterAll(async () => {
        if (!lab) return;
        const t0 = Date.now();
        const tree = lab.tree();
        for (const p of tree) started.push({ pid: p, starttime: procStat(p)?.starttime ?? '' });
        await lab.stop();
        await lab.stop(); // idempotent
        timings.push(`${daemon}: stop ${Date.now() - t0} ms`);
        const alive = tree.filter((p) => {
          const st = procStat(p);
          return st !== undefined && st.state !== 'Z' && st.state !== 'X';
        });
        expect(alive, `${daemon} processes left after stop()`).toEqual([]);
        expect(lab.listening(), `${daemon} still listening after stop()`).toBe(false);
      }, 30_000);

      it('ground truth: the daemon itself reports every session in its state', async () => {
        const lab = L();
        await lab.verify();
        const rows = lab.sessions.map((s) => `${s.scenario}: pid ${s.pid} (holders ${s.holders.join(',')}) ${s.account ?? 'NOT LOGGED IN'} ${s.login ?? ''} ${s.host} ${s.status} ${JSON.stringify(s.file)}`);
        log(`${daemon} sessions:\n  ${rows.join('\n  ')}`);
        // every scenario is there, and distinct processes
        expect(new Set(lab.sessions.map((s) => s.pid)).size).toBe(lab.sessions.length);
        expect(lab.sessions.filter((s) => s.account === undefined).map((s) => s.scenario).sort()).toEqual(['prelogin', 'prelogin-user']);
        for (const s of lab.sessions) expect(s.server === '127.0.0.1' || s.server === '::1' || s.server === '::ffff:127.0.0.1', s.server).toBe(true);
      }, 60_000);

      for (const collector of collectorsFor({ daemon }, 'root')) {
        it(`uapi --collector=${collector} as root: each account sees exactly its sessions, every field right`, async () => {
          const lab = L();
          const view = await lab.verify();
          const problems: string[] = [];
          await Promise.all(
            accountsOf(lab).map(async (key) => {
              const acc = lab.world.accounts[key];
              const r = await cli(UAPI, [`--user=${acc.name}`, '--output=json', `--collector=${collector}`, ...scoreboardArgs(lab, collector), 'Ftp', 'list_sessions']);
              const env = uapiEnvelopeProblems(r, true);
              problems.push(...tagged(r, env.length > 0 ? env : rowProblems(lab, view, r.json.result.data, key, collector, 'root', 3)));
            }),
          );
          await lab.verify();
          expect(problems.sort()).toEqual([]);
        }, 60_000);
      }

      it('cpapi2 Ftp listftpsessions as root (auto): the same sessions, every value a string', async () => {
        const lab = L();
        const view = await lab.verify();
        const problems: string[] = [];
        await Promise.all(
          accountsOf(lab).map(async (key) => {
            const acc = lab.world.accounts[key];
            const r = await cli(CPAPI2, [`--user=${acc.name}`, '--output=json', 'Ftp', 'listftpsessions']);
            const j = r.json;
            if (r.exitCode !== 0 || !j?.cpanelresult) {
              problems.push(`${r.shown}: exit ${r.exitCode}: ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
              return;
            }
            const c = j.cpanelresult;
            if (Object.keys(j).join() !== 'cpanelresult' || c.apiversion !== 2 || c.func !== 'listftpsessions' || c.module !== 'Ftp' || c.event?.result !== 1) {
              problems.push(`${r.shown}: envelope ${JSON.stringify({ ...c, data: undefined })}`);
            }
            problems.push(...tagged(r, rowProblems(lab, view, c.data, key, 'auto', 'root', 2)));
          }),
        );
        expect(problems.sort()).toEqual([]);
      }, 60_000);

      it('as root, --user=nobody (the user of listeners, pre-login processes and helpers): no session', async () => {
        const lab = L();
        await lab.verify();
        const problems: string[] = [];
        for (const collector of collectorsFor(lab, 'root')) {
          const r = await cli(UAPI, ['--user=nobody', '--output=json', `--collector=${collector}`, ...scoreboardArgs(lab, collector), 'Ftp', 'list_sessions']);
          const env = uapiEnvelopeProblems(r, true);
          if (env.length > 0) problems.push(...tagged(r, env));
          else for (const row of r.json.result.data) problems.push(`${r.shown}: pid ${row.pid} listed but it is ${describePid(lab, Number(row.pid))}`);
        }
        expect(problems).toEqual([]);
      }, 60_000);

      for (const collector of collectorsFor({ daemon }, 'self')) {
        it(`uapi --collector=${collector} as each account itself (setpriv, no --user): its own sessions only`, async () => {
          const lab = L();
          const view = await lab.verify();
          const problems: string[] = [];
          await Promise.all(
            accountsOf(lab).map(async (key) => {
              const acc = lab.world.accounts[key];
              const r = await cli(UAPI, ['--output=json', `--collector=${collector}`, 'Ftp', 'list_sessions'], acc);
              const env = uapiEnvelopeProblems(r, true);
              if (env.length > 0) {
                problems.push(...tagged(r, env));
                return;
              }
              problems.push(...tagged(r, rowProblems(lab, view, r.json.result.data, key, collector, 'self', 3)));
              // fields it could not fill are reported in warnings (auto)
              const unknown = unknownFields(lab, view, key, collector, 'self');
              const w = r.json.result.warnings;
              if (collector === 'auto' && unknown.length > 0 && !(Array.isArray(w) && w.length > 0)) {
                problems.push(`${r.shown}: could not fill ${unknown.join(', ')} but result.warnings is ${JSON.stringify(w)}`);
              }
              if (collector === 'auto' && DAEMON_INFO[daemon].kind === 'pure-ftpd' && !JSON.stringify(w).includes('pure-ftpwho')) {
                problems.push(`${r.shown}: warnings do not say that pure-ftpwho (root) was not used: ${JSON.stringify(w)}`);
              }
            }),
          );
          await lab.verify();
          expect(problems.sort()).toEqual([]);
        }, 60_000);
      }

      it('as an account, --user=<another account> is refused: exit 1, failure envelope, nothing of the other', async () => {
        const lab = L();
        const { alice, bob } = lab.world.accounts;
        const r = await cli(UAPI, [`--user=${bob.name}`, '--output=json', 'Ftp', 'list_sessions'], alice);
        expect(uapiEnvelopeProblems(r, false)).toEqual([]);
        expect(r.stdout).not.toContain(String(lab.byScenario('second-account').pid));
        const r2 = await cli(CPAPI2, [`--user=${bob.name}`, '--output=json', 'Ftp', 'listftpsessions'], alice);
        expect(r2.exitCode, r2.stdout).toBe(1);
        expect(r2.json?.cpanelresult?.event?.result, r2.stdout).toBe(0);
        expect(r2.stdout).not.toContain(String(lab.byScenario('second-account').pid));
      }, 60_000);

      it.skipIf(!hasZone)(`login is local time under TZ=${OTHER_TZ} (auto and ps, as root and as the account)`, async () => {
        const lab = L();
        const alice = lab.world.accounts.alice;
        const problems: string[] = [];
        for (const collector of ['auto', 'ps'] as Collector[]) {
          for (const caller of ['root', 'self'] as Caller[]) {
            const r = await cli(
              UAPI,
              [...(caller === 'root' ? [`--user=${alice.name}`] : []), '--output=json', `--collector=${collector}`, ...(caller === 'root' ? scoreboardArgs(lab, collector) : []), 'Ftp', 'list_sessions'],
              caller === 'self' ? alice : undefined,
              OTHER_TZ,
            );
            const env = uapiEnvelopeProblems(r, true);
            if (env.length > 0) {
              problems.push(...tagged(r, env));
              continue;
            }
            const want = lab.of('alice').map((s) => s.pid).sort((a, b) => a - b);
            const got = r.json.result.data.map((row: { pid: unknown }) => Number(row.pid)).sort((a: number, b: number) => a - b);
            if (got.join() !== want.join()) problems.push(`${r.shown}: pids ${got.join(',')}, want ${want.join(',')}`);
            for (const row of r.json.result.data) {
              const s = lab.sessions.find((x) => x.pid === row.pid);
              if (!s) continue; // rowProblems in the other tests covers it
              const at = DAEMON_INFO[daemon].kind === 'vsftpd' ? s.loggedInAt! : s.connectedAt;
              const p = loginProblem(row.login, at, OTHER_TZ);
              if (p) problems.push(`${r.shown}: '${s.scenario}': ${p}`);
            }
          }
        }
        expect(problems).toEqual([]);
      }, 60_000);

      // Last: it ends one of the lab's sessions.
      it('uapi Ftp kill_session ends a real session of the account (TERM), and only that one', async () => {
        const lab = L();
        const { bob, alice } = lab.world.accounts;
        const victim = lab.byScenario('second-account');
        // another account cannot end it
        const refused = await cli(UAPI, ['--output=json', 'Ftp', 'kill_session', `login=${victim.pid}`], alice);
        expect(refused.exitCode, refused.stdout).toBe(1);
        expect(procStat(victim.pid)?.state, 'still alive after a refused kill').not.toBe(undefined);
        const before = lab.of('alice').map((s) => s.pid);
        const r = await cli(UAPI, [`--user=${bob.name}`, '--output=json', 'Ftp', 'kill_session', `login=${victim.pid}`]);
        expect(r.exitCode, r.stdout + r.stderr).toBe(0);
        expect(r.json.result.data).toEqual({ login: String(victim.pid), ended: [victim.pid] });
        const st = procStat(victim.pid);
        expect(st === undefined || st.state === 'Z' || st.state === 'X', `pid ${victim.pid} still running`).toBe(true);
        // the other sessions are untouched
        for (const pid of before) expect(procStat(pid)?.state, `alice's ${pid}`).not.toBe(undefined);
        const left = await cli(UAPI, [`--user=${bob.name}`, '--output=json', ...scoreboardArgs(lab), 'Ftp', 'list_sessions']);
        expect(left.json.result.data.map((row: { pid: number }) => row.pid)).not.toContain(victim.pid);
      }, 60_000);
    });
  }
});

