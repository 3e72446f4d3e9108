import type { OutputFormat } from '../cli/invocation.js';
import type { Renderer } from './types.js';

/** format -> renderer, each loaded only when chosen. */
const RENDERERS: Record<OutputFormat, () => Promise<Renderer>> = {
  json: async () => (await import('./json.js')).renderJson,
  jsonpretty: async () => (await import('./json.js')).renderJsonPretty,
  yaml: async () => (await import('./yaml.js')).renderYaml,
  xml: async () => (await import('./xml.js')).renderXml,
  table: async () => (await import('./table.js')).renderTable,
};

export function loadRenderer(format: OutputFormat): Promise<Renderer> {
  return RENDERERS[format]();
}
