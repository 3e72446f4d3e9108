import type { CollectorChoice, Dialect, SourceId } from '../cli/invocation.js';
import { ExitCode } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { choicesOfArgument, choicesOfDescription, commandOptions, dialectOptions, type OptionInfo, summary } from './options.js';
import { type Answer, type Candidate, formatAnswer } from './protocol.js';
import type { SessionQuery } from './sessions.js';

/**
 * `ftpsessions __complete CWORD -- WORDS...`: the candidates for word CWORD
 * of WORDS (WORDS[0] the command being completed: cpapi2, uapi or
 * ftpsessions), one a line (protocol.ts). Called by the completion scripts
 * at each Tab: it reads no more than the answer needs; a failure to read
 * sessions gives no candidates, never an error.
 */
export async function complete(args: readonly string[], runtime: Runtime): Promise<number> {
  const [cwordText, dash, ...words] = args;
  if (cwordText === undefined || !/^\d{1,4}$/.test(cwordText) || dash !== '--' || words.length === 0) {
    runtime.stderr.write('ftpsessions: __complete takes CWORD -- WORDS... (the completion scripts call it)\n');
    return ExitCode.usage;
  }
  const cword = Math.max(1, Number(cwordText));
  const current = words[cword] ?? '';
  const answer = await candidates(words.slice(0, cword), current, runtime);
  runtime.stdout.write(formatAnswer(answer, answer.kind === 'words' ? current : ''));
  return ExitCode.ok;
}

/** The dialect a command name speaks: the name it was called by, as the binary decides it. */
export function dialectOf(command: string): Dialect {
  const name = command.slice(command.lastIndexOf('/') + 1);
  return name === 'cpapi2' ? 'api2' : name === 'uapi' ? 'uapi' : 'action';
}

/** What the words before the current one say. */
interface Line {
  readonly positional: string[];
  /** option (long form) -> its values, in order */
  readonly given: Map<string, string[]>;
  /** switches given (long form) */
  readonly switches: Set<string>;
  /** the option whose value the current word is */
  readonly expecting: OptionInfo | undefined;
  readonly afterDashDash: boolean;
}

function findOption(options: readonly OptionInfo[], flag: string): OptionInfo | undefined {
  return options.find((o) => o.long === flag || o.short === flag);
}

/** Walk the words before the current one as the parser would: options (and their values) apart from positional words. */
async function readLine(words: readonly string[], optionsFor: (positional: readonly string[]) => Promise<readonly OptionInfo[]>): Promise<Line> {
  const positional: string[] = [];
  const given = new Map<string, string[]>();
  const switches = new Set<string>();
  let expecting: OptionInfo | undefined;
  let afterDashDash = false;
  const add = (o: OptionInfo, value: string) => given.set(o.long, [...(given.get(o.long) ?? []), value]);
  for (const word of words) {
    if (expecting !== undefined) {
      add(expecting, word);
      expecting = undefined;
      continue;
    }
    if (!afterDashDash && word === '--') {
      afterDashDash = true;
      continue;
    }
    if (!afterDashDash && word.startsWith('-') && word !== '-') {
      const options = await optionsFor(positional);
      const eq = word.indexOf('=');
      const flag = eq === -1 ? word : word.slice(0, eq);
      const short = /^-[A-Za-z]./.test(word) ? findOption(options, word.slice(0, 2)) : undefined;
      const option = findOption(options, flag);
      if (option?.value !== undefined) {
        if (eq === -1) expecting = option;
        else add(option, word.slice(eq + 1));
      } else if (option !== undefined) {
        switches.add(option.long);
      } else if (short?.value !== undefined) {
        add(short, word.slice(2)); // -ubob
      }
      continue;
    }
    positional.push(word);
  }
  return { positional, given, switches, expecting, afterDashDash };
}

