// `ftpsessions serve` (BUILT: `npm run build` first) under load on loopback:
// 200 concurrent authenticated list requests, every one answered with a
// valid success, the server's resident memory (VmRSS) flat from one round
// to the next; slow clients (a request half sent, then nothing) hold no one
// else up, and are cut by the server's header time-out. Runs as root (the
// tokens file is made by `ftpsessions token create`, root only). The
// account listed is `nobody`, who never holds an FTP session: every list is
// an empty success, and the cost measured is the server's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ftpsessions.js');
const isRoot = process.getuid?.() === 0;
const built = existsSync(join(ROOT, 'dist'));
if (!isRoot || !built) console.warn(`[serve-load] SKIPPING: ${!isRoot ? 'token create needs root' : 'no dist/ (npm run build first)'}`);
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', TZ: 'UTC', LANG: 'C.UTF-8' };
const CONCURRENT = 200;
const UAPI_KEYS = ['data', 'errors', 'messages', 'metadata', 'status', 'warnings'];

const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-serve-load-'));
chmodSync(dir, 0o700);
const TOKENS = join(dir, 'tokens');
let child: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;
let port = 0;
let stderr = '';
let auth = '';
let rootAuth = '';
const log = (m: string) => console.log(`[serve-load] ${m}`);

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

async function mint(user: string): Promise<string> {
  const r = await execa(process.execPath, [BIN, 'token', 'create', '--user', user, '--name', `load-${user}`, '--tokens', TOKENS], { reject: false, env: ENV, extendEnv: false, input: '' });
  if (r.exitCode !== 0) throw new Error(`token create: ${r.stderr}`);
  return String(r.stdout).trim();
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** one GET on a connection of its own */
function get(path: string, authorization: string): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { authorization }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** why an answer is not a valid success of the route asked ('' when it is) */
function problem(route: 'execute' | 'api2', a: Answer): string {
  let j;
  try {
    j = JSON.parse(a.body);
  } catch {
    return `HTTP ${a.status}, not JSON: ${a.body.slice(0, 200)}`;
  }
  if (a.status !== 200) return `HTTP ${a.status}: ${a.body.slice(0, 200)}`;
  if (route === 'execute') {
    if (Object.keys(j).join() !== UAPI_KEYS.join() || j.status !== 1 || j.errors !== null || !Array.isArray(j.data) || j.data.length !== 0) return `not a UAPI success: ${a.body.slice(0, 200)}`;
  } else if (j.cpanelresult?.event?.result !== 1 || !Array.isArray(j.cpanelresult.data) || j.cpanelresult.data.length !== 0) {
    return `not an API 2 success: ${a.body.slice(0, 200)}`;
  }
  return '';
}

/** CONCURRENT requests at once, half /execute (an account's token), half /json-api/cpanel API 2 (root's, for the account) */
async function round(): Promise<{ ms: number; slowest: number; problems: string[] }> {
  const t0 = performance.now();
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) =>
      i % 2 === 0
        ? get('/execute/Ftp/list_sessions', auth).then((a) => [problem('execute', a), a.ms] as const)
        : get('/json-api/cpanel?cpanel_jsonapi_user=nobody&cpanel_jsonapi_module=Ftp&cpanel_jsonapi_func=listftpsessions', rootAuth).then((a) => [problem('api2', a), a.ms] as const),
    ),
  );
  return { ms: performance.now() - t0, slowest: Math.max(...answers.map((a) => a[1])), problems: answers.map((a) => a[0]).filter((p) => p !== '') };
}

