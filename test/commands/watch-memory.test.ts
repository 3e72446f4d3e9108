// watch keeps only the previous reading: its heap does not grow with the
// readings, however much the sessions churn. WATCH_READINGS=100000 for the
// long measurement (the note's figures); the suite runs 5,000.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { createTestRuntime } from '../helpers/runtime.js';

const READINGS = Number(process.env.WATCH_READINGS ?? 5000);
const SESSIONS = 50;

it(`${READINGS} readings, every one with sessions opening, closing and changing state: the heap stays flat`, async () => {
  let reading = 0;
  let written = 0;
  let lines = 0;
  const samples: Array<[number, number, number]> = [];
  // a full collection before each sample: what is still held, not what is yet to be collected
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const rt = createTestRuntime({ uid: 1001, argv: ['watch', '--collector', 'ps', '--output', 'ndjson'] });
  rt.stdout.write = (text) => {
    written += text.length;
    lines += text.split('\n').length - 1;
  };
  rt.exec = async () => {
    reading++;
    // pids reading..reading+SESSIONS-1: one session closes and one opens at every reading; the rest turn DL, UL, IDLE in turn, each with its own file
    const out: string[] = [];
    for (let pid = reading; pid < reading + SESSIONS; pid++) {
      const phase = (pid + reading) % 3;
      const command = phase === 0 ? 'IDLE' : phase === 1 ? `RETR file-${pid}-${reading}.bin` : `STOR up-${pid}-${reading}.bin`;
      out.push(`${String(pid).padStart(7)}     1  1001 ${'alice'.padEnd(64)} Tue Dec  1 11:59:00 2026 proftpd: alice - 10.0.${pid % 256}.${reading % 256}: ${command}`);
    }
    return { exitCode: 0, stdout: `${out.join('\n')}\n`, stderr: '', timedOut: false };
  };
  rt.isExecutable = async (path) => path === '/usr/bin/ps';
  let sampled = 0;
  rt.sleep = async () => {
    if (reading !== sampled && reading % Math.max(1, Math.floor(READINGS / 10)) === 0) {
      sampled = reading;
      gc();
      const { heapUsed, rss } = process.memoryUsage();
      samples.push([reading, Math.round(heapUsed / 2 ** 10) / 2 ** 10, Math.round(rss / 2 ** 20)]);
    }
    if (reading >= READINGS) for (const h of [...rt.signalHandlers]) h('SIGTERM');
  };
  expect(await run('action', rt)).toBe(0);
  console.log(`watch memory: ${READINGS} readings, ${lines} events, ${Math.round(written / 2 ** 20)} MiB written; [reading, heap MiB, rss MiB]: ${JSON.stringify(samples)}`);
  expect(lines).toBeGreaterThan(READINGS * 2);
  // from the second sample on (JIT and caches warm), the heap after a full collection grows by less than 1 MiB
  const heaps = samples.slice(1).map((s) => s[1]);
  expect(Math.max(...heaps) - heaps[0]!).toBeLessThan(1);
}, 600_000);
