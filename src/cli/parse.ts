import { Command, CommanderError, Option } from 'commander';
import { functionsOf } from '../dispatch/table.js';
import { type AccountFiles, DEFAULT_ACCOUNT_FILES } from '../model/accounts.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT_BYTES } from '../runtime.js';
import { VERSION } from '../version.js';
import { parseFormArgs } from './form.js';
import {
  COLLECTOR_CHOICES,
  type CollectorChoice,
  type Dialect,
  type OutputFormat,
  OUTPUT_FORMATS,
  type InfoRequest,
  type ParseResult,
  SOURCE_IDS,
  type SourceId,
} from './invocation.js';

interface RawOptions {
  output?: string;
  user?: string;
  proftpdScoreboard?: string;
  ftpPasswdDir?: string;
  userdomains?: string;
  pureftpdPasswd?: string;
  collector: string;
  input?: string[];
  color?: boolean;
  debug?: boolean;
  extended?: boolean;
}

const PROGRAM: Record<Dialect, { name: string; description: string }> = {
  api2: { name: 'cpapi2', description: "List the FTP sessions open on this server, speaking cPanel API 2 as cPanel's cpapi2 does." },
  uapi: { name: 'uapi', description: "List and end the FTP sessions open on this server, speaking UAPI as cPanel's uapi does." },
  action: {
    name: 'ftpsessions',
    description: 'Answer one JSON action request on standard input (listSessions) with its JSON response.',
  },
};

/**
 * argv (without node and the script) and the environment -> Invocation, or
 * the text of --help/--version.
 */
