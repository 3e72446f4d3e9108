/**
 * A pure-ftpd session as ps and /proc show a real one (ftp-servers.md §2.1),
 * without a daemon: a program named pure-ftpd (a root-owned copy of bash), a
 * master running it as the caller (root: a master the trust checks accept,
 * src/model/TRUST.md), and under it the session, the same program as
 * `nobody` when the caller is root, titled `pure-ftpd (DOWNLOAD)`, waiting
 * on its stdin. For the tests that need real processes: the e2e suite (ps
 * and /proc) and top's ending of tagged sessions on a real terminal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeSession {
  readonly master: ChildProcess;
  readonly pid: number;
  /** how the session ended, as its master saw it: `status 143` for SIGTERM */
  readonly status: Promise<string>;
}

const TITLE = 'pure-ftpd (DOWNLOAD)';

export class FakePureFtpd {
  /** the program, `DIR/pure-ftpd` */
  readonly program: string;
  private readonly started: FakeSession[] = [];
  private readonly asAccount: string;

  /** `dir`: a folder of the test's own, made enterable by every account here */
  constructor(dir: string) {
    chmodSync(dir, 0o755);
    this.program = join(dir, 'pure-ftpd');
    copyFileSync('/usr/bin/bash', this.program);
    chmodSync(this.program, 0o755);
    this.asAccount = process.getuid?.() === 0 ? '/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups' : '';
  }

  /** one more session under a master of its own, once it shows its title */
  async session(): Promise<FakeSession> {
    // the master prints the session's pid, then how it ended
    const script = `exec 3<&0; ${this.asAccount} "$1" -c 'exec -a "${TITLE}" "$0" -c "read x"' "$1" <&3 & echo $!; wait $!; echo "status $?"`;
    const master = spawn(this.program, ['-c', script, 'pure-ftpd', this.program], { argv0: 'pure-ftpd (SERVER)', stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buffered = '';
    master.stdout?.on('data', (d: Buffer) => {
      buffered += String(d);
      lines.push(...buffered.split('\n').slice(0, -1));
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    const status = new Promise<string>((resolve) => master.on('close', () => resolve(lines[1] ?? '')));
    while (lines.length === 0) await pause(20);
    const session = { master, pid: Number(lines[0]), status };
    this.started.push(session);
    await untilTitled(session.pid);
    return session;
  }

  /** end every session and master started here */
  stop(): void {
    for (const { master, pid } of this.started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already ended
      }
      master.kill('SIGKILL');
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** until the session has exec'd into its title; a failure after 10 s */
async function untilTitled(pid: number): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith(`${TITLE}\0`)) return;
    } catch {
      // not there yet
    }
    await pause(20);
  }
  throw new Error(`fake session ${pid} never showed its title '${TITLE}'`);
}
