import { Command, Option } from 'commander';
import { COMMANDS, type CommandEntry, NATIVE_FORMATS } from '../commands/table.js';
import { UsageError } from '../errors.js';
import type { RowFilter } from '../functions/native.js';
import { DEFAULT_ACCOUNT_FILES } from '../model/accounts.js';
import { NATIVE_KEYS, type NativeState } from '../model/native.js';
import type { Daemon } from '../model/observation.js';
import { READ_LIMIT_BYTES } from '../runtime.js';
import { VERSION } from '../version.js';
import { COLLECTOR_CHOICES, type CollectorChoice, type InfoRequest, type NativeInvocation, SOURCE_IDS } from './invocation.js';
import { COLLECTORS_HELP, oneOf, parseInputs, parseWith, pathSettings, separateValues } from './parse.js';

/** What `ftpsessions ARGV` asks for: a native command, help, or the JSON action API (no command, a request on stdin). */
export type NativeParse = NativeInvocation | InfoRequest | { readonly kind: 'action'; readonly argv: readonly string[] };

/** The options before a command that take the next word as their value (so that word is not the command). */
const VALUE_OPTIONS = new Set([
  '-u',
  '--user',
  '--collector',
  '--input',
  '--output',
  '--proftpd-scoreboard',
  '--ftp-passwd-dir',
  '--userdomains',
  '--pureftpd-passwd',
]);

const STATES: readonly NativeState[] = ['IDLE', 'DL', 'UL', 'AUTH'];
const DAEMONS: readonly Daemon[] = ['pure-ftpd', 'proftpd', 'vsftpd'];

interface RawOptions {
  user?: string[];
  collector?: string;
  input?: string[];
  output?: string;
  proftpdScoreboard?: string;
  ftpPasswdDir?: string;
  userdomains?: string;
  pureftpdPasswd?: string;
  state?: string[];
  host?: string[];
  login?: string[];
  daemon?: string[];
  includeUnauthenticated?: boolean;
  sort?: string;
  color?: boolean;
  debug?: boolean;
  [own: string]: string | boolean | string[] | undefined;
}

/**
 * argv of `ftpsessions` -> the command and its options. The command is the
 * first word that is not an option (nor the value of one); options may come
 * before it or after it. With no command: --help and --version answer;
 * otherwise, when standard input is not a terminal, it is the JSON action
 * API as before there were commands (`ftpsessions --user=bob < request.json`).
 */