export function parseArgv(
  dialect: Dialect,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParseResult {
  const actions = dialect === 'action';
  const program = dialectProgram(dialect);
  const info = parseWith(program, argv);
  if (info !== undefined) return info;

  const opts = program.opts<RawOptions>();
  const [module, func, words] = actions
    ? ['admin', '', []]
    : (program.processedArgs as [string | undefined, string | undefined, string[]]);
  const separate = separateValues(argv, program);
  const tookOption = separate.find((s) => s.value.startsWith('-') && program.options.some((o) => isFlag(o, s.value.split('=')[0] as string)));
  if (tookOption !== undefined) throw new UsageError(`${tookOption.option} needs a value: it took the option '${tookOption.value}'`);
  const output = actions ? 'json' : oneOf(OUTPUT_FORMATS, opts.output ?? 'yaml', '--output', 'an output format', separate);
  const collector = oneOf(COLLECTOR_CHOICES, opts.collector, '--collector', 'a collector', separate);
  if (module === undefined || func === undefined) {
    const last = separate.at(-1);
    const hint = last === undefined ? '' : `; did ${last.option} miss its value? (it took '${last.value}')`;
    if (module === undefined) throw new UsageError(`missing Module and function (for example: Ftp ${functionsOf(dialect)[0]?.func})${hint}`);
    throw new UsageError(`missing the function of module ${module}${hint}`);
  }
  const { inputs, argsFromStdin } = parseInputs(opts.input ?? [], !actions);

  return {
    kind: 'call',
    dialect,
    program: PROGRAM[dialect].name,
    user: opts.user,
    output,
    collector: collector as CollectorChoice,
    inputs,
    ...pathSettings(opts, env),
    color: opts.color,
    debug: opts.debug === true,
    module,
    func,
    args: parseFormArgs(words),
    argsFromStdin,
    extended: opts.extended === true,
  };
}

/** The commander program of a dialect (cpapi2, uapi, the JSON action front): its options, arguments and help. */
export function dialectProgram(dialect: Dialect): Command {
  const { name, description } = PROGRAM[dialect];
  const actions = dialect === 'action';
  const program = new Command(name).description(description);
  if (actions) {
    program.usage('[options] < request.json');
  } else {
    program
      .usage('[options] Module function [key=value ...]')
      .argument('[module]', 'API module, e.g. Ftp')
      .argument('[function]', 'function of that module')
      .argument('[args...]', 'function arguments as URI-encoded key=value pairs')
      .option('--output <format>', `output format: ${OUTPUT_FORMATS.join(', ')}`, 'yaml');
  }
  program
    .option('-u, --user <name>', 'the account whose sessions to list (required as root)')
    .option('--collector <name>', `(extension) where sessions come from: ${COLLECTOR_CHOICES.join(', ')}`, 'auto')
    .option(
      '--input <source=file>',
      actions
        ? `(extension, repeatable) replay a captured source instead of reading it: ${SOURCE_IDS.join(', ')}; a capture is UTF-8 text, at most ${READ_LIMIT_BYTES / 2 ** 20} MiB (proc: a directory)`
        : `json: function arguments as a JSON object on stdin; (extension, repeatable) SOURCE=FILE: replay a captured source instead of reading it: ${SOURCE_IDS.join(', ')}; FILE - is stdin; a capture is UTF-8 text, at most ${READ_LIMIT_BYTES / 2 ** 20} MiB (proc: a directory)`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--proftpd-scoreboard <path>',
      "(extension, root only) ProFTPD's scoreboard for ftpwho (default: the one the daemon's verified master holds open, else the ScoreboardFile of a root-owned proftpd.conf; env FTPSESSIONS_PROFTPD_SCOREBOARD)",
    )
    .option('--ftp-passwd-dir <dir>', `(extension, root only) cPanel's per-account FTP passwd files (default ${DEFAULT_ACCOUNT_FILES.ftpPasswdDir}; env FTPSESSIONS_FTP_PASSWD_DIR)`)
    .option('--userdomains <file>', `(extension, root only) domain-to-account map (default ${DEFAULT_ACCOUNT_FILES.userdomains}; env FTPSESSIONS_USERDOMAINS)`)
    .option('--pureftpd-passwd <file>', `(extension, root only) pure-pw's virtual users (default ${DEFAULT_ACCOUNT_FILES.pureftpdPasswd}; env FTPSESSIONS_PUREFTPD_PASSWD)`)
  if (!actions) {
    program
      .option(
        '--extended',
        '(extension) each session also gets the transfer detail: cwd, idle_seconds, percent, rate_bytes_per_second, size_bytes, transferred_bytes (null where unknown)',
      )
      .option('--color', '(extension) colour the table even when not on a terminal')
      .option('--no-color', '(extension) never colour the table');
  }
  program
    .addOption(new Option('--debug', '(extension) print the stack of an internal error'))
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .addHelpText('after', () => helpTrailer(dialect, name));
  return program;
}

/**
 * Parse argv with a commander program: its --help and --version text (an
 * InfoRequest), or undefined once parsed; a mistake is a one-line
 * UsageError (commander's suggestion kept on the line), after `prefix`.
 */
export function parseWith(program: Command, argv: readonly string[], prefix = ''): InfoRequest | undefined {
  let printed = '';
  program.exitOverride().configureOutput({
    writeOut: (text) => {
      printed += text;
    },
    writeErr: (text) => {
      printed += text;
    },
    outputError: () => {},
    getOutHelpWidth: () => 100,
    getErrHelpWidth: () => 100,
  });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return { kind: 'info', text: printed };
      // one line: commander puts its suggestion on a line of its own
      throw new UsageError(`${prefix}${err.message.replace(/^error: /, '').replace(/\n(\(Did you mean [^\n]*\?\))$/, ' $1')}`);
    }
    throw err;
  }
  return undefined;
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The path settings as the options (else the environment, else the
 * defaults) give them, and which of them the caller chose (overrides):
 * one reading for every front.
 */
