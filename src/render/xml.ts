import XMLBuilder from 'fast-xml-builder';
import type { Renderer } from './types.js';

/**
 * XML in XML::Simple's NoAttr shape: `<?xml version="1.0" ?>`, the root
 * (`cpanelresult` for API 2, `result` for UAPI), one element per key, an
 * element repeated per array item (so `<data>` per row), null as an empty
 * element. Text is escaped (`& < > ' "`, and CR as `&#13;`, which a parser
 * would otherwise turn into LF); characters XML 1.0 cannot carry are removed.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '>': '&gt;', '<': '&lt;', "'": '&apos;', '"': '&quot;', '\r': '&#13;' };
const ESCAPED = /[&<>'"\r]/g;

export const renderXml: Renderer = (envelope) => {
  const builder = new XMLBuilder({
    format: true,
    indentBy: '  ',
    suppressEmptyNode: false,
    // the escaping is ours, so that CR can be a character reference
    processEntities: false,
    tagValueProcessor: (_name, value) => String(value).replace(ESCAPED, (c) => ESCAPES[c] ?? c),
  });
  const body = builder.build({ [envelope.xmlRoot]: clean(envelope.xmlContent) }) as string;
  return { stdout: `<?xml version="1.0" ?>\n${body.trimEnd()}\n`, stderr: [] };
};

function clean(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(FORBIDDEN, '');
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)]));
  }
  return value;
}
