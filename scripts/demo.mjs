// npm run demo: list the FTP sessions of this machine, or, when no FTP server
// runs here, replay the bundled sample captures of a real pure-ftpd server.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { replayAccount, SAMPLE_ACCOUNT, sampleInputs } from './lib/sample.mjs';

const uapi = new URL('../bin/uapi.js', import.meta.url).pathname;
const run = (args) => spawnSync(process.execPath, [uapi, ...args], { stdio: 'inherit' }).status ?? 1;

// Owners of FTP daemon processes (sessions run as the account they serve).
const ps = spawnSync('/usr/bin/ps', ['-C', 'pure-ftpd,proftpd,vsftpd', '-o', 'user:64='], { encoding: 'utf8' });
const owners = [...new Set((ps.stdout ?? '').split('\n').map((s) => s.trim()).filter((u) => u && u !== 'root' && u !== 'nobody'))];

if (owners.length > 0) {
  console.log(`An FTP server is running here: the live sessions of ${process.getuid() === 0 ? owners.join(', ') : 'your account'}.\n`);
  let status = 0;
  for (const args of process.getuid() === 0 ? owners.map((o) => [`--user=${o}`]) : [[]]) {
    status ||= run([...args, '--output=table', 'Ftp', 'list_sessions']);
  }
  process.exitCode = status;
} else {
  const account = replayAccount();
  const { userArgs } = account;
  const whose = account.name === SAMPLE_ACCOUNT.name ? "this machine's alice's" : userArgs.length ? `${account.name}'s` : 'yours';
  const renamed = account.rename ? `, under the login name ${account.rename} (an account named alice exists here: that login is hers)` : '';
  const shown = ['uapi', ...userArgs, '--input', 'ps=samples/ps.txt', '--input', 'pure-ftpwho=samples/pure-ftpwho.txt'];
  console.log('No FTP server runs here: replaying the sample captures of a real pure-ftpd server (samples/README.md).');
  console.log(`(Replays are scoped by uid: in the copy replayed, the sample account alice's sessions run as uid ${account.uid}, ${whose}${renamed}.)\n`);
  const sample = sampleInputs(account);
  try {
    console.log(`$ ${shown.join(' ')} --output=table Ftp list_sessions`);
    const status = run([...userArgs, ...sample.args, '--output=table', 'Ftp', 'list_sessions']);
    console.log(`\n$ ${shown.join(' ').replace('uapi', 'cpapi2')} --output=json Ftp listftpsessions | head -c 400`);
    const cpapi2 = spawnSync(process.execPath, [new URL('../bin/cpapi2.js', import.meta.url).pathname, ...userArgs, ...sample.args, '--output=json', 'Ftp', 'listftpsessions'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    console.log(`${(cpapi2.stdout ?? '').slice(0, 400)}...\n`);
    process.exitCode = status || (cpapi2.status ?? 1);
  } finally {
    rmSync(sample.dir, { recursive: true, force: true });
  }
}
