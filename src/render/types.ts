import type { Envelope } from '../envelope/types.js';

export interface RenderContext {
  /** colour level for the table: 0 none, 1 basic, 2 256, 3 truecolor */
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** the program name, for messages on stderr */
  readonly program: string;
  /**
   * the terminal's width, which the table fits: process.stdout.columns when
   * stdout is a terminal (80 when its width is unknown); undefined off a
   * terminal, where the table is not narrowed
   */
  readonly columns?: number | undefined;
  /**
   * whether the locale's character set is UTF-8 (the first set of LC_ALL,
   * LC_CTYPE, LANG mentions UTF-8 or utf8): box-drawing borders and `…`;
   * false: `+ - |` and `...`, no non-ASCII character of ours. Undefined: true.
   */
  readonly unicode?: boolean | undefined;
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