async function candidates(before: readonly string[], current: string, runtime: Runtime): Promise<Answer> {
  const dialect = dialectOf(before[0] ?? '');
  if (dialect === 'action') return nativeCandidates(before.slice(1), current, runtime);
  const options = await dialectOptions(dialect);
  const line = await readLine(before.slice(1), async () => options);
  const values = await optionValues(line, current, options, runtime, dialect, undefined);
  if (values !== undefined) return values;
  if (current.startsWith('-') && !line.afterDashDash) return optionWords(options, current);
  const { functionsOf } = await import('../dispatch/table.js');
  const functions = functionsOf(dialect);
  const [module, func] = line.positional;
  if (module === undefined) {
    return words([...new Set(functions.map((f) => f.module))].map((m) => ({ value: m, description: 'API module' })));
  }
  if (func === undefined) return words(functions.filter((f) => f.module === module).map((f) => ({ value: f.func, description: f.summary })));
  // loaded only here: the post-processing tables it names bring the regular expression engine
  const { argumentKeys, argumentValues, valueWords } = await import('./arguments.js');
  const eq = current.indexOf('=');
  if (eq === -1) {
    return words(argumentKeys(module, func, line.positional.slice(2)).map((k) => ({ value: `${k.key}=`, description: k.description })));
  }
  const key = current.slice(0, eq);
  const kind = argumentValues(module, func, key);
  if (kind === 'pids-or-all') {
    const { pidCandidates } = await import('./sessions.js');
    return words(prefixed(`${key}=`, [{ value: 'all', description: 'every one of your sessions' }, ...(await pidCandidates(await sessionQuery(line, runtime), runtime))]));
  }
  return words(prefixed(`${key}=`, valueWords(kind, line.switches.has('--extended')).map((value) => ({ value }))));
}

async function nativeCandidates(before: readonly string[], current: string, runtime: Runtime): Promise<Answer> {
  const { COMMANDS } = await import('../commands/table.js');
  const cache = new Map<string, OptionInfo[]>();
  const commandOf = (positional: readonly string[]) => {
    const name = positional[0];
    return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
  };
  // before the command, the options every session-reading command takes (list's)
  const optionsFor = async (positional: readonly string[]): Promise<OptionInfo[]> => {
    const name = commandOf(positional) ?? 'list';
    let options = cache.get(name);
    if (options === undefined) cache.set(name, (options = await commandOptions(name)));
    return options;
  };
  const line = await readLine(before, optionsFor);
  const command = commandOf(line.positional);
  const options = await optionsFor(line.positional);
  const values = await optionValues(line, current, options, runtime, 'action', command === undefined ? undefined : COMMANDS[command]?.formats);
  if (values !== undefined) return values;
  if (current.startsWith('-') && !line.afterDashDash) {
    return command === undefined ? optionWords(options.filter((o) => o.long === '--help' || o.long === '--version'), current) : optionWords(options, current);
  }
  const commands = (): Candidate[] => [
    ...Object.entries(COMMANDS).map(([name, entry]) => ({ value: name, description: entry.summary })),
    { value: 'action', description: 'answer one JSON action request on standard input' },
    { value: 'help', description: "a command's options" },
  ];
  const [first, ...rest] = line.positional;
  if (first === undefined) return words(commands());
  if (first === 'help') return rest.length === 0 ? words(commands().filter((c) => c.value !== 'help')) : words([]);
  const argument = command === undefined ? undefined : COMMANDS[command]?.arguments?.[rest.length];
  if (argument === undefined) return words([]);
  return words(choicesOfArgument(argument.description).map((value) => ({ value, description: argument.name })));
}

/** The options to offer: long forms, and the short forms when the word is a single dash or one letter. */
function optionWords(options: readonly OptionInfo[], current: string): Answer {
  const shortToo = /^-[A-Za-z]?$/.test(current);
  const out: Candidate[] = [];
  for (const o of options) {
    out.push({ value: o.long, description: summary(o.description) });
    if (shortToo && o.short !== undefined) out.push({ value: o.short, description: summary(o.description) });
  }
  return words(out);
}

/**
 * The current word as an option's value (`--output ` then Tab, or
 * `--output=j`): undefined when it is not one.
 */
