// cPanel's post-processing through the whole pipeline (the engine itself: test/postprocess/).
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture } from '../helpers/runtime.js';

const FILES = { '/cap/ps': fixture('pure-ftpd/02-tricky.ps.txt'), '/cap/who': fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt') };
const REPLAY = ['--user=alice', '--output=json', '--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who'];

async function call(dialect: 'uapi' | 'api2', args: string[], stdin?: string) {
  const rt = createTestRuntime({ files: FILES, ...(stdin === undefined ? {} : { stdin }), argv: [...REPLAY, 'Ftp', dialect === 'uapi' ? 'list_sessions' : 'listftpsessions', ...args] });
  const code = await run(dialect, rt);
  return { code, doc: JSON.parse(rt.out) };
}

describe('api.* (UAPI)', () => {
  it('filters, sorts, pages and picks columns, with the figures in metadata', async () => {
    const { code, doc } = await call('uapi', [
      // contains (the default) is case-blind: DL is in IDLE too; eq is exact
      'api.filter_column=status', 'api.filter_type=eq', 'api.filter_term=DL',
      'api.sort_column=pid', 'api.sort_method=numeric', 'api.sort_reverse=1',
      'api.paginate_start=2', 'api.paginate_size=3',
      'api.columns_1=pid', 'api.columns_2=file', 'api.columns_3=status',
    ]);
    expect(code).toBe(0);
    expect(doc.result.data).toEqual([
      { pid: 25776, file: expect.stringMatching(/^L+-long-name-/), status: 'DL' },
      { pid: 25760, file: `quote"s and 'apostrophes'.bin`, status: 'DL' },
      { pid: 25711, file: 'naïve résumé.txt', status: 'DL' },
    ]);
    expect(doc.result.metadata).toEqual({
      transformed: 1,
      records_before_filter: 15,
      paginate: { total_results: 8, total_pages: 3, start_result: 2, results_per_page: '3', current_page: 1 },
    });
    expect(doc.result.messages).toBeNull();
  });

  it('a page past the end fails the call, as cPanel does', async () => {
    const { code, doc } = await call('uapi', ['api.paginate_start=17']);
    expect([code, doc.result.status, doc.result.errors]).toEqual([1, 0, ['The start index (16) is larger than the total number of results (15).']]);
  });

  it('says which arguments are invalid, in messages', async () => {
    const { code, doc } = await call('uapi', ['api.filter_column=user', 'api.filter_type=bogus', 'api.filter_term=x']);
    expect(code).toBe(0);
    expect(doc.result.data).toHaveLength(15);
    expect(doc.result.messages[0]).toMatch(/^The following “filter” arguments are invalid: .*“bogus” is not a valid filter type\./);
  });

  it('guards matches: a catastrophic pattern still answers at once', async () => {
    const t0 = Date.now();
    const { code } = await call('uapi', ['api.filter_column=file', 'api.filter_type=matches', `api.filter_term=${encodeURIComponent('(a+)+$')}`]);
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('takes its arguments from --input=json too', async () => {
    const { doc } = await call('uapi', ['--input=json'], '{"api.columns_0": "pid", "api.paginate_size": 2}');
    expect(doc.result.data).toEqual([{ pid: 24393 }, { pid: 24498 }]);
  });
});

describe('api2_* (API 2)', () => {
  it('filters with the switch on, and reports the figures next to data', async () => {
    const { code, doc } = await call('api2', ['api2_filter=1', 'api2_filter_column=host', 'api2_filter_type=eq', 'api2_filter_term=::1', 'api2_columns=1', 'api2_columns_a=pid', 'api2_columns_b=host', 'api2_columns_c=nope']);
    expect(code).toBe(0);
    // columns come first (as in cPanel): a filter on a column not kept would see nothing
    expect(doc.cpanelresult.data).toEqual([
      { pid: '24498', host: '::1' },
      { pid: '24563', host: '::1' },
    ]);
    expect(doc.cpanelresult.records_before_filter).toBe(15);
    expect(doc.cpanelresult.invalid_columns).toEqual(['nope']);
  });

  it('ignores filter arguments without the switch', async () => {
    const { doc } = await call('api2', ['api2_filter_column=host', 'api2_filter_term=::1']);
    expect(doc.cpanelresult.data).toHaveLength(15);
  });
});