export function parseNative(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  terminal: { readonly stdin: boolean; readonly stdout: boolean },
): NativeParse {
  let at = -1;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') break;
    if (word.startsWith('-') && word !== '-') {
      if (VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    at = i;
    break;
  }
  if (at === -1) {
    if (argv.includes('-h') || argv.includes('--help')) return { kind: 'info', text: overview() };
    if (argv.includes('-V') || argv.includes('--version')) return { kind: 'info', text: `${VERSION}\n` };
    if (!terminal.stdin) return { kind: 'action', argv };
    throw new UsageError(`missing command: one of ${[...Object.keys(COMMANDS), 'action'].join(', ')} (or a JSON action request on standard input)`);
  }
  const name = argv[at] as string;
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  if (name === 'action') return { kind: 'action', argv: rest };
  if (name === 'help') {
    const topic = rest.find((w) => !w.startsWith('-'));
    if (topic === undefined) return { kind: 'info', text: overview() };
    return parseNative([topic, '--help'], env, terminal);
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const near = Object.keys(COMMANDS).find((c) => editDistance(c, name) <= 2);
    throw new UsageError(`unknown command '${name}'${near === undefined ? '' : ` (Did you mean ${near}?)`}; the commands are ${[...Object.keys(COMMANDS), 'action'].join(', ')}`);
  }
  try {
    return parseCommand(name, entry, rest, env, terminal);
  } catch (err) {
    if (entry.plugin !== undefined && err instanceof UsageError) throw new PluginFailure(entry.plugin.label, err.message);
    throw err;
  }
}

/** A monitoring plugin's failure: `LABEL UNKNOWN - why` on stdout, exit 3 (run.ts). */
export class PluginFailure extends Error {
  constructor(
    readonly label: string,
    message: string,
  ) {
    super(message);
  }
}

/** The commander program of a native command (its entry in the command table): its options, arguments and help. */
export function commandProgram(name: string, entry: CommandEntry): Command {
  const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
  const program = new Command(`ftpsessions ${name}`).description(entry.summary).usage(entry.usage).allowExcessArguments(false);
  if (entry.sessions) {
    program
      .option('-u, --user <name>', 'only the sessions of this account (repeatable; root: default every account; others: only their own)', collect)
      .option('--collector <name>', `where sessions come from: ${COLLECTOR_CHOICES.join(', ')}`, 'auto')
      .option(
        '--input <source=file>',
        `(repeatable) replay a captured source instead of reading it: ${SOURCE_IDS.join(', ')}; FILE - is stdin; UTF-8 text, at most ${READ_LIMIT_BYTES / 2 ** 20} MiB (proc: a directory)`,
        collect,
      )
      .option('--proftpd-scoreboard <path>', "(root only) ProFTPD's scoreboard for ftpwho (env FTPSESSIONS_PROFTPD_SCOREBOARD)")
      .option('--ftp-passwd-dir <dir>', `(root only) cPanel's per-account FTP passwd files (default ${DEFAULT_ACCOUNT_FILES.ftpPasswdDir})`)
      .option('--userdomains <file>', `(root only) domain-to-account map (default ${DEFAULT_ACCOUNT_FILES.userdomains})`)
      .option('--pureftpd-passwd <file>', `(root only) pure-pw's virtual users (default ${DEFAULT_ACCOUNT_FILES.pureftpdPasswd})`);
  }
  if (entry.filters) {
    program
      .option('--state <states>', `only sessions in these states: ${STATES.join(', ')} (comma-separated, repeatable; AUTH implies --include-unauthenticated)`, collect)
      .option('--host <addr>', 'only sessions from this client address (repeatable)', collect)
      .option('--login <name>', 'only sessions of this FTP login (repeatable)', collect)
      .option('--daemon <name>', `only sessions of this daemon: ${DAEMONS.join(', ')} (repeatable)`, collect)
      .option('--include-unauthenticated', '(root only) also the sessions that have connected but not logged in, as state AUTH');
  }
  for (const a of entry.arguments ?? []) program.argument(a.name, a.description);
  for (const o of entry.options) {
    if (o.repeatable === true) program.option(o.flags, o.description, collect);
    else program.option(o.flags, o.description);
  }
  if (entry.formats !== undefined) {
    program.option('--output <format>', `${entry.formats.join(', ')} (default: ${entry.formats[0]} on a terminal, ${entry.formats[1]} otherwise)`);
    program.option('--color', 'colour even when not on a terminal').option('--no-color', 'never colour');
  }
  program
    .addOption(new Option('--debug', 'print the stack of an internal error'))
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .addHelpText('after', () => `\n${[entry.help, entry.sessions ? ACCOUNTS : undefined, entry.sessions ? COLLECTORS_HELP : undefined, EXIT].filter(Boolean).join('\n\n')}\n`);
  return program;
}

function parseCommand(
  name: string,
  entry: CommandEntry,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  terminal: { readonly stdin: boolean; readonly stdout: boolean },
): NativeInvocation | InfoRequest {
  const program = commandProgram(name, entry);
  const info = parseWith(program, argv, `${name}: `);
  if (info !== undefined) return info;
  const opts = program.opts<RawOptions>();
  const separate = separateValues(argv, program);
  const tookOption = separate.find((s) => s.value.startsWith('-') && s.value !== '-' && program.options.some((o) => o.long === s.value.split('=')[0] || o.short === s.value));
  if (tookOption !== undefined) throw new UsageError(`${name}: ${tookOption.option} needs a value: it took the option '${tookOption.value}'`);

  const output = entry.formats === undefined ? undefined : oneOf(entry.formats, opts.output ?? (terminal.stdout ? entry.formats[0] : entry.formats[1]), '--output', 'an output format here', separate);
  const collector = oneOf(COLLECTOR_CHOICES, opts.collector ?? 'auto', '--collector', 'a collector', separate) as CollectorChoice;
  const { inputs } = parseInputs(opts.input ?? [], false, false);
  const states = listOption(opts.state, '--state', (v) => v.toUpperCase(), STATES);
  const filter: RowFilter = {
    states,
    hosts: set(opts.host?.map((h) => h.toLowerCase())),
    logins: set(opts.login?.map((l) => l.toLowerCase())),
    daemons: listOption(opts.daemon, '--daemon', (v) => v.toLowerCase(), DAEMONS),
  };
  const sort = (opts.sort ?? '').split(',').filter((k) => k !== '');
  for (const key of sort) {
    if (!(NATIVE_KEYS as readonly string[]).includes(key.replace(/^-/, ''))) {
      throw new UsageError(`${name}: --sort takes keys of ${NATIVE_KEYS.join(', ')} (-KEY: descending), not '${key}'`);
    }
  }
  const own: Record<string, string | boolean | string[] | undefined> = {};
  for (const o of entry.options) {
    const key = program.options.find((p) => p.flags === o.flags)?.attributeName();
    if (key !== undefined) own[key] = opts[key];
  }
  return {
    kind: 'native',
    command: name,
    program: 'ftpsessions',
    query: {
      users: opts.user ?? [],
      includeUnauthenticated: opts.includeUnauthenticated === true || states?.has('AUTH') === true,
      collector,
      inputs,
      ...pathSettings(opts, env),
      filter,
      sort,
    },
    output,
    color: opts.color,
    debug: opts.debug === true,
    options: own,
    words: (program.processedArgs as Array<string | undefined>).filter((w): w is string => w !== undefined),
  };
}

function set(values: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return values === undefined || values.length === 0 ? undefined : new Set(values);
}

/** A repeatable, comma-separated option whose values come from a list. */
function listOption<T extends string>(values: readonly string[] | undefined, option: string, norm: (v: string) => string, choices: readonly T[]): ReadonlySet<T> | undefined {
  if (values === undefined) return undefined;
  const out = new Set<T>();
  for (const value of values.flatMap((v) => v.split(','))) {
    const v = norm(value.trim());
    if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${option} takes ${choices.join(', ')}, not '${value}'`);
    out.add(v as T);
  }
  return out;
}

/** A whole number option in [min, max], or the default when not given. */
export function intOption(value: string | boolean | string[] | undefined, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  if (!/^\d{1,15}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${option} takes a whole number from ${min} to ${max}, not '${text}'`);
  }
  return Number(text);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j] as number;
      row[j] = Math.min(here + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length] as number;
}