async function optionValues(
  line: Line,
  current: string,
  options: readonly OptionInfo[],
  runtime: Runtime,
  dialect: Dialect,
  formats: readonly string[] | undefined,
): Promise<Answer | undefined> {
  let option = line.expecting;
  let prefix = '';
  if (option === undefined) {
    if (line.afterDashDash || !current.startsWith('--')) return undefined;
    const eq = current.indexOf('=');
    if (eq === -1) return undefined;
    option = findOption(options, current.slice(0, eq));
    if (option?.value === undefined) return undefined;
    prefix = current.slice(0, eq + 1);
  }
  const value = current.slice(prefix.length);
  const list = (choices: readonly string[], description?: string): Answer => {
    // comma-separated lists (--state DL,UL, --sort -rate,pid): complete the last item
    const comma = value.lastIndexOf(',');
    const head = comma === -1 ? '' : value.slice(0, comma + 1);
    const chosen = new Set(head.split(',').map((c) => c.replace(/^-/, '')));
    const left = choices.filter((c) => !chosen.has(c.replace(/^-/, '')));
    return words(prefixed(prefix + head, left.map((c) => ({ value: c, ...(description === undefined ? {} : { description }) }))));
  };
  switch (option.long) {
    case '--output': {
      if (dialect !== 'action') {
        const { OUTPUT_FORMATS } = await import('../cli/invocation.js');
        return words(prefixed(prefix, OUTPUT_FORMATS.map((f) => ({ value: f }))));
      }
      return words(prefixed(prefix, (formats ?? []).map((f) => ({ value: f }))));
    }
    case '--collector': {
      const { COLLECTOR_CHOICES } = await import('../cli/invocation.js');
      return words(prefixed(prefix, COLLECTOR_CHOICES.map((c) => ({ value: c }))));
    }
    case '--input': {
      const { SOURCE_IDS } = await import('../cli/invocation.js');
      const eq = value.indexOf('=');
      if (eq !== -1) return { kind: value.startsWith('proc=') ? 'dirs' : 'files', prefix: prefix + value.slice(0, eq + 1) };
      const sources: Candidate[] = SOURCE_IDS.map((s) => ({ value: `${s}=`, description: `replay a capture of ${s}` }));
      if (dialect !== 'action') sources.push({ value: 'json', description: 'the function arguments as JSON on standard input' });
      return words(prefixed(prefix, sources));
    }
    case '--user': {
      const { accountCandidates } = await import('./sessions.js');
      return words(prefixed(prefix, await accountCandidates(await sessionQuery(line, runtime), runtime)));
    }
    case '--pid': {
      const { pidCandidates } = await import('./sessions.js');
      return words(prefixed(prefix, await pidCandidates(await sessionQuery(line, runtime), runtime)));
    }
    case '--sort': {
      const { NATIVE_KEYS } = await import('../model/native.js');
      const item = value.slice(value.lastIndexOf(',') + 1);
      return list(NATIVE_KEYS.map((k) => (item.startsWith('-') ? `-${k}` : k)));
    }
    default:
      break;
  }
  if (option.value === 'dir') return { kind: 'dirs', prefix };
  if (option.value === 'file' || option.value === 'path') return { kind: 'files', prefix };
  // a value from a list its description gives: `--state <states>`, `--daemon <name>`
  const choices = choicesOfDescription(option.description);
  if (choices.length > 0) return option.description.includes('comma-separated') ? list(choices) : words(prefixed(prefix, choices.map((c) => ({ value: c }))));
  return words([]);
}

/** What the line says about where sessions come from (for --user and pid candidates), read as the parsers read it. */
async function sessionQuery(line: Line, runtime: Runtime): Promise<SessionQuery> {
  const { COLLECTOR_CHOICES, SOURCE_IDS } = await import('../cli/invocation.js');
  const { pathSettings } = await import('../cli/parse.js');
  const inputs = new Map<SourceId, string>();
  for (const value of line.given.get('--input') ?? []) {
    const eq = value.indexOf('=');
    const source = value.slice(0, eq) as SourceId;
    // stdin is the shell's: a capture on it is not read
    if (eq > 0 && (SOURCE_IDS as readonly string[]).includes(source) && !['', '-'].includes(value.slice(eq + 1))) inputs.set(source, value.slice(eq + 1));
  }
  const last = (long: string) => line.given.get(long)?.at(-1);
  const collector = last('--collector') ?? 'auto';
  const { proftpdScoreboard, accountFiles } = pathSettings(
    { proftpdScoreboard: last('--proftpd-scoreboard'), ftpPasswdDir: last('--ftp-passwd-dir'), userdomains: last('--userdomains'), pureftpdPasswd: last('--pureftpd-passwd') },
    runtime.env,
  );
  return {
    collector: (COLLECTOR_CHOICES as readonly string[]).includes(collector) ? (collector as CollectorChoice) : 'auto',
    inputs,
    proftpdScoreboard,
    accountFiles,
    users: line.given.get('--user') ?? [],
  };
}

function prefixed(prefix: string, candidates: readonly Candidate[]): Candidate[] {
  return candidates.map((c) => ({ ...c, value: prefix + c.value }));
}

function words(candidates: readonly Candidate[]): Answer {
  return { kind: 'words', candidates };
}