export function pathSettings(
  opts: { proftpdScoreboard?: string | undefined; ftpPasswdDir?: string | undefined; userdomains?: string | undefined; pureftpdPasswd?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): { proftpdScoreboard: string | undefined; accountFiles: AccountFiles; overrides: string[] } {
  return {
    proftpdScoreboard: opts.proftpdScoreboard ?? nonEmpty(env.FTPSESSIONS_PROFTPD_SCOREBOARD),
    accountFiles: {
      ftpPasswdDir: opts.ftpPasswdDir ?? nonEmpty(env.FTPSESSIONS_FTP_PASSWD_DIR) ?? DEFAULT_ACCOUNT_FILES.ftpPasswdDir,
      userdomains: opts.userdomains ?? nonEmpty(env.FTPSESSIONS_USERDOMAINS) ?? DEFAULT_ACCOUNT_FILES.userdomains,
      pureftpdPasswd: opts.pureftpdPasswd ?? nonEmpty(env.FTPSESSIONS_PUREFTPD_PASSWD) ?? DEFAULT_ACCOUNT_FILES.pureftpdPasswd,
    },
    overrides: PATH_SETTINGS.filter((s) => opts[s.key] !== undefined || nonEmpty(env[s.env]) !== undefined).map((s) => (opts[s.key] !== undefined ? s.option : s.env)),
  };
}

/** The path settings a caller may override, by option or environment (Invocation.overrides). */
export const PATH_SETTINGS = [
  { key: 'proftpdScoreboard', option: '--proftpd-scoreboard', env: 'FTPSESSIONS_PROFTPD_SCOREBOARD' },
  { key: 'ftpPasswdDir', option: '--ftp-passwd-dir', env: 'FTPSESSIONS_FTP_PASSWD_DIR' },
  { key: 'userdomains', option: '--userdomains', env: 'FTPSESSIONS_USERDOMAINS' },
  { key: 'pureftpdPasswd', option: '--pureftpd-passwd', env: 'FTPSESSIONS_PUREFTPD_PASSWD' },
] as const;

/** An option whose value came as the next word (`--output json`, `-u bob`), as the user wrote it. */
interface SeparateValue {
  readonly option: string;
  readonly value: string;
}

/**
 * The options of argv that took the next word as their value, in order:
 * where a value is missing (`--output Ftp list_sessions`), the option took
 * the word meant for something else, and the error should say so.
 */
export function separateValues(argv: readonly string[], program: Command): SeparateValue[] {
  const found: SeparateValue[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') break;
    const option = program.options.find((o) => isFlag(o, word));
    if (option === undefined || !(option.required || option.optional)) continue;
    const value = argv[i + 1];
    if (value === undefined) break;
    found.push({ option: word, value });
    i++;
  }
  return found;
}

export function isFlag(option: Option, word: string): boolean {
  return option.long === word || option.short === word;
}

export function oneOf<T extends string>(choices: readonly T[], value: string, option: string, what: string, separate: readonly SeparateValue[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  if (separate.some((s) => s.value === value && s.option === option)) {
    throw new UsageError(`'${value}' is not ${what}; did ${option} miss its value? (${option} takes one of ${choices.join(', ')})`);
  }
  throw new UsageError(`${option} must be one of ${choices.join(', ')}, not '${value}'`);
}

/**
 * --input values -> the captures to replay. `jsonArgs`: `--input=json` reads
 * the function's arguments from stdin (cpapi2, uapi); `stdinTaken`: stdin
 * holds something else (the action request), so no capture may come from it.
 */
export function parseInputs(values: readonly string[], jsonArgs: boolean, stdinTaken = !jsonArgs): { inputs: Map<SourceId, string>; argsFromStdin: boolean } {
  const inputs = new Map<SourceId, string>();
  let argsFromStdin = false;
  for (const value of values) {
    if (jsonArgs && value === 'json') {
      argsFromStdin = true;
      continue;
    }
    const eq = value.indexOf('=');
    const source = eq === -1 ? value : value.slice(0, eq);
    const file = eq === -1 ? '' : value.slice(eq + 1);
    if (!(SOURCE_IDS as readonly string[]).includes(source)) {
      throw new UsageError(`--input takes SOURCE=FILE with SOURCE one of ${SOURCE_IDS.join(', ')}, not '${value}'`);
    }
    if (file === '') throw new UsageError(`--input ${source}= needs a file name (or - for standard input)`);
    if (inputs.has(source as SourceId)) throw new UsageError(`--input ${source} is given twice`);
    inputs.set(source as SourceId, file);
  }
  if (stdinTaken && [...inputs.values()].includes('-')) {
    throw new UsageError('the request comes on standard input: --input cannot read it too (-)');
  }
  if ([...inputs.values()].filter((file) => file === '-').length + (argsFromStdin ? 1 : 0) > 1) {
    throw new UsageError('only one --input can read standard input');
  }
  return { inputs, argsFromStdin };
}

function helpTrailer(dialect: Dialect, name: string): string {
  const sections = dialect === 'action' ? [ACTION_HELP] : [functionsHelp(dialect), OUTPUT_HELP];
  const example = functionsOf(dialect)[0]?.func ?? '';
  const examples =
    dialect === 'action'
      ? `  echo '{"api":"admin","action":"listSessions","requestId":"1"}' | ${name} --user=bob
  echo '{"action":"listSessions","responseOptions":{"dataFormat":"arrays"}}' | ${name} --input ps=ps.txt`
      : `  ${name} --user=bob --output=json Ftp ${example}
  ${name} --user=bob --input ps=ps.txt --input pure-ftpwho=who.txt Ftp ${example}
  echo '{"api.sort_column":"pid"}' | ${name} --user=bob --input=json Ftp ${example}`;
  return `
${[...sections, COLLECTORS_HELP, ACCOUNTS_HELP, exitHelp(dialect)].join('\n\n')}

Examples:
${examples}
  node scripts/capture.mjs DIR   (then --input proc=DIR/proc --input ps=DIR/ps.txt ...)
`;
}

function functionsHelp(dialect: Dialect): string {
  const lines = functionsOf(dialect).map((f) => `  ${`${f.module} ${f.func}`.padEnd(26)}${f.summary}`);
  return `Functions:\n${lines.join('\n')}`;
}

const OUTPUT_HELP = `Output formats (--output):
  yaml        the default, as cPanel's; '---', '~' for null, sorted keys
  json        compact, one line
  jsonpretty  3-space indent, "key" : value
  xml         one element per key, <data> repeated per row
  table       (extension) for people; coloured only on a terminal (NO_COLOR, FORCE_COLOR, --color/--no-color)`;

const ACTION_HELP = `Request (one JSON object on standard input):
  {"api":"admin","action":"listSessions","params":{"usernameFilter":["bob"]},"requestId":ANY,
   "responseOptions":{"dataFormat":"objects"|"arrays","numberFormat":"number"|"string"},"debug":"max"}
Response (one line on standard output):
  {"result":{"sessions":[{"pid","username","host","login","status","file","description"}]},
   "requestId":ANY,"errorCode":0,"errorMessage":""}
  login is ISO 8601 UTC; "arrays" gives "fieldNames" and one array per session.
Error codes:
  10001 the request is not JSON            10004 bad params (usernameFilter: 1 to 64 bytes each)
  10002 not a request we understand         10005 the account: unknown, the superuser, or not yours
  10003 unknown action                      10006 no source of sessions could be read
  10099 any other failure`;

export const COLLECTORS_HELP = `Collectors (--collector):
  auto         /proc (else ps), plus each running daemon's own list where the caller may
               read it: pure-ftpwho (root) for pure-ftpd, ftpwho for ProFTPD; merged by pid
               (a daemon's list only adds facts to the sessions /proc or ps found)
  proc         /proc read directly: titles, owners, start times, client addresses and open
               files (host and file of other users' sessions need root)
  ps           process titles only: no login name, host or file for pure-ftpd
  pure-ftpwho  pure-ftpd's own session list (root only)
  ftpwho       ProFTPD's own session list (ftpwho -o json)`;

export const ACCOUNTS_HELP = `Accounts:
  As root, --user is required and names a system account. Each session has one owner:
  the account its process runs as (a virtual user on a uid several accounts' virtual
  users share: the account whose root-owned FTP passwd file lists it). A login never
  moves a session onto or away from another account. As root, only a real daemon's
  process is a session (its program root's, under a root master of it). Any other
  caller sees exactly its own uid's sessions; --user may be omitted or name the caller,
  and the path options are root's. Sessions not yet logged in are never shown.`;

function exitHelp(dialect: Dialect): string {
  const failed = dialect === 'action' ? 'the request failed; the response with its errorCode is on stdout' : 'the function failed; the failure envelope is on stdout';
  return `Exit status:
  0   success, including an empty list, --help and --version
  1   ${failed}
  2   usage error (one line on stderr)
  70  internal error (one line on stderr; the stack with --debug)
  74  the output could not be written (a full disk, an I/O error; one line on stderr);
      a reader that went away (| head) is not an error`;
}
