/**
 * The interactive terminal a full-screen command (top) draws on and reads
 * keys from. src/main.ts gives the real one (src/terminal/node.ts); tests
 * give their own.
 */
export interface Key {
  /** the key's name as node:readline names it (`q`, `up`, `space`, `return`, `escape`, ...) */
  readonly name?: string | undefined;
  /** the bytes the key sent */
  readonly sequence: string;
  readonly ctrl: boolean;
  readonly shift: boolean;
}

export interface Terminal {
  /** the size now (it changes: see onResize) */
  readonly columns: number;
  readonly rows: number;
  /** write text, escape sequences included, to the terminal */
  write(text: string): void;
  /** full screen: the alternate screen, keys one by one without echo, the cursor hidden */
  enter(): void;
  /** back to the screen, modes and cursor exactly as they were before enter() */
  leave(): void;
  onKey(handler: (key: Key) => void): () => void;
  onResize(handler: () => void): () => void;
}
