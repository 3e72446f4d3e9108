// Attack tests: completion must not tell an account anything of another's
// sessions. Run as root: processes that look like pure-ftpd sessions (a copy
// of sleep named pure-ftpd, its title `pure-ftpd (IDLE)`) run as `nobody`,
// as `daemon` and as a uid no account has; `nobody` then completes through
// the BUILT command (a world-readable copy: test/helpers/public-copy.ts;
// `npm run build` first) with setpriv, also through bash and the real
// completion script. Whatever else runs here (a lab's real sessions) is
// another account's too.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PublicCopy, publicCopy } from '../helpers/public-copy.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const DAEMON = 1; // `daemon` on Debian
const NAMELESS = 48_213;
const HOSTILE = "pure-ftpd (IDLE) $(touch PWNED)`touch PWNED`\n'; touch PWNED; '\t\u001b]0;x\u0007";

let copy: PublicCopy;
let dir: string;
const lookAlikes: Array<{ uid: number; child: ChildProcess }> = [];
const pidOf = (uid: number) => lookAlikes.filter((l) => l.uid === uid).map((l) => String(l.child.pid));

/** a process that looks like a pure-ftpd session, running as uid, with this title */
function lookAlike(uid: number, title: string): void {
  const fake = join(dir, 'sbin', 'pure-ftpd');
  const child = spawn('setpriv', ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--', '/bin/bash', '-c', 'exec -a "$0" "$1" 600', title, fake], { stdio: 'ignore', cwd: dir });
  lookAlikes.push({ uid, child });
}

/** `ftpsessions __complete` with these words (the last under the cursor), as uid: the candidates */
function complete(words: string[], uid = NOBODY): string[] {
  const argv = ['__complete', String(words.length - 1), '--', ...words];
  const out = execFileSync('setpriv', ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--', process.execPath, copy.bin('ftpsessions'), ...argv], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin' },
  });
  const [head, ...lines] = out.split('\n').slice(0, -1);
  expect(head).toBe('words');
  return lines.map((l) => l.split('\t')[0] as string);
}

describe.skipIf(!isRoot)('completion as an account sees nothing of another account', () => {
  beforeAll(async () => {
    for (const bundle of ['ftpsessions', 'cpanel']) {
      if (!existsSync(new URL(`../../dist/${bundle}.cjs`, import.meta.url))) throw new Error(`dist/${bundle}.cjs is missing: npm run build first`);
    }
    copy = await publicCopy();
    dir = mkdtempSync(join(copy.dir, 'attack-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'sbin'), { mode: 0o755 });
    copyFileSync('/bin/sleep', join(dir, 'sbin', 'pure-ftpd'));
    chmodSync(join(dir, 'sbin', 'pure-ftpd'), 0o755);
    mkdirSync(join(dir, 'bin'), { mode: 0o755 });
    for (const c of ['cpapi2', 'uapi', 'ftpsessions'] as const) symlinkSync(copy.bin(c), join(dir, 'bin', c));
    writeFileSync(join(dir, 'completion.bash'), execFileSync(process.execPath, [copy.bin('ftpsessions'), 'completion', 'bash']), { mode: 0o644 });
    mkdirSync(join(dir, 'cwd'), { mode: 0o777 });
    chmodSync(join(dir, 'cwd'), 0o777);
    lookAlike(NOBODY, 'pure-ftpd (IDLE)');
    lookAlike(NOBODY, HOSTILE);
    lookAlike(DAEMON, 'pure-ftpd (IDLE)');
    lookAlike(DAEMON, 'pure-ftpd (DOWNLOAD)');
    lookAlike(NAMELESS, 'pure-ftpd (IDLE)');
    // until every one of them has its title (setpriv, then bash, then exec)
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !lookAlikes.every((l) => l.child.pid !== undefined && readTitle(l.child.pid).startsWith('pure-ftpd ('))) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }, 120_000);

  afterAll(async () => {
    for (const l of lookAlikes) l.child.kill('SIGKILL');
    await copy?.remove();
  });

  it('the look-alikes are what an account sees of its own: nobody lists its two', () => {
    const out = execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', process.execPath, copy.bin('ftpsessions'), 'list', '--output', 'json'], { cwd: dir, encoding: 'utf8' });
    expect((JSON.parse(out) as Array<{ pid: number }>).map((r) => String(r.pid)).sort()).toEqual(pidOf(NOBODY).sort());
  });

  it('pids: only its own, whatever the line names (--user of another, root path options, another collector)', () => {
    const own = pidOf(NOBODY).sort((a, b) => Number(a) - Number(b));
    expect(complete(['ftpsessions', 'kill', '--pid', ''])).toEqual(own);
    expect(complete(['ftpsessions', 'kill', '--user', 'daemon', '--pid', ''])).toEqual(own);
    expect(complete(['ftpsessions', 'kill', '--collector', 'ps', '--pid', ''])).toEqual(own);
    expect(complete(['ftpsessions', 'kill', '--ftp-passwd-dir', dir, '--userdomains', '/etc/passwd', '--pid', ''])).toEqual(own);
    expect(complete(['uapi', '--user', 'daemon', 'Ftp', 'kill_session', 'login='])).toEqual(['login=all', ...own.map((p) => `login=${p}`)]);
    expect(complete(['uapi', '--user=root', 'Ftp', 'kill_session', 'login='])).toEqual(['login=all', ...own.map((p) => `login=${p}`)]);
  });

  it('accounts: only itself; who has sessions is not said', () => {
    expect(complete(['uapi', '--user', ''])).toEqual(['nobody']);
    expect(complete(['ftpsessions', 'list', '-u', ''])).toEqual(['nobody']);
    expect(complete(['cpapi2', '--user=d'])).toEqual([]);
  });

  it('root: a look-alike is no session (not a real daemon): none of their pids, daemon not among the accounts with sessions', () => {
    const pids = complete(['ftpsessions', 'kill', '--pid', ''], 0);
    for (const l of lookAlikes) expect(pids).not.toContain(String(l.child.pid));
    const accounts = execFileSync(process.execPath, [copy.bin('ftpsessions'), '__complete', '2', '--', 'uapi', '--user', ''], { encoding: 'utf8' });
    expect(accounts).toMatch(/^words\n/);
    expect(accounts).not.toMatch(/^(daemon|nobody)\t/m);
  });

  it('bash as nobody: a hostile process title is never shell code, never a candidate; --user offers itself only', () => {
    const script = `
      cd ${dir}/cwd
      source ${dir}/completion.bash
      COMP_WORDS=(ftpsessions kill --pid ''); COMP_CWORD=3; COMP_LINE='ftpsessions kill --pid '; COMP_POINT=\${#COMP_LINE}
      _ftpsessions ftpsessions '' --pid
      printf '%s\\n' "\${COMPREPLY[@]}"
      echo --
      COMP_WORDS=(uapi --user ''); COMP_CWORD=2; COMP_LINE='uapi --user '; COMP_POINT=\${#COMP_LINE}
      _ftpsessions uapi '' --user
      printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', '/bin/bash', '--norc', '--noprofile', '-c', script], {
      encoding: 'utf8',
      env: { PATH: `${dir}/bin:/usr/bin:/bin`, HOME: `${dir}/cwd` },
    });
    const [pids, accounts] = out.split('--\n').map((part) => part.split('\n').filter((l) => l !== ''));
    expect(pids).toEqual(pidOf(NOBODY).sort((a, b) => Number(a) - Number(b)));
    // and after --user, itself only
    expect(accounts).toEqual(['nobody']);
    expect(existsSync(join(dir, 'cwd', 'PWNED'))).toBe(false);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });
});

function readTitle(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
