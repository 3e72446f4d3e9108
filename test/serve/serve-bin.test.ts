// The built `ftpsessions serve` (npm test builds first), spawned as a service
// runs it, on loopback only: options, start-up refusals, the log lines, the
// routes that answer without the lab, the failure limit, TLS and SIGHUP,
// SIGTERM/SIGINT -> 0; and the fail2ban filter against the log lines it wrote.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, TOKENS_HEADER } from '../../src/serve/tokens.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ftpsessions.js');
const FILTER = join(ROOT, 'contrib/fail2ban/filter.d/ftpsessions.conf');
const FAIL2BAN_REGEX = '/usr/bin/fail2ban-regex';
const OPENSSL = '/usr/bin/openssl';

const dir = mkdtempSync(join(tmpdir(), 'ftps-serve-bin-'));
const TOKENS = join(dir, 'tokens');
let rootSecret = '';

beforeAll(async () => {
  // a tokens file made as `token create` makes it: the header, one line per token, 0600, ours
  const root = await mintToken('root', 'bin-test', Date.now(), { N: 2 ** 10, r: 8, p: 1 });
  rootSecret = root.secret;
  writeFileSync(TOKENS, `${TOKENS_HEADER}${root.line}\n`, { mode: 0o600 });
  chmodSync(TOKENS, 0o600);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return execa(process.execPath, [BIN, ...args], { reject: false, input: '', env: { TZ: 'UTC' }, extendEnv: false, timeout: 10_000 });
}

interface Served {
  child: ChildProcess;
  url: string;
  /** everything written on stderr so far */
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
afterEach(() => {
  // anything a failed test left running, by its pid
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
});

/** start serve and wait for its `listening on` line: the port the kernel chose is read from it */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--tokens', TOKENS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { TZ: 'UTC' } });
  started.push(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line in 10 s: ${err}`)), 10_000);
    const look = (): void => {
      const m = /listening on (https?:\/\/127\.0\.0\.1:\d+)\n/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', look);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited before listening: ${err}`));
    });
  });
  return { child, url, stderr: () => err, exit };
}

