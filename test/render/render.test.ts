// Every output format in both dialects, as file snapshots reviewed like code;
// YAML and XML parsed back and compared with the JSON.
import { XMLParser } from 'fast-xml-parser';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/run.js';
import { createTestRuntime, fixture } from '../helpers/runtime.js';
import { asXmlSees, withoutIndentation } from './xml-shape.js';

const FILES = {
  '/cap/ps': fixture('pure-ftpd/02-tricky.ps.txt'),
  '/cap/who': fixture('pure-ftpd/02-tricky.pure-ftpwho-sH.txt'),
};
const FUNC = { api2: 'listftpsessions', uapi: 'list_sessions' } as const;
const EXT = { json: 'json', jsonpretty: 'json', yaml: 'yaml', xml: 'xml', table: 'txt' } as const;

const CASES = {
  // alice's 15 sessions: spaces, `|`, quotes, UTF-8, a 246-byte and a 1023-byte name
  sessions: ['--user=alice', '--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who'],
  // ps alone: a warning, no hosts or files
  'ps-only': ['--user=ftpvirt', '--input', 'ps=/cap/ps'],
  empty: ['--user=nobody', '--input', 'ps=/cap/ps', '--input', 'pure-ftpwho=/cap/who'],
  failure: ['--user=zed', '--input', 'ps=/cap/ps'],
} as const;

async function render(dialect: 'api2' | 'uapi', format: keyof typeof EXT, args: readonly string[], env: Record<string, string> = { LANG: 'C.UTF-8' }, isTTY = false) {
  const rt = createTestRuntime({ files: FILES, env, isTTY, argv: [...args, `--output=${format}`, 'Ftp', FUNC[dialect]] });
  const code = await run(dialect, rt);
  return { code, out: rt.out, err: rt.err };
}

describe.each(['api2', 'uapi'] as const)('%s', (dialect) => {
  describe.each(Object.keys(CASES) as (keyof typeof CASES)[])('%s', (name) => {
    it.each(Object.keys(EXT) as (keyof typeof EXT)[])('%s', async (format) => {
      const { code, out, err } = await render(dialect, format, CASES[name]);
      expect(code).toBe(name === 'failure' ? 1 : 0);
      await expect(out + (err === '' ? '' : `--- stderr ---\n${err}`)).toMatchFileSnapshot(
        `../__snapshots__/render/${dialect}.${name}.${format}.${EXT[format]}`,
      );
      expect(out).not.toMatch(/\u001b\[/); // never colour when not asked
    });

    it('YAML and XML parse back to the JSON', async () => {
      const json = JSON.parse((await render(dialect, 'json', CASES[name])).out);
      expect(JSON.parse((await render(dialect, 'jsonpretty', CASES[name])).out)).toEqual(json);

      const yaml = (await render(dialect, 'yaml', CASES[name])).out;
      expect(yaml.startsWith('---\n')).toBe(true);
      expect(load(yaml)).toEqual(json);

      const xml = (await render(dialect, 'xml', CASES[name])).out;
      expect(xml.startsWith('<?xml version="1.0" ?>\n')).toBe(true);
      const parser = new XMLParser({
        parseTagValue: false,
        trimValues: false,
        isArray: (tag) => ['data', 'errors', 'warnings', 'messages'].includes(tag),
      });
      const root = dialect === 'api2' ? 'cpanelresult' : 'result';
      const parsed = withoutIndentation(parser.parse(xml)[root]);
      const expected = asXmlSees(dialect === 'api2' ? json.cpanelresult : json);
      expect(parsed).toEqual(expected);
    });
  });
});

describe('XML', () => {
  it('escapes markup and removes characters XML cannot carry', async () => {
    const title = 'proftpd: alice - localhost: RETR <a>&"b"\u0001\u0007.bin';
    const ps = fixture('pure-ftpd/02-tricky.ps.txt').replace(/pure-ftpd \(IDLE\)\s*$/m, title);
    const rt = createTestRuntime({ files: { '/cap/ps': ps }, argv: ['--user=alice', '--output=xml', '--input', 'ps=/cap/ps', 'Ftp', 'list_sessions'] });
    expect(await run('uapi', rt)).toBe(0);
    expect(rt.out).toContain('<file>&lt;a&gt;&amp;&quot;b&quot;.bin</file>');
    expect(rt.out).not.toMatch(/[\u0001\u0007]/);
  });
});

describe('table colour', () => {
  const args = CASES.sessions;
  const coloured = /\u001b\[/;
  it.each([
    ['a terminal', {}, true, true],
    ['a pipe', {}, false, false],
    ['NO_COLOR on a terminal', { NO_COLOR: '1' }, true, false],
    ['TERM=dumb', { TERM: 'dumb' }, true, false],
    ['FORCE_COLOR=1 in a pipe', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, true, false],
  ])('%s', async (_name, env, isTTY, expected) => {
    const { out } = await render('uapi', 'table', args, env as Record<string, string>, isTTY);
    expect(coloured.test(out)).toBe(expected);
  });

  it('--color and --no-color win over the environment', async () => {
    expect(coloured.test((await render('uapi', 'table', [...args, '--color'], { NO_COLOR: '1' })).out)).toBe(true);
    expect(coloured.test((await render('uapi', 'table', [...args, '--no-color'], { FORCE_COLOR: '1' }, true)).out)).toBe(false);
  });

  it('machine formats are never coloured, even when forced', async () => {
    for (const format of ['json', 'jsonpretty', 'yaml', 'xml'] as const) {
      expect(coloured.test((await render('uapi', format, [...args, '--color'], { FORCE_COLOR: '3' }, true)).out)).toBe(false);
    }
  });
});