const ACCOUNTS = `Accounts:
  As root: every account's sessions (--user narrows to some), each with its ACCOUNT:
  the one account its process runs as (a virtual user on a uid several accounts'
  virtual users share: the account whose root-owned FTP passwd file lists it); only a
  real daemon's process counts. Anyone else: exactly their own uid's sessions (--user
  may only name themselves), and the path options and --include-unauthenticated are
  root's.`;

const EXIT = `Exit status:
  0   success, including an empty list
  1   failure (one line on stderr); kill: nothing matched, or not everything matched was ended
  2   usage error (one line on stderr)
  70  internal error (the stack with --debug)
  74  the output could not be written; a reader that went away (| head) is not an error`;

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length), 6) + 2;
  const lines = Object.entries(COMMANDS).map(([n, e]) => `  ${n.padEnd(width)}${e.summary}`);
  lines.push(`  ${'action'.padEnd(width)}answer one JSON action request on standard input (listSessions)`);
  return `Usage: ftpsessions COMMAND [options]
       ftpsessions [action] [options] < request.json

Who is connected to this server's FTP daemons (pure-ftpd, ProFTPD, vsftpd) right now,
with transfer progress; end sessions. cpapi2 and uapi speak cPanel's dialects.

Commands:
${lines.join('\n')}

Output formats (--output): ${NATIVE_FORMATS.join(', ')} (table on a terminal, json otherwise)
Run 'ftpsessions COMMAND --help' for a command's options. With no command and a JSON
document on standard input, ftpsessions answers it as 'ftpsessions action' does.

Options:
  -V, --version  print the version and exit
  -h, --help     print this help and exit

${EXIT}

Examples:
  ftpsessions list
  ftpsessions list --state DL,UL --sort -rate_bytes_per_second --output json | jq .
  ftpsessions kill --login bob@example.com --yes
  ftpsessions top -d 1
  echo '{"action":"listSessions"}' | ftpsessions --user=bob
`;
}
