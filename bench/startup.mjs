// npm run bench: start-up of the built command against bare Node, measured
// side by side in the same run (cold processes, warm page cache).
//
//   node bench/startup.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { replayAccount, sampleInputs } from '../scripts/lib/sample.mjs';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 30 : Number(process.argv[runsArg + 1]);
const WARMUP = 5;
const root = new URL('../', import.meta.url).pathname;

// A 10-session capture: the sample's ps listing with only 10 of alice's 15 sessions.
const samplePs = readFileSync(new URL('../samples/ps.txt', import.meta.url), 'utf8');
let kept = 0;
const tenSessions = samplePs
  .split('\n')
  .filter((line) => !/^ *\d+ +\d+ +1001 .* pure-ftpd \(/.test(line) || ++kept <= 10)
  .join('\n');
const { uid, userArgs } = replayAccount();
const sample = sampleInputs(uid, { psText: tenSessions });

const cases = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  ...['json', 'jsonpretty', 'yaml', 'xml', 'table'].map((format) => ({
    name: `uapi --output=${format}`,
    argv: [`${root}bin/uapi.js`, ...userArgs, `--output=${format}`, ...sample.args, 'Ftp', 'list_sessions'],
  })),
  { name: 'cpapi2 --output=json', argv: [`${root}bin/cpapi2.js`, ...userArgs, '--output=json', ...sample.args, 'Ftp', 'listftpsessions'] },
];

function once(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// Check the command really lists the 10 sessions before timing it.
const check = spawnSync(process.execPath, cases[1].argv, { encoding: 'utf8' });
const listed = JSON.parse(check.stdout).result.data.length;
if (listed !== 10) throw new Error(`expected 10 sessions in the replay, got ${listed}`);

for (const c of cases) for (let i = 0; i < WARMUP; i++) once(c.argv);
const times = new Map(cases.map((c) => [c.name, []]));
// Interleave the cases so that drift on the machine hits them all alike.
for (let i = 0; i < RUNS; i++) for (const c of cases) times.get(c.name).push(once(c.argv));
rmSync(sample.dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times.get('node -e 0'));
console.log(`start-up, replaying a 10-session capture: median of ${RUNS} cold runs after ${WARMUP} warm-ups`);
console.log(`node ${process.version}, ${platform()} ${arch()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}\n`);
console.log('| command | median ms | min ms | ratio to node -e 0 |');
console.log('| --- | ---: | ---: | ---: |');
for (const c of cases) {
  const xs = times.get(c.name);
  console.log(`| ${c.name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${(median(xs) / base).toFixed(2)} |`);
}
const ratio = median(times.get('uapi --output=json')) / base;
console.log(`\nuapi --output=json: ${ratio.toFixed(2)}x node -e 0 (target: at most 1.5x)`);