/** wait until the condition holds (at most 5 s) */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5000) throw new Error('waited 5 s in vain');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function get(url: string, headers: Record<string, string> = {}, ca?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    lib
      .get(url, { headers, agent: false, ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('usage errors: exit 2, one line and a pointer to --help, nothing listens', () => {
  it.each([
    [['--listen', 'localhost:2097'], 'ftpsessions: --listen "localhost:2097": give an IP address and a port (127.0.0.1:2097, [::1]:2097): "localhost" is not an IPv4 address (IPv6 goes in brackets)'],
    [['--listen', '127.0.0.1:70000'], 'ftpsessions: --listen "127.0.0.1:70000": the port must be 0 to 65535'],
    [['--listen', '0.0.0.0:2097'], 'ftpsessions: --listen 0.0.0.0:2097 is not a loopback address: plain HTTP there would carry the API tokens in clear text; give --tls-cert and --tls-key (or --insecure-http, behind a TLS proxy)'],
    [['--listen', '127.0.0.1:0', '--listen', '[::]:2097'], 'ftpsessions: --listen [::]:2097 is not a loopback address: plain HTTP there would carry the API tokens in clear text; give --tls-cert and --tls-key (or --insecure-http, behind a TLS proxy)'],
    [['--listen', '127.0.0.1:2097', '--listen', '127.0.0.1:2097'], 'ftpsessions: --listen 127.0.0.1:2097 is given twice'],
    [['--tls-cert', '/x.pem'], 'ftpsessions: --tls-cert needs --tls-key (its private key)'],
    [['--tls-key', '/x.key'], 'ftpsessions: --tls-key needs --tls-cert (the certificate it belongs to)'],
  ])('serve %j', async (args, line) => {
    const r = await cli(['serve', '--tokens', TOKENS, ...args]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([2, '', `${line}\nTry 'ftpsessions serve --help' for more information.`]);
  });
});

describe('start-up refusals: exit 1, one line', () => {
  it('a tokens file others may read', async () => {
    const loose = join(dir, 'loose');
    writeFileSync(loose, readFileSync(TOKENS));
    chmodSync(loose, 0o644);
    const r = await cli(['serve', '--listen', '127.0.0.1:0', '--tokens', loose]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ftpsessions: .*loose/);
    expect(r.stderr).not.toContain('listening');
  });

  it('a tokens file that is not there', async () => {
    const r = await cli(['serve', '--listen', '127.0.0.1:0', '--tokens', join(dir, 'absent')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(join(dir, 'absent'));
  });

  it('a certificate that is not there', async () => {
    const r = await cli(['serve', '--listen', '127.0.0.1:0', '--tokens', TOKENS, '--tls-cert', join(dir, 'none.crt'), '--tls-key', join(dir, 'none.key')]);
    expect([r.exitCode, r.stderr]).toEqual([1, `ftpsessions: --tls-cert ${join(dir, 'none.crt')}: no such file`]);
  });
});

describe('serving', () => {
  it('logs where it listens (IPv4 and IPv6 loopback), answers, logs a failed authentication in the fail2ban line, exits 0 on SIGTERM', async () => {
    const s = await serve(['--listen', '127.0.0.1:0', '--listen', '[::1]:0']);
    const pid = s.child.pid!;
    expect(s.stderr()).toMatch(new RegExp(`^ftpsessions\\[${pid}\\]: listening on http://127\\.0\\.0\\.1:\\d+\\n`));
    await expect.poll(s.stderr).toMatch(new RegExp(`ftpsessions\\[${pid}\\]: listening on http://\\[::1\\]:\\d+\\n`));
    const v6 = /listening on (http:\/\/\[::1\]:\d+)/.exec(s.stderr())![1]!;

    const health = await get(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(health.headers['cache-control']).toBe('no-store');
    expect((await get(`${v6}/healthz`)).status).toBe(200);

    // a wrong token: 401 with the challenge, one log line naming the address and user, never the secret
    const denied = await get(`${s.url}/execute/Ftp/list_sessions`, { Authorization: 'cpanel root:fts_wrongwrongwrongwrongwrongwrongwrongwrongwrongwrongwrong' });
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="ftpsessions"');
    expect(JSON.parse(denied.body)).toMatchObject({ status: 0 });
    await expect.poll(s.stderr).toContain(`ftpsessions[${pid}]: authentication failure; rhost=127.0.0.1 user=root\n`);
    expect(s.stderr()).not.toContain('wrongwrong');

    // the right one gets through authentication (what it answers is the routes' business)
    const ok = await get(`${s.url}/execute/Ftp/get_ftp_daemon_info`, { Authorization: `cpanel root:${rootSecret}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');

    // methods and unknown paths: JSON, never a file
    const put = await new Promise<number>((resolve, reject) => {
      http.request(`${s.url}/healthz`, { method: 'PUT', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(put).toBe(405);
    const traversal = await get(`${s.url}/../../etc/passwd`);
    expect(traversal.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(traversal.body).not.toContain('root:');

    process.kill(pid, 'SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toContain(`ftpsessions[${pid}]: SIGTERM: stopping (0 request(s) under way)\nftpsessions[${pid}]: stopped\n`);
  });

  it('past 5 failures from one address: 429, without looking at the token', async () => {
    const s = await serve(['--listen', '127.0.0.1:0']);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(`${s.url}/execute/Ftp/list_sessions`, { Authorization: `cpanel user${i}:nope` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // even the right token, from this address, until the window passes
    expect((await get(`${s.url}/execute/Ftp/get_ftp_daemon_info`, { Authorization: `cpanel root:${rootSecret}` })).status).toBe(429);
    expect(s.stderr().match(/authentication failure/g)).toHaveLength(5);
    process.kill(s.child.pid!, 'SIGINT');
    expect((await s.exit).code).toBe(0);
  });

  it('SIGHUP without TLS changes nothing: it goes on serving', async () => {
    const s = await serve(['--listen', '127.0.0.1:0']);
    process.kill(s.child.pid!, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
    process.kill(s.child.pid!, 'SIGTERM');
    expect((await s.exit).code).toBe(0);
  });

  it.skipIf(!existsSync(OPENSSL))('HTTPS with --tls-cert/--tls-key; SIGHUP serves a new certificate on the same port', async () => {
    const make = (name: string) => {
      const cert = join(dir, `${name}.crt`);
      const key = join(dir, `${name}.key`);
      execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    };
    const one = make('one');
    const two = make('two');
    const cert = join(dir, 'live.crt');
    const key = join(dir, 'live.key');
    writeFileSync(cert, one.cert);
    writeFileSync(key, one.key, { mode: 0o600 });
    const s = await serve(['--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]);
    expect(s.url).toMatch(/^https:/);
    expect((await get(`${s.url}/healthz`, {}, one.cert)).status).toBe(200);
    writeFileSync(cert, two.cert);
    writeFileSync(key, two.key);
    process.kill(s.child.pid!, 'SIGHUP');
    await expect.poll(s.stderr).toContain(`reloaded the TLS certificate ${cert} and key ${key}`);
    expect((await get(`${s.url}/healthz`, {}, two.cert)).status).toBe(200);
    await expect(get(`${s.url}/healthz`, {}, one.cert)).rejects.toThrow(); // the old one is gone
    process.kill(s.child.pid!, 'SIGTERM');
    expect((await s.exit).code).toBe(0);
  });
});

describe('the fail2ban filter (contrib/fail2ban/filter.d/ftpsessions.conf)', () => {
  /** the log lines a real server wrote: one failure from 127.0.0.1 as root, one with no user, one from ::1 */
  let lines: string[] = [];
  beforeAll(async () => {
    const s = await serve(['--listen', '127.0.0.1:0', '--listen', '[::1]:0']);
    await until(() => /listening on http:\/\/\[::1\]/.test(s.stderr()));
    const v6 = /listening on (http:\/\/\[::1\]:\d+)/.exec(s.stderr())![1]!;
    await get(`${s.url}/execute/Ftp/list_sessions`, { Authorization: 'cpanel root:bad' });
    await get(`${s.url}/execute/Ftp/list_sessions`);
    // Basic carries any bytes: a name with a space, a newline and a forged field
    await get(`${v6}/execute/Ftp/list_sessions`, { Authorization: `Basic ${Buffer.from('al ice\nrhost=192.0.2.66 user=x:bad').toString('base64')}` });
    await until(() => s.stderr().match(/authentication failure/g)?.length === 3);
    process.kill(s.child.pid!, 'SIGTERM');
    await s.exit;
    lines = s.stderr().trimEnd().split('\n');
  });

  /**
   * The failregex as fail2ban expands it for these lines (common.conf's
   * __prefix_line reduced to its optional syslog host and `ftpsessions[PID]:`
   * parts; <ADDR> an IPv4 or IPv6 address): used where fail2ban-regex is not
   * installed.
   */
  function translated(): RegExp {
    const text = readFileSync(FILTER, 'utf8');
    const failregex = /^failregex = (.*)$/m.exec(text)![1]!;
    const prefix = String.raw`(?:\S+\s+)?(?:ftpsessions\[\d+\]:\s+)?`;
    const addr = String.raw`(?<addr>(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)`;
    return new RegExp(failregex.replace('%(__prefix_line)s', prefix).replace('<ADDR>', addr));
  }

  it('the translation of the failregex finds exactly the failure lines and their addresses', () => {
    const re = translated();
    const found = lines.map((l) => re.exec(l)?.groups?.addr).filter((a) => a !== undefined);
    expect(found).toEqual(['127.0.0.1', '127.0.0.1', '::1']);
    expect(lines.filter((l) => /listening|stopping|stopped/.test(l)).every((l) => !re.test(l))).toBe(true);
    // a user name cannot smuggle a second address: the server writes it without spaces
    expect(lines.find((l) => l.includes('rhost=::1'))).toMatch(/user=al\?ice\?rhost\?192\.0\.2\.66\?user\?x$/);
    expect(lines.join('\n')).not.toMatch(/^rhost=/m);
  });

  it.skipIf(!existsSync(FAIL2BAN_REGEX))('fail2ban-regex itself: the same three, as the plain stderr lines and as syslog lines with the journal identifier', async () => {
    // the filter beside fail2ban's common.conf, as it is installed
    const conf = mkdtempSync(join(dir, 'f2b-'));
    execFileSync('/bin/mkdir', [join(conf, 'filter.d')]);
    writeFileSync(join(conf, 'filter.d/common.conf'), readFileSync('/etc/fail2ban/filter.d/common.conf'));
    writeFileSync(join(conf, 'filter.d/ftpsessions.conf'), readFileSync(FILTER));
    const plain = join(conf, 'plain.log');
    writeFileSync(plain, `${lines.join('\n')}\n`);
    const syslog = join(conf, 'syslog.log');
    writeFileSync(syslog, lines.map((l) => `Dec  1 12:00:00 host ${l.slice(0, l.indexOf(':'))}: ${l}`).join('\n') + '\n');
    for (const [file, extra] of [[plain, ['-d', '{NONE}']], [syslog, []]] as const) {
      const r = await execa(FAIL2BAN_REGEX, [...extra, '-v', file, join(conf, 'filter.d/ftpsessions.conf')], { reject: false });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Lines: ${lines.length} lines, 0 ignored, 3 matched, ${lines.length - 3} missed`));
      expect(r.stdout).toMatch(/\|\s+127\.0\.0\.1 /);
      expect(r.stdout).toMatch(/\|\s+::1 /);
    }
  });
});
