#!/usr/bin/env node
// The completion fast path's wall time beside `node -e 0`, measured in the
// same run, interleaved: node test/completion/fast-path-timing.mjs [RUNS]
// (default 21). Needs the build (npm run build). A figure, not a test: the
// machine's load moves both columns.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'ftpsessions.js');
const runs = Number(process.argv[2] ?? 21);
const cases = {
  'node -e 0': ['-e', '0'],
  'ftpsessions --version (the bundle alone)': [bin, '--version'],
  'uapi --<Tab> (options)': [bin, '__complete', '1', '--', 'uapi', '--'],
  'uapi --user <Tab> (accounts, live sessions)': [bin, '__complete', '2', '--', 'uapi', '--user', ''],
  'ftpsessions kill --pid <Tab> (live sessions)': [bin, '__complete', '3', '--', 'ftpsessions', 'kill', '--pid', ''],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const counts = {};
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
    counts[name] = r.stdout.split('\n').length - 2;
    if (args[1] !== '__complete') counts[name] = undefined;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`uid ${process.getuid()}, ${runs} runs each, interleaved; median wall ms`);
for (const name of Object.keys(cases)) {
  const m = median(times[name]);
  console.log(`${name.padEnd(46)} ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}x  +${(m - base).toFixed(1)} ms${counts[name] === undefined ? '' : `  (${counts[name]} candidates)`}`);
}
