// Shared by the demo and the benchmark: the bundled sample captures, with the
// lab account alice's uid (1001) handed to the account the replay runs as, so
// that a replay shows her sessions on any machine (replays are scoped by uid).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;

/** `--user` arguments and the uid the replayed sessions must carry. */
export function replayAccount() {
  const uid = process.getuid();
  return uid === 0 ? { uid: 65534, userArgs: ['--user=nobody'] } : { uid, userArgs: [] };
}

/** Write the samples for `uid` into a temporary folder; returns the --input arguments. */
export function sampleInputs(uid, { psText } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-sample-'));
  const ps = join(dir, 'ps.txt');
  const who = join(dir, 'pure-ftpwho.txt');
  const text = psText ?? readFileSync(join(SAMPLES, 'ps.txt'), 'utf8');
  writeFileSync(ps, text.replace(/^( *\d+ +\d+) +1001 /gm, (_m, head) => `${head} ${String(uid).padStart(5)} `));
  writeFileSync(who, readFileSync(join(SAMPLES, 'pure-ftpwho.txt'), 'utf8'));
  return { dir, ps, who, args: ['--input', `ps=${ps}`, '--input', `pure-ftpwho=${who}`] };
}
