/**
 * contrib/prometheus and the ftpsessions-metrics timer, checked by the tools
 * that read them: `promtool check rules` and `promtool test rules` (the
 * alerts fire when, and only when, they should; a changed threshold fails
 * the unit tests), `promtool check config` on the scrape-config example,
 * `systemd-analyze verify` on the unit and timer (no unknown key, no bad
 * value), and the options the units pass to `ftpsessions metrics` are
 * options of the command.
 *
 * Needs promtool (Debian: prometheus) and systemd-analyze (systemd); each
 * part skips with a message where its tool is missing.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/table.js';
import { CHECKOUT } from '../helpers/public-copy.js';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
if (!PROMTOOL) console.warn('[contrib] SKIPPING the promtool checks of contrib/prometheus: promtool not installed (apt-get install prometheus)');
if (!SYSTEMD_ANALYZE) console.warn('[contrib] SKIPPING systemd-analyze verify of contrib/systemd/ftpsessions-metrics.*: systemd-analyze not installed (apt-get install systemd)');

const PROM_DIR = path.join(CHECKOUT, 'contrib', 'prometheus');
const SYSTEMD_DIR = path.join(CHECKOUT, 'contrib', 'systemd');
const RULES = 'ftpsessions.rules.yml';
const RULE_TESTS = 'ftpsessions.rules.test.yml';
const ENV = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };

const scratch: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'ftpsessions-contrib-'));
  scratch.push(d);
  return d;
};
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** every query of the dashboard: the panels' targets and the template variables' */
function dashboardExprs(dash: { panels: { targets?: { expr: string }[] }[] }): string[] {
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

const promtool = (args: string[], cwd: string) => execa(PROMTOOL!, args, { cwd, reject: false, env: ENV, extendEnv: false, timeout: 60_000 });

describe.skipIf(!PROMTOOL)('contrib/prometheus (promtool)', () => {
  it('the alerting rules pass promtool check rules: the six alerts', async () => {
    const r = await promtool(['check', 'rules', RULES], PROM_DIR);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 6 rules found');
    const names = [...readFileSync(path.join(PROM_DIR, RULES), 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      'FtpSessionsTooMany',
      'FtpSessionStuckAuthenticating',
      'FtpAccountOverSessionQuota',
      'FtpSessionsSourceDown',
      'FtpSessionsExporterDown',
      'FtpSessionsTextfileStale',
    ]);
  });

  it('promtool test rules: each alert fires when it should, with its labels and text, and not before', async () => {
    const r = await promtool(['test', 'rules', RULE_TESTS], PROM_DIR);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
    // every alert has a test
    const tests = readFileSync(path.join(PROM_DIR, RULE_TESTS), 'utf8');
    for (const m of readFileSync(path.join(PROM_DIR, RULES), 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)) expect(tests).toContain(`alertname: ${m[1]}`);
  });

  // the unit tests can fail: each change below must be caught
  const MUTANTS: [string, string, string][] = [
    ['sum by (instance) (ftpsessions_sessions) > 200', 'sum by (instance) (ftpsessions_sessions) > 250', 'FtpSessionsTooMany'],
    ['{state="AUTH"}) > 120', '{state="IDLE"}) > 120', 'FtpSessionStuckAuthenticating'],
    ['{account!="other"}', '{account!=""}', 'FtpAccountOverSessionQuota'],
    ['up{job="ftpsessions"} == 0\n        for: 2m', 'up{job="ftpsessions"} == 0\n        for: 5m', 'FtpSessionsExporterDown'],
    ['{file=~".*ftpsessions\\\\.prom"}', '{file=~".*\\\\.prom"}', 'FtpSessionsTextfileStale'],
  ];
  it.each(MUTANTS)('a rule changed (%s -> %s) fails the unit tests of %s', async (from, to, alert) => {
    const d = tempDir();
    const rules = readFileSync(path.join(PROM_DIR, RULES), 'utf8');
    expect(rules).toContain(from);
    writeFileSync(path.join(d, RULES), rules.replace(from, to));
    copyFileSync(path.join(PROM_DIR, RULE_TESTS), path.join(d, RULE_TESTS));
    const r = await promtool(['test', 'rules', RULE_TESTS], d);
    expect(r.exitCode).not.toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).toContain(`alertname: ${alert}`);
  });

  it('the scrape-config example passes promtool check config (with its rules file)', async () => {
    const r = await promtool(['check', 'config', 'prometheus.yml'], PROM_DIR);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 1 rule files found');
    expect(r.stdout).toContain('SUCCESS: 6 rules found');
  });

  it('the Grafana dashboard: JSON, every query valid PromQL (promtool, as recording rules) on the served metric names', async () => {
    const dash = JSON.parse(readFileSync(path.join(PROM_DIR, 'grafana-dashboard.json'), 'utf8'));
    expect(dash.uid).toBe('ftpsessions');
    const exprs = dashboardExprs(dash);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const served = ['ftpsessions_sessions', 'ftpsessions_transfer_rate_bytes_per_second', 'ftpsessions_oldest_session_seconds', 'ftpsessions_account_sessions', 'ftpsessions_source_up', 'ftpsessions_collect_duration_seconds', 'ftpsessions_build_info'];
    for (const e of exprs) for (const m of e.matchAll(/\b(ftpsessions_[a-z_]+)/g)) expect(served, e).toContain(m[1]);
    const d = tempDir();
    const rules = ['groups:', '  - name: dashboard', '    rules:', ...exprs.flatMap((e, i) => [`      - record: dashboard:query${i}`, `        expr: ${JSON.stringify(e.replaceAll('$instance', '.+'))}`])];
    writeFileSync(path.join(d, 'dashboard.rules.yml'), `${rules.join('\n')}\n`);
    const r = await promtool(['check', 'rules', 'dashboard.rules.yml'], d);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    // and the check does catch a bad query
    writeFileSync(path.join(d, 'bad.rules.yml'), `${[...rules, '      - record: dashboard:bad', '        expr: "sum by (state ftpsessions_sessions"'].join('\n')}\n`);
    expect((await promtool(['check', 'rules', 'bad.rules.yml'], d)).exitCode).not.toBe(0);
  });

  it('promtool check config refuses a broken copy (the check can fail)', async () => {
    const d = tempDir();
    copyFileSync(path.join(PROM_DIR, RULES), path.join(d, RULES));
    writeFileSync(path.join(d, 'prometheus.yml'), readFileSync(path.join(PROM_DIR, 'prometheus.yml'), 'utf8').replace('basic_auth:', 'basic_auth_typo:'));
    const r = await promtool(['check', 'config', 'prometheus.yml'], d);
    expect(r.exitCode).not.toBe(0);
  });
});

