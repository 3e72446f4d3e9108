// XML reads back (fast-xml-parser, which like any XML parser turns a literal
// CR into LF) to the document, less what XML 1.0 cannot carry.
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderXml } from '../../src/render/xml.js';
import { envelopeOf, hostileDocument, PIECES } from './hostile.js';
import { asXmlSees, withoutIndentation } from './xml-shape.js';

const CONTEXT = { colorLevel: 0, program: 'uapi' } as const;
const xml = (document: Record<string, unknown>) => renderXml(envelopeOf(document), CONTEXT).stdout;
const parser = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true, // character references such as &#13;
  isArray: (tag) => ['data', 'errors', 'warnings', 'messages'].includes(tag),
});

/** What XML 1.0 can carry of a string: its Char production, less DEL (which the renderer drops as a control). */
const carried = (value: unknown): unknown => {
  if (typeof value === 'string') return value.replace(/[^\t\n\r\u0020-\u007E\u0080-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
  if (Array.isArray(value)) return value.map(carried);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, carried(v)]));
  return value;
};

function expectReadBack(document: Record<string, unknown>): void {
  const text = xml(document);
  expect(text.startsWith('<?xml version="1.0" ?>\n')).toBe(true);
  expect(withoutIndentation(parser.parse(text).result), text).toEqual(asXmlSees(carried(JSON.parse(JSON.stringify(document)))));
}

describe('XML text', () => {
  it('writes CR as &#13; (a parser turns a literal CR into LF), so it reads back as CR', () => {
    const out = xml({ file: 'a\rb\r\nc' });
    expect(out).toContain('<file>a&#13;b&#13;\nc</file>');
    expect(out).not.toContain('\r');
    expect(parser.parse(out).result.file).toBe('a\rb\r\nc');
  });

  it('escapes markup and removes what XML 1.0 cannot carry', () => {
    expect(xml({ file: `<a>&"b'\u0001\u007f\ufffe\ud800]]>` })).toContain('<file>&lt;a&gt;&amp;&quot;b&apos;]]&gt;</file>');
  });

  it('every hostile piece, alone and between letters, reads back', () => {
    for (const p of PIECES) for (const v of [p, `a${p}`, `${p}b`, ` ${p} `]) expectReadBack({ file: v });
  });

  it('arbitrary documents of hostile strings read back (property)', () => {
    fc.assert(fc.property(hostileDocument(), (document) => expectReadBack(document)), { numRuns: 300 });
  });
});
