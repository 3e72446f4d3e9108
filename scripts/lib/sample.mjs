// The demo's replay of the bundled sample captures (samples/README.md), made
// to show the sample account alice's sessions on any machine. Replays are
// scoped like live listings: by the uid in the ps capture, and by login name
// where the machine's accounts claim the login. So the replay runs as an
// account that exists here (root: `alice` herself if she exists, else
// `nobody`; anyone else: themselves), in a temporary copy of the captures
// where alice's uid (1001) is that account's and, when an account named
// alice exists here but the replay is not hers, her login name is the
// account's too. As root, the machine's FTP account files are left out
// (paths that do not exist are given): they describe this server's logins,
// not the sample's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;
/** the sample's account (samples/README.md) */
export const SAMPLE_ACCOUNT = { name: 'alice', uid: 1001 };

/** An entry of the user database (NSS: /etc/passwd, LDAP, ...), by name or uid; undefined when there is none. */
export function lookupAccount(key) {
  const getent = ['/usr/bin/getent', '/bin/getent'].find((p) => existsSync(p));
  let line;
  if (getent !== undefined) {
    try {
      line = execFileSync(getent, ['passwd', '--', String(key)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
    } catch {
      return undefined; // getent: no such entry
    }
  } else {
    const field = typeof key === 'number' ? 2 : 0;
    line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[field] === String(key));
  }
  const [name, , uid] = (line ?? '').split(':');
  return name && /^\d+$/.test(uid ?? '') ? { name, uid: Number(uid) } : undefined;
}

/**
 * The account the replay runs as: `{ name, uid, userArgs }`, and `rename`,
 * the name alice's login takes in the copy (undefined: it stays `alice`).
 */
export function replayAccount() {
  const alice = lookupAccount(SAMPLE_ACCOUNT.name);
  const uid = process.getuid();
  let account;
  if (uid !== 0) {
    account = { name: lookupAccount(uid)?.name ?? String(uid), uid, userArgs: [] };
  } else {
    const as = [alice, lookupAccount('nobody')].find((a) => a !== undefined && a.uid !== 0);
    if (as === undefined) throw new Error('demo: neither alice nor nobody is an account of this machine: nobody to replay the sample as');
    account = { ...as, userArgs: [`--user=${as.name}`] };
  }
  return { ...account, rename: alice !== undefined && account.name !== alice.name ? account.name : undefined };
}

/**
 * Write the copy of the samples for `account` (from replayAccount) into a
 * temporary folder: `{ dir, ps, who, args }`, args being the --input and
 * account-file arguments of the replay. The caller removes `dir`.
 */
export function sampleInputs(account) {
  const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-sample-'));
  const ps = join(dir, 'ps.txt');
  const who = join(dir, 'pure-ftpwho.txt');
  const login = account.rename ?? SAMPLE_ACCOUNT.name;
  // ps: `pid ppid uid user(64 wide) lstart args`
  const psLine = new RegExp(`^( *\\d+ +\\d+)( +${SAMPLE_ACCOUNT.uid}) (${SAMPLE_ACCOUNT.name} +)`, 'gm');
  const psText = readFileSync(join(SAMPLES, 'ps.txt'), 'utf8').replace(
    psLine,
    (_all, head, uidField, userField) => `${head} ${String(account.uid).padStart(uidField.length - 1)} ${login.padEnd(userField.length - 1)} `,
  );
  writeFileSync(ps, psText);
  // pure-ftpwho -s: `pid|login|...`
  const whoLine = new RegExp(`^(\\d+)\\|${SAMPLE_ACCOUNT.name}\\|`, 'gm');
  writeFileSync(who, readFileSync(join(SAMPLES, 'pure-ftpwho.txt'), 'utf8').replace(whoLine, (_all, pid) => `${pid}|${login}|`));
  return {
    dir,
    ps,
    who,
    args: [
      ...['--input', `ps=${ps}`, '--input', `pure-ftpwho=${who}`],
      // root: paths that do not exist, i.e. no FTP account files (a missing one is passed over silently);
      // only root may point the commands at other files
      ...(process.getuid() === 0 ? [`--ftp-passwd-dir=${join(dir, 'none')}`, `--userdomains=${join(dir, 'none')}`, `--pureftpd-passwd=${join(dir, 'none')}`] : []),
    ],
  };
}
