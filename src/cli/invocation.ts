import type { AccountFiles } from '../model/accounts.js';

/** What the command line asks for: the parser's only output. */
/** api2: cpapi2; uapi: uapi; action: ftpsessions (a JSON action request on stdin) */
export const DIALECTS = ['api2', 'uapi', 'action'] as const;
export type Dialect = (typeof DIALECTS)[number];

export const OUTPUT_FORMATS = ['yaml', 'json', 'jsonpretty', 'xml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const COLLECTOR_CHOICES = ['auto', 'proc', 'ps', 'pure-ftpwho', 'ftpwho'] as const;
export type CollectorChoice = (typeof COLLECTOR_CHOICES)[number];

/** Sources that `--input SOURCE=FILE` can replay. */
export const SOURCE_IDS = ['proc', 'ps', 'pure-ftpwho', 'ftpwho'] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

export interface Invocation {
  readonly kind: 'call';
  readonly dialect: Dialect;
  /** the program name as the user knows it: cpapi2, uapi or ftpsessions */
  readonly program: string;
  readonly user: string | undefined;
  readonly output: OutputFormat;
  readonly collector: CollectorChoice;
  /** replayed captures: source -> file path, `-` for standard input */
  readonly inputs: ReadonlyMap<SourceId, string>;
  /** ProFTPD's scoreboard (--proftpd-scoreboard, else FTPSESSIONS_PROFTPD_SCOREBOARD) */
  readonly proftpdScoreboard: string | undefined;
  /** where the server keeps its FTP accounts (options, else environment, else cPanel's paths) */
  readonly accountFiles: AccountFiles;
  /**
   * The path settings the caller chose, as written: `--proftpd-scoreboard`,
   * `--ftp-passwd-dir`, `--userdomains`, `--pureftpd-passwd` when given as
   * options, else `FTPSESSIONS_PROFTPD_SCOREBOARD`, `FTPSESSIONS_FTP_PASSWD_DIR`,
   * `FTPSESSIONS_USERDOMAINS`, `FTPSESSIONS_PUREFTPD_PASSWD` when set (and not
   * empty) in the environment; in that order, each at most once. Empty when
   * every path is the default.
   */
  readonly overrides: readonly string[];
  /** undefined: decide from the environment and the terminal */
  readonly color: boolean | undefined;
  readonly debug: boolean;
  readonly module: string;
  readonly func: string;
  /** decoded key=value arguments, repeated keys as key, key-0, key-1, ... */
  readonly args: Readonly<Record<string, string>>;
  /** --input=json: more arguments come as a JSON object on standard input */
  readonly argsFromStdin: boolean;
  /** --extended (cpapi2, uapi): each session row also carries the transfer detail keys */
  readonly extended: boolean;
}

/** --help and --version: print the text and exit 0. */
export interface InfoRequest {
  readonly kind: 'info';
  readonly text: string;
}

/** A command of the native front (`ftpsessions list`, ...): commands/table.ts. */
export interface NativeInvocation {
  readonly kind: 'native';
  readonly command: string;
  readonly program: 'ftpsessions';
  /** which sessions (for the commands that read them) */
  readonly query: import('../functions/native.js').NativeQuery;
  /** undefined for a command that has no --output (top) */
  readonly output: import('../commands/table.js').NativeFormat | undefined;
  readonly color: boolean | undefined;
  readonly debug: boolean;
  /** the command's own options as commander parsed them (camelCase keys) */
  readonly options: Readonly<Record<string, string | boolean | string[] | undefined>>;
  /** the words after the command name that its table entry declares (`token create`) */
  readonly words: readonly string[];
}

export type ParseResult = Invocation | InfoRequest;