describe.runIf(isRoot && built)('ftpsessions serve (built) under load on loopback', () => {
  beforeAll(async () => {
    auth = `cpanel nobody:${await mint('nobody')}`;
    rootAuth = `whm root:${await mint('root')}`;
    port = await freePort();
    child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${port}`, '--tokens', TOKENS], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    exited = new Promise((resolve) => child!.on('exit', (code) => resolve(code)));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => void (stderr += d));
    const until = Date.now() + 15_000;
    while (!stderr.includes(`listening on http://127.0.0.1:${port}`)) {
      if (child.exitCode !== null || Date.now() > until) throw new Error(`serve did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(child.pid, 'SIGTERM');
      expect(await exited).toBe(0);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${CONCURRENT} concurrent list requests, four rounds: every answer a valid success; VmRSS flat after the first rounds`, async () => {
    const pid = child!.pid!;
    const rss = [rssKiB(pid)];
    const rounds = [];
    for (let i = 0; i < 4; i++) {
      const r = await round();
      expect(r.problems.slice(0, 5), `round ${i + 1}: ${r.problems.length} bad answers`).toEqual([]);
      rounds.push(r);
      rss.push(rssKiB(pid));
    }
    log(`${CONCURRENT} concurrent: ${rounds.map((r) => `${r.ms.toFixed(0)} ms (slowest ${r.slowest.toFixed(0)} ms)`).join(', ')}; VmRSS ${rss.map((k) => `${(k / 1024).toFixed(1)} MiB`).join(' -> ')}`);
    // the first rounds warm the server (code compiled, heap grown to its working size: measured, it levels
    // off near 120 MiB after 5 rounds and stays there over 12); after that memory must not keep growing
    expect(rss[4]! - rss[2]!, `VmRSS ${rss.join(' -> ')} kB`).toBeLessThan(24 * 1024);
    expect(rss[4]!, `VmRSS ${rss.join(' -> ')} kB`).toBeLessThan(rss[0]! + 128 * 1024);
  }, 120_000);

  it('slow clients (half a request, then silence) hold no one up; the server cuts them at its header time-out', async () => {
    const STALLED = 50;
    const t0 = Date.now();
    const slow = await Promise.all(
      Array.from(
        { length: STALLED },
        () =>
          new Promise<{ socket: net.Socket; closed: Promise<{ ms: number; got: string }> }>((resolve, reject) => {
            const socket = net.connect({ host: '127.0.0.1', port }, () => {
              socket.write(`GET /execute/Ftp/list_sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: cpanel no`);
              let got = '';
              socket.setEncoding('utf8');
              socket.on('data', (d: string) => (got += d));
              socket.on('error', () => {});
              const closed = new Promise<{ ms: number; got: string }>((done) => socket.on('close', () => done({ ms: Date.now() - t0, got })));
              resolve({ socket, closed });
            });
            socket.once('error', reject);
          }),
      ),
    );
    // while they stall: answered, and promptly
    const during = await round();
    expect(during.problems.slice(0, 5), `${during.problems.length} bad answers`).toEqual([]);
    expect(slow.every((s) => !s.socket.destroyed), 'the stalled sockets are still open while the others are answered').toBe(true);
    // the server ends them: headersTimeout (10 s) as node checks it (every few seconds)
    const ends = await Promise.all(slow.map((s) => Promise.race([s.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 45_000))])));
    for (const s of slow) s.socket.destroy();
    const open = ends.filter((e) => e === undefined).length;
    const cut = ends.filter((e): e is { ms: number; got: string } => e !== undefined);
    log(`${STALLED} stalled clients: ${CONCURRENT} others answered in ${during.ms.toFixed(0)} ms (slowest ${during.slowest.toFixed(0)} ms) meanwhile; stalled ones cut after ${Math.min(...cut.map((e) => e.ms))}-${Math.max(...cut.map((e) => e.ms))} ms, answered ${JSON.stringify(cut[0]?.got.split('\r\n')[0] ?? '')}`);
    expect(open, 'stalled clients still connected after 45 s').toBe(0);
    for (const e of cut) expect(e.got === '' || /^HTTP\/1\.1 408 /.test(e.got), e.got).toBe(true);
    expect(Math.min(...cut.map((e) => e.ms))).toBeGreaterThanOrEqual(9_000);
  }, 120_000);
});
