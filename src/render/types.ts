import type { Envelope } from '../envelope/types.js';

export interface RenderContext {
  /** colour level for the table: 0 none, 1 basic, 2 256, 3 truecolor */
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** the program name, for messages on stderr */
  readonly program: string;
}

export interface Rendered {
  readonly stdout: string;
  /** lines for stderr (human formats say warnings and errors there) */
  readonly stderr: readonly string[];
}

/**
 * The contract of a renderer (see render/README.md): a pure function of the
 * envelope. It never writes and never reads the environment; machine formats
 * never colour.
 */
export type Renderer = (envelope: Envelope, context: RenderContext) => Rendered;
