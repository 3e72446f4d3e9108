import { dump, visit } from 'js-yaml';
import type { Renderer } from './types.js';

const NULL_TAG = 'tag:yaml.org,2002:null';

/**
 * YAML as cPanel's YAML::Syck writes it: a `---` document start, sorted keys,
 * `~` for null, 4-space indent with sequence items under their key. Strings
 * that would read back as something else (`'7667'`, `'yes'`) are quoted, so
 * the YAML parses back to exactly the JSON document.
 */
export const renderYaml: Renderer = (envelope) => {
  const body = dump(envelope.document, {
    sortKeys: true,
    indent: 4,
    seqNoIndent: true,
    seqInlineFirst: false,
    lineWidth: -1,
    noRefs: true,
    transform: (documents) =>
      visit(documents, (node) => {
        if (node.kind === 'scalar' && node.tag === NULL_TAG) node.value = '~';
      }),
  });
  return { stdout: `---\n${body}`, stderr: [] };
};
