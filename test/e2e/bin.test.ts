// The built commands, spawned as users run them: exit codes, stdout/stderr,
// replay from files and stdin, a closed pipe, and real ps on this machine.
// Each case runs both ways the commands ship (test/helpers/commands.ts):
// `node bin/NAME.js` and the single executable through its links.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandName, removeBinaryDir, WAYS } from '../helpers/commands.js';
import { type FakeSession, FakePureFtpd } from '../helpers/fake-pure-ftpd.js';
import { fixture } from '../helpers/runtime.js';


const ROOT = new URL('../../', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;

/** Who the replayed sessions belong to: as root `nobody` (on every system), else ourselves. */
const ACCOUNT = isRoot ? { uid: 65534, args: ['--user=nobody'] } : { uid: process.getuid?.() ?? 0, args: [] as string[] };

const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-e2e-'));
afterAll(() => {
  removeBinaryDir();
  rmSync(dir, { recursive: true, force: true });
});
/** The lab's pure-ftpd capture with alice's uid (1001) moved to the account we run as. */
const PS_FILE = join(dir, 'ps.txt');
const WHO_FILE = join(dir, 'who.txt');
writeFileSync(PS_FILE, fixture('pure-ftpd/02-tricky.ps.txt').replace(/^( *\d+ +\d+) +1001 /gm, (_m, head: string) => `${head} ${String(ACCOUNT.uid).padStart(5)} `));
writeFileSync(WHO_FILE, fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt'));

for (const way of WAYS) describe(way.label, () => {
  function cli(bin: CommandName, args: string[], options: { input?: string; env?: Record<string, string>; timeout?: number } = {}) {
    const [file, ...pre] = way.argv(bin);
    return execa(file, [...pre, ...args], {
      reject: false,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      input: options.input ?? '',
      // a clean environment, as cron gives: no terminal, local time UTC
      env: { TZ: 'UTC', ...options.env },
      extendEnv: false,
    });
  }

  describe('exit codes', () => {
    it('0: --help and --version on stdout', async () => {
      for (const bin of ['uapi', 'cpapi2'] as const) {
        const help = await cli(bin, ['--help']);
        expect(help.exitCode).toBe(0);
        expect(help.stdout).toMatch(new RegExp(`^Usage: ${bin} `));
        const version = await cli(bin, ['--version']);
        expect([version.exitCode, version.stdout, version.stderr]).toEqual([0, '0.1.0', '']);
      }
    });

    it('0: a replayed listing, in every format', async () => {
      for (const format of ['yaml', 'json', 'jsonpretty', 'xml', 'table']) {
        const r = await cli('uapi', [...ACCOUNT.args, `--output=${format}`, '--input', `ps=${PS_FILE}`, '--input', `pure-ftpwho=${WHO_FILE}`, 'Ftp', 'list_sessions']);
        expect([r.exitCode, r.stderr], format).toEqual([0, '']);
        expect(r.stdout).toContain('über upload|x.bin');
      }
    });

    it('0: an empty list is a success', async () => {
      const r = await cli('cpapi2', [...ACCOUNT.args, '--output=json', '--input', `ps=${join(ROOT, 'test/fixtures/pure-ftpd/00-no-sessions.ps.txt')}`, '--collector=ps', 'Ftp', 'listftpsessions']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ cpanelresult: { apiversion: 2, func: 'listftpsessions', module: 'Ftp', data: [], event: { result: 1 } } });
    });

    it('1: the function failed, the envelope on stdout in the format asked for', async () => {
      const r = await cli('uapi', [...ACCOUNT.args, '--output=json', 'Nope', 'list_sessions']);
      expect(r.exitCode).toBe(1);
      expect(JSON.parse(r.stdout).result).toMatchObject({ status: 0, errors: ['Failed to load module “Nope”: no such module.'] });
      const y = await cli('cpapi2', [...ACCOUNT.args, 'Ftp', 'nope']);
      expect(y.exitCode).toBe(1);
      expect(y.stdout).toMatch(/^---\ncpanelresult:\n/);
      expect(y.stdout).toContain('error: The system could not find the function “nope” in the module “Ftp”.');
    });

    it('2: a usage error is one line and a pointer to --help on stderr, nothing on stdout', async () => {
      const r = await cli('uapi', ['--output=csv', 'Ftp', 'list_sessions']);
      expect([r.exitCode, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toBe("uapi: --output must be one of yaml, json, jsonpretty, xml, table, not 'csv'\nTry 'uapi --help' for more information.");
    });

    it.runIf(isRoot)('2: root must say whose sessions', async () => {
      const r = await cli('uapi', ['Ftp', 'list_sessions']);
      expect([r.exitCode, r.stdout, r.stderr.split('\n')[0]]).toEqual([2, '', 'uapi: --user is required when running as root']);
    });
  });

  describe('replay', () => {
    it('reads a capture from standard input', async () => {
      const r = await cli('uapi', [...ACCOUNT.args, '--output=json', '--collector=ps', '--input', 'ps=-', 'Ftp', 'list_sessions'], {
        input: fixture('pure-ftpd/02-tricky.ps.txt').replace(/^( *\d+ +\d+) +1001 /gm, (_m, head: string) => `${head} ${String(ACCOUNT.uid).padStart(5)} `),
      });
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).result.data).toHaveLength(15);
    });

    it("a replayed /proc holding a FIFO or a device where a file should be is refused at once, never waited on or read (anyone's folder may be given)", async () => {
      for (const plant of ['fifo', 'device'] as const) {
        for (const where of ['stat', '123/stat']) {
          const tree = mkdtempSync(join(dir, 'proc-'));
          mkdirSync(join(tree, '123'));
          for (const name of ['stat', '123/cmdline', '123/status', '123/comm', '123/stat']) writeFileSync(join(tree, name), name === 'stat' ? 'btime 1\n' : 'x\n');
          rmSync(join(tree, where));
          if (plant === 'fifo') execFileSync('/usr/bin/mkfifo', [join(tree, where)]);
          else symlinkSync('/dev/zero', join(tree, where));
          const label = `${plant} as ${where}`;
          const listed = await cli('ftpsessions', ['list', '--output=json', '--input', `proc=${tree}`], { timeout: 20_000 });
          expect(listed.timedOut, label).toBe(false);
          // without the tree's stat nothing is left of it: said in one line; without a process's, the process is left out
          if (where === 'stat') expect([listed.exitCode, listed.stderr], label).toEqual([1, 'ftpsessions: --input proc gave nothing that looks like proc output']);
          else expect([listed.exitCode, listed.stdout, listed.stderr], label).toEqual([0, '[]', '']);
          const completed = await cli('ftpsessions', ['__complete', '3', '--', 'ftpsessions', 'kill', '--input', `proc=${tree}`, '--pid', ''], { timeout: 20_000 });
          expect([completed.exitCode, completed.timedOut], label).toEqual([0, false]);
          const byUapi = await cli('uapi', [...ACCOUNT.args, '--output=json', '--input', `proc=${tree}`, 'Ftp', 'list_sessions'], { timeout: 20_000 });
          expect([byUapi.timedOut, byUapi.stderr.split('\n').length], label).toEqual([false, 1]);
        }
      }
    });

    it('filters with a Perl regex (the regex engine, loaded only for a matches filter)', async () => {
      const replay = [...ACCOUNT.args, '--output=json', '--input', `ps=${PS_FILE}`, '--input', `pure-ftpwho=${WHO_FILE}`];
      const found = await cli('uapi', [...replay, 'Ftp', 'list_sessions', 'api.filter_column=file', 'api.filter_type=matches', `api.filter_term=${encodeURIComponent('über.*\\|x\\.bin$')}`, 'api.columns_0=file']);
      expect([found.exitCode, found.stderr]).toEqual([0, '']);
      expect(JSON.parse(found.stdout).result.data).toEqual([{ file: 'incoming/über upload|x.bin' }]);
      const refused = await cli('cpapi2', [...replay, 'Ftp', 'listftpsessions', 'api2_filter=1', 'api2_filter_column=file', 'api2_filter_type=matches', `api2_filter_term=${encodeURIComponent('(.)\\1')}`]);
      expect([refused.exitCode, JSON.parse(refused.stdout).cpanelresult.error]).toEqual([1, 'api2_filter_term: back-references (\\1) are not supported by the matches filter']);
    });
  });

  describe('a pipe closed early (| head)', () => {
    it('stops quietly', async () => {
      // 20,000 sessions of the account: far more output than a pipe buffer holds
      const lines = Array.from({ length: 20_000 }, (_, i) =>
        `${String(100000 + i).padStart(7)}     1 ${String(ACCOUNT.uid).padStart(5)} ${'x'.padEnd(64)} Sun Nov 22 06:06:28 2026 pure-ftpd (IDLE)`,
      );
      const big = join(dir, 'big.ps.txt');
      writeFileSync(big, `${lines.join('\n')}\n`);
      const [file, ...pre] = way.argv('uapi');
      const child = spawn(file, [...pre, ...ACCOUNT.args, '--output=jsonpretty', '--input', `ps=${big}`, 'Ftp', 'list_sessions'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(stderr).toBe('');
    });
  });

  describe('live, with real ps and /proc', () => {
    // a session as ps and /proc show a real pure-ftpd one (test/helpers/fake-pure-ftpd.ts)
    const fakes = new FakePureFtpd(dir);
    const program = fakes.program;
    let fake: FakeSession | undefined;
    beforeAll(async () => {
      fake = await fakes.session();
    });
    afterAll(() => fakes.stop());

    it.each(['ps', 'proc', 'auto'])('--collector=%s finds the session by its title and owner', async (collector) => {
      const r = await cli('uapi', [...ACCOUNT.args, '--output=json', `--collector=${collector}`, 'Ftp', 'list_sessions']);
      expect(r.exitCode).toBe(0);
      const row = JSON.parse(r.stdout).result.data.find((s: { pid: number }) => s.pid === fake?.pid);
      expect(row).toMatchObject({ status: 'DL', pid: fake?.pid });
      expect(row.cmdline).toMatch(/^pure-ftpd \(DOWNLOAD\)/);
      const since = Date.parse(`${row.login} UTC`);
      expect(Math.abs(since - Date.now())).toBeLessThan(60_000);
    });

    it('kill_session ends it (TERM), by pid', async () => {
      const victim = await fakes.session();
      const r = await cli('uapi', [...ACCOUNT.args, '--output=json', 'Ftp', 'kill_session', `login=${victim.pid}`]);
      expect([r.exitCode, r.stderr]).toEqual([0, '']);
      expect(JSON.parse(r.stdout).result.data).toEqual({ login: String(victim.pid), ended: [victim.pid] });
      expect(await victim.status).toBe('status 143');
    });

    it.runIf(isRoot)('does not show it to another account', async () => {
      const r = await cli('uapi', ['--user=daemon', '--output=json', '--collector=ps', 'Ftp', 'list_sessions']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).result.data.map((s: { pid: number }) => s.pid)).not.toContain(fake?.pid);
    });

    it.runIf(isRoot)('does not take a copy of the program run by no root master for a session', async () => {
      const loner = spawn('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', program, '-c', 'exec -a "pure-ftpd (DOWNLOAD)" "$0" -c "read x"', program], { stdio: ['pipe', 'ignore', 'inherit'] });
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const r = await cli('uapi', [...ACCOUNT.args, '--output=json', '--collector=proc', 'Ftp', 'list_sessions']);
        const pids = JSON.parse(r.stdout).result.data.map((s: { pid: number }) => s.pid);
        expect(pids).toContain(fake?.pid);
        expect(pids).not.toContain(loner.pid);
      } finally {
        loner.kill('SIGKILL');
      }
    });
  });

});

describe('the bundles', () => {
  it.each(['ftpsessions', 'cpanel'])('%s.cjs does nothing on import: no output, no exit code, no listeners left running', async (bundle) => {
    const r = await execa(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, `dist/${bundle}.cjs`))}); console.log(process.exitCode ?? 'unset')`], { reject: false });
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, 'unset', '']);
  });

  it("cpanel.cjs (cpapi2's and uapi's) holds no native front: asked for one, it fails in one line, never silently", async () => {
    const load = `require(${JSON.stringify(join(ROOT, 'bin/start.js'))}).load('cpanel').main('action')`;
    const r = await execa(process.execPath, ['-e', load, '--', 'list'], { reject: false });
    expect(r.exitCode).toBe(70);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ftpsessions: internal error: .*src\/cli\/native\.ts|\.\/cli\/native\.js is not in the cPanel commands' bundle/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
