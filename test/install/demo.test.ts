/**
 * `npm run demo` (scripts/demo.mjs, with the built dist) shows the sample's
 * sessions whatever accounts exist: as root and as an unprivileged user,
 * with and without an account named `alice` (the sample's account, whose
 * login then belongs to her and not to whoever replays it).
 *
 * The account exists for the demo alone: each run is in mount and pid
 * namespaces of its own (unshare), where a copy of /etc/passwd with or
 * without an `alice` line is bound over /etc/passwd. A real `useradd alice`
 * would change the machine under the tests running beside this one (the
 * replays of test/e2e scope the same sample's `alice` sessions), and the
 * lab's daemons, when the lab runs beside it, would make the demo list them
 * instead of the sample: in its own pid namespace it sees no FTP server.
 *
 * Root only (namespaces, setpriv); skips with a message otherwise.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, publicCopy, type PublicCopy } from '../helpers/public-copy.js';

const UNSHARE = ['--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private'];
const isRoot = process.getuid?.() === 0;
const probe = isRoot ? spawnSync('/usr/bin/unshare', [...UNSHARE, '--', '/bin/true'], { encoding: 'utf8' }) : undefined;
const skip = !isRoot
  ? 'not running as root'
  : probe?.status !== 0
    ? `unshare cannot make mount and pid namespaces here (${(probe?.stderr || probe?.error?.message || '').trim()})`
    : undefined;
if (skip) console.warn(`[demo] SKIPPING the demo test: ${skip}`);

const WRAPPER = path.join(CHECKOUT, 'test', 'install', 'in-namespace.mjs');
const NOBODY = 65534;

/** The sample's alice sessions: pure-ftpwho's `pid|alice|...` lines. */
const ALICE_PIDS = readFileSync(path.join(CHECKOUT, 'samples', 'pure-ftpwho.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.split('|')[1] === 'alice')
  .map((l) => Number(l.split('|')[0]));

describe.skipIf(skip !== undefined)('npm run demo: the sample sessions, whatever accounts exist', () => {
  let copy: PublicCopy;
  let work: string;
  const passwd = { withAlice: '', withoutAlice: '', aliceUid: 0 };

  beforeAll(async () => {
    copy = await publicCopy(CHECKOUT, ['scripts/demo.mjs', 'scripts/lib', 'samples']);
    work = mkdtempSync(path.join(tmpdir(), 'ftpsessions-demo-test-'));
    const lines = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('alice:'));
    const used = new Set(lines.map((l) => Number(l.split(':')[2])));
    let uid = 4201;
    while (used.has(uid)) uid += 1;
    passwd.aliceUid = uid;
    passwd.withoutAlice = path.join(work, 'passwd-without-alice');
    passwd.withAlice = path.join(work, 'passwd-with-alice');
    writeFileSync(passwd.withoutAlice, `${lines.join('\n')}\n`, { mode: 0o644 });
    writeFileSync(passwd.withAlice, `${lines.join('\n')}\nalice:x:${uid}:${uid}:the demo test's alice:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
    for (const f of [passwd.withoutAlice, passwd.withAlice]) chmodSync(f, 0o644); // whatever the umask: everyone reads /etc/passwd
  });

  afterAll(async () => {
    await copy?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** node scripts/demo.mjs of the public copy, in namespaces of its own with this passwd, as root or as nobody */
  async function demo(passwdFile: string, as: 'root' | 'nobody') {
    const node = [process.execPath, path.join(copy.dir, 'scripts', 'demo.mjs')];
    const command = as === 'root' ? node : ['/usr/bin/setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...node];
    const r = await execa('/usr/bin/unshare', [...UNSHARE, '--', process.execPath, WRAPPER, readlinkSync('/proc/self/ns/mnt'), passwdFile, ...command], {
      reject: false,
      cwd: copy.dir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', TZ: 'UTC', NO_COLOR: '1', HOME: as === 'root' ? '/root' : '/nonexistent' },
      extendEnv: false,
      timeout: 30_000,
    });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** every sample alice session is a row of the table, under `user` */
  function missingRows(stdout: string, user: string): number[] {
    return ALICE_PIDS.filter((pid) => !new RegExp(`[│|] ${pid} +[│|] ${user} +[│|]`).test(stdout));
  }

  it('the sample has alice sessions to show', () => {
    expect(ALICE_PIDS.length).toBe(15);
  });

  it.each([
    ['root', 'without', 'alice'],
    ['root', 'with', 'alice'],
    ['nobody', 'without', 'alice'],
    ['nobody', 'with', 'nobody'],
  ] as const)('as %s, %s an account named alice: all of her sessions, user %s', async (as, alice, user) => {
    const r = await demo(alice === 'with' ? passwd.withAlice : passwd.withoutAlice, as);
    expect(r.stderr, 'nothing on stderr').toBe('');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain('No FTP server runs here: replaying the sample captures');
    expect(missingRows(r.stdout, user), r.stdout).toEqual([]);
    if (as === 'root') expect(r.stdout).toContain(`$ uapi --user=${alice === 'with' ? 'alice' : 'nobody'} `);
    if (as === 'root' && alice === 'with') expect(r.stdout).toContain(`run as uid ${passwd.aliceUid}, this machine's alice's`);
    // the cpapi2 part: the same first session, in JSON
    expect(r.stdout).toContain(`"pid":"${Math.min(...ALICE_PIDS)}"`);
  }, 60_000);
});
