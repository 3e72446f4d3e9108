// contrib/nagios/ftpsessions.cfg and contrib/icinga2/ftpsessions.conf: the
// real Nagios 4 and Icinga 2 accept them (Debian's nagios4-core and
// icinga2-bin; skipped when not installed), and the command lines they
// define run `ftpsessions check` with arguments it takes.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/runtime.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const NAGIOS_CFG = `${ROOT}contrib/nagios/ftpsessions.cfg`;
const ICINGA_CONF = `${ROOT}contrib/icinga2/ftpsessions.conf`;
const BIN = `${ROOT}bin/ftpsessions.js`;
const NAGIOS = '/usr/sbin/nagios4';
const ICINGA = '/usr/sbin/icinga2';
const IDLE = ['proc', 'ps.txt', 'pure-ftpwho.txt', 'ftpwho.json'].map((f) => `--input=${f.replace(/\..*/, '')}=${FIXTURES}idle/${f}`);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftpsessions-contrib-'));
  // icinga2 -C and nagios4 -v read the files as their own user
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The object definitions of a Nagios object file: type -> name -> directives. */
function nagiosObjects(text: string): Array<{ type: string; d: Record<string, string> }> {
  const out: Array<{ type: string; d: Record<string, string> }> = [];
  for (const m of text.replace(/^\s*#.*$/gm, '').matchAll(/define\s+(\w+)\s*\{([^}]*)\}/g)) {
    const d: Record<string, string> = {};
    for (const line of (m[2] as string).split('\n')) {
      const kv = /^\s*(\w+)\s+(.*?)\s*$/.exec(line);
      if (kv) d[kv[1] as string] = kv[2] as string;
    }
    out.push({ type: m[1] as string, d });
  }
  return out;
}

describe('contrib/nagios/ftpsessions.cfg', () => {
  it('each command line, with the example service\'s arguments, runs the check (sudo and the install path replaced by the built command)', () => {
    const objects = nagiosObjects(readFileSync(NAGIOS_CFG, 'utf8'));
    const commands = Object.fromEntries(objects.filter((o) => o.type === 'command').map((o) => [o.d.command_name, o.d.command_line as string]));
    const service = objects.find((o) => o.type === 'service') as { d: Record<string, string> };
    const [name, ...args] = (service.d.check_command as string).split('!');
    const runs: Array<[string, string[]]> = [
      [commands[name as string] as string, args],
      [commands.check_ftpsessions as string, ['5', '10']],
    ];
    for (const [line, argv] of runs) {
      const words = line.replace(/\$ARG(\d)\$/g, (_, n: string) => argv[Number(n) - 1] as string).split(/\s+/);
      expect(words.slice(0, 4)).toEqual(['/usr/bin/sudo', '-n', '/usr/local/bin/ftpsessions', 'check']);
      const r = spawnSync(process.execPath, [BIN, 'check', ...words.slice(4), ...IDLE], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stderr).toBe('');
      if (argv.length === 2) {
        expect(r.stdout).toMatch(/^FTPSESSIONS CRITICAL - 12 sessions .* \| sessions=12;5;10;0 /);
        expect(r.status).toBe(2);
      } else {
        // the one account of the capture has 12 sessions: more than the example's 10
        const [w, c, aw, ac, iw, ic, uw, uc] = argv;
        // (the account is uid 1004's name on this machine, or 1004)
        const [status, perf] = (r.stdout.split('\n')[0] as string).split(' | ');
        expect(status).toMatch(new RegExp(`^FTPSESSIONS WARNING - 12 sessions \\(3 DL, 3 UL, 6 idle\\); warning: 12 sessions of \\S+, more than ${aw}$`));
        expect(perf).toBe(`sessions=12;${w};${c};0 dl=3;;;0 ul=3;;;0 idle=6;;;0 account_max=12;${aw};${ac};0 oldest_idle=19s;${iw};${ic};0 unauthenticated=0;${uw};${uc};0`);
        expect(r.status).toBe(1);
      }
    }
  });

  it.runIf(existsSync(NAGIOS))('nagios4 -v accepts it (with a host of the example\'s name)', () => {
    writeFileSync(join(dir, 'hosts.cfg'), 'define host {\n    use        linux-server\n    host_name  ftp.example.com\n    address    127.0.0.1\n}\n');
    const main = readFileSync('/etc/nagios4/nagios.cfg', 'utf8');
    // nagios reads its objects as the nagios user: a copy it can read, wherever the checkout is (/root/x, 0700)
    copyFileSync(NAGIOS_CFG, join(dir, 'ftpsessions.cfg'));
    writeFileSync(join(dir, 'nagios.cfg'), `${main}\ncfg_file=${join(dir, 'hosts.cfg')}\ncfg_file=${join(dir, 'ftpsessions.cfg')}\n`);
    const r = spawnSync(NAGIOS, ['-v', join(dir, 'nagios.cfg')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/Total Errors:\s+0/);
    expect(r.stdout).toMatch(/Total Warnings:\s+0/);
    expect(r.status).toBe(0);
  });
});

describe('contrib/icinga2/ftpsessions.conf', () => {
  it.runIf(existsSync(ICINGA))('icinga2 daemon -C accepts it in a master zone with an agent zone for the FTP server', () => {
    mkdirSync(join(dir, 'zones.d/master'), { recursive: true });
    copyFileSync(ICINGA_CONF, join(dir, 'zones.d/master/ftpsessions.conf'));
    writeFileSync(join(dir, 'zones.d/master/hosts.conf'), 'object Host "ftp.example.com" {\n  check_command = "dummy"\n  vars.ftp_sessions = true\n}\n');
    writeFileSync(
      join(dir, 'icinga2.conf'),
      [
        'const PluginDir = "/usr/lib/nagios/plugins"',
        'const NodeName = "master.example.com"',
        'const ZoneName = "master"',
        'include <itl>',
        'include <plugins>',
        'object Endpoint "master.example.com" { }',
        'object Zone "master" { endpoints = [ "master.example.com" ] }',
        'object Endpoint "ftp.example.com" { }',
        'object Zone "ftp.example.com" { endpoints = [ "ftp.example.com" ]; parent = "master" }',
        `include_zones "test", "${join(dir, 'zones.d')}"`,
        '',
      ].join('\n'),
    );
    const r = spawnSync(ICINGA, ['daemon', '-C', '-c', join(dir, 'icinga2.conf')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/Instantiated 1 Service\./);
    expect(r.stdout).toMatch(/Finished validating the configuration/);
    expect(r.status).toBe(0);
  });
});