describe('contrib/systemd/ftpsessions-metrics.{service,timer}', () => {
  const unit = readFileSync(path.join(SYSTEMD_DIR, 'ftpsessions-metrics.service'), 'utf8');
  const timer = readFileSync(path.join(SYSTEMD_DIR, 'ftpsessions-metrics.timer'), 'utf8');

  it('the unit writes the textfile into Debian textfile folder, and may write only there', () => {
    const dir = '/var/lib/prometheus/node-exporter';
    expect(unit).toMatch(new RegExp(`^ExecStart=/usr/local/bin/ftpsessions metrics --textfile ${dir}$`, 'm'));
    expect(unit).toMatch(new RegExp(`^ReadWritePaths=${dir}$`, 'm'));
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(timer).toMatch(/^OnUnitActiveSec=30s$/m);
    expect(timer).toMatch(/^Unit=ftpsessions-metrics\.service$/m);
  });

  it("the options the unit and its comments pass are options of the metrics command", () => {
    const known = new Set(COMMANDS.metrics!.options.flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'))));
    const lines = [...unit.matchAll(/^#?\s*ExecStart=\S+ metrics (.*)$/gm)].map((m) => m[1]!);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) for (const f of l.split(' ').filter((w) => w.startsWith('--'))) expect(known, `${f} in "${l}"`).toContain(f);
  });

  it("keeps serve's hardening, without CAP_KILL or an IP socket", () => {
    const serve = readFileSync(path.join(SYSTEMD_DIR, 'ftpsessions.service'), 'utf8');
    const keys = ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectClock', 'ProtectHostname', 'RestrictNamespaces', 'RestrictRealtime', 'RestrictSUIDSGID', 'LockPersonality', 'SystemCallArchitectures', 'SystemCallFilter'];
    for (const k of keys) {
      const want = new RegExp(`^${k}=(.*)$`, 'm').exec(serve)?.[1];
      expect(want, `${k} in ftpsessions.service`).toBeDefined();
      expect(new RegExp(`^${k}=(.*)$`, 'm').exec(unit)?.[1], k).toBe(want);
    }
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE$/m);
    expect(unit).toMatch(/^RestrictAddressFamilies=AF_UNIX AF_NETLINK$/m);
  });

  it.skipIf(!SYSTEMD_ANALYZE)('systemd-analyze verify: no unknown key, no bad value (and it does catch one)', async () => {
    const verify = async (service: string) => {
      const d = tempDir();
      // verify wants the ExecStart binary present: a stand-in at the same place in the check
      writeFileSync(path.join(d, 'ftpsessions-metrics.service'), service.replace(/\/usr\/local\/bin\/ftpsessions/g, '/bin/true'));
      writeFileSync(path.join(d, 'ftpsessions-metrics.timer'), timer);
      return execa(SYSTEMD_ANALYZE!, ['verify', '--man=no', './ftpsessions-metrics.service', './ftpsessions-metrics.timer'], { cwd: d, reject: false, env: ENV, extendEnv: false });
    };
    const ok = await verify(unit);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr.trim()).toBe('');
    const bad = await verify(unit.replace('UMask=0022', 'UMsk=0022'));
    expect(bad.stderr).toContain("Unknown key 'UMsk'");
  });
});
