// Transfer detail from every source, replayed from two real captures taken
// two seconds apart (test/fixtures/transfer/README.md): what each source says
// of the bytes moved, the file's size, the percent, the rate, the directory
// and the idle time, and that the counters move between the two readings.
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collectors/index.js';
import type { CollectorChoice, SourceId } from '../../src/cli/invocation.js';
import type { Observation } from '../../src/model/observation.js';
import { diskRuntime, FIXTURES } from '../helpers/runtime.js';

async function reading(t: 't0' | 't2', sources: SourceId[] = ['proc', 'pure-ftpwho', 'ftpwho'], collector: CollectorChoice = 'auto'): Promise<Map<number, Observation>> {
  const dir = `${FIXTURES}transfer/${t}/`;
  const paths: Record<string, string> = { proc: `${dir}proc`, 'pure-ftpwho': `${dir}pure-ftpwho.txt`, ftpwho: `${dir}ftpwho.json` };
  const inputs = new Map(sources.map((id) => [id, paths[id] as string]));
  const { observations } = await collect(collector, inputs, {}, diskRuntime({ argv: [] }));
  return new Map(observations.map((o) => [o.pid, o]));
}

describe('transfer detail, every source together (auto)', () => {
  it('downloads and uploads on each daemon: the descriptor, the bytes from /proc, what the daemons add', async () => {
    const t0 = await reading('t0');
    const pick = (pid: number) => {
      const o = t0.get(pid) as Observation;
      return [o.daemon, o.state, o.transferFd, o.transferred, o.size, o.percent, o.rate, o.cwd];
    };
    expect(pick(422)).toEqual(['pure-ftpd', 'DL', 9, 524288, 65536 * 1024, 1, 60 * 1024, undefined]);
    expect(pick(414)).toEqual(['pure-ftpd', 'UL', 9, 303616, undefined, undefined, 37 * 1024, undefined]);
    expect(pick(416)).toEqual(['proftpd', 'DL', 12, 524288, undefined, 0, undefined, '/tmp/h1lab/home']);
    expect(pick(417)).toEqual(['proftpd', 'UL', 12, 625152, undefined, undefined, undefined, '/tmp/h1lab/home']);
    expect(pick(424)).toEqual(['vsftpd', 'DL', 3, 655360, undefined, undefined, undefined, undefined]);
    expect(pick(430)).toEqual(['vsftpd', 'UL', 3, 576000, undefined, undefined, undefined, undefined]);
  });

  it('every transfer moves between the two readings; the idle sessions carry no transfer', async () => {
    const [t0, t2] = [await reading('t0'), await reading('t2')];
    for (const pid of [414, 416, 417, 422, 424, 430]) {
      expect((t2.get(pid)?.transferred as number) - (t0.get(pid)?.transferred as number), `pid ${pid}`).toBeGreaterThan(0);
      expect(t2.get(pid)?.transferFd).toBe(t0.get(pid)?.transferFd);
    }
    for (const pid of [436, 445, 458, 459, 462, 466]) {
      const o = t2.get(pid) as Observation;
      expect([o.state, o.transferred, o.transferFd, o.size, o.percent, o.rate], `pid ${pid}`).toEqual(['IDLE', undefined, undefined, undefined, undefined, undefined]);
    }
  });

  it("ProFTPD: the directory and idle time of idle sessions; a finished transfer's bytes are not a transfer", async () => {
    const t2 = await reading('t2');
    expect(t2.get(458)).toMatchObject({ cwd: '/tmp/h1lab/home/sub', idleSince: 1796125501000 });
    expect(t2.get(459)).toMatchObject({ cwd: '/tmp/h1lab/home', idleSince: 1796125501000 });
    // the download's scoreboard now has bytes: 671744 in 10 s (10000000 / 1000 ms)
    expect(t2.get(416)).toMatchObject({ percent: 1, rate: 67174, transferred: 688128 });
  });

  it("without /proc, the daemons' own counters: pure-ftpwho's KiB as bytes, ftpwho's bytes", async () => {
    const t2 = new Map([...(await reading('t2', ['pure-ftpwho'], 'pure-ftpwho')), ...(await reading('t2', ['ftpwho'], 'ftpwho'))]);
    expect(t2.get(422)).toMatchObject({ transferred: 624 * 1024, size: 65536 * 1024, percent: 1, rate: 62 * 1024 });
    expect(t2.get(414)).toMatchObject({ transferred: 552 * 1024, rate: 55 * 1024 });
    expect(t2.get(416)).toMatchObject({ transferred: 671744, percent: 1, rate: 67174 });
    expect(t2.get(417)?.transferred).toBeUndefined();
    for (const pid of [414, 416, 417, 422]) expect(t2.get(pid)?.transferFd).toBeUndefined();
  });

  it('a replay gets no file size from /proc: the stat would follow the capture, not the file', async () => {
    const t0 = await reading('t0', ['proc']);
    for (const pid of [416, 424]) expect([t0.get(pid)?.size, t0.get(pid)?.percent]).toEqual([undefined, undefined]);
  });
});
