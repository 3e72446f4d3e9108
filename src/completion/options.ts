import type { Dialect } from '../cli/invocation.js';

/** An option as the command's own parser declares it. */
export interface OptionInfo {
  /** `-u` */
  readonly short: string | undefined;
  /** `--user` */
  readonly long: string;
  /** the value's placeholder (`name`, `format`, `source=file`); undefined for a switch */
  readonly value: string | undefined;
  readonly description: string;
}

/** An option as commander declares it (the parts completion reads). */
interface DeclaredOption {
  readonly short?: string | undefined;
  readonly long?: string | undefined;
  readonly flags: string;
  readonly description: string;
  readonly hidden: boolean;
}

/** What completion needs of a commander program: the options its help shows (its own Help's list, the help option included). */
interface Program {
  createHelp(): { visibleOptions(program: never): readonly DeclaredOption[] };
}

/**
 * The options of a commander program, read from its own declarations, so
 * completion never keeps a second list of them: `--color` and `--no-color`
 * are two, `<value>` and `[value]` are the value's placeholder.
 */
export function optionsOf(program: Program): OptionInfo[] {
  return program
    .createHelp()
    .visibleOptions(program as never)
    .filter((o): o is DeclaredOption & { long: string } => !o.hidden && o.long !== undefined)
    .map((o) => ({ short: o.short, long: o.long, value: /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1], description: o.description }));
}

/** cpapi2's or uapi's options, as its parser declares them. */
export async function dialectOptions(dialect: Dialect): Promise<OptionInfo[]> {
  const { dialectProgram } = await import('../cli/parse.js');
  return optionsOf(dialectProgram(dialect));
}

/** A native command's options (sessions, filters, its own, --output), as its parser declares them. */
export async function commandOptions(command: string): Promise<OptionInfo[]> {
  const [{ commandProgram }, { COMMANDS }] = await Promise.all([import('../cli/native.js'), import('../commands/table.js')]);
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  return entry === undefined ? [] : optionsOf(commandProgram(command, entry));
}

/** The choices a description lists after a colon: `only sessions of this daemon: pure-ftpd, proftpd, vsftpd (repeatable)`. */
export function choicesOfDescription(description: string): string[] {
  const m = /: ((?:[\w-]+, )+[\w-]+)(?:\s|$|\))/.exec(description);
  return m === null ? [] : (m[1] as string).split(', ');
}

/** The words an argument's description offers: `create, list or revoke`, `bash, zsh or fish`. */
export function choicesOfArgument(description: string): string[] {
  const m = /^([a-z][\w-]*(?:, [a-z][\w-]*)*) or ([a-z][\w-]*)$/.exec(description);
  return m === null ? [] : [...(m[1] as string).split(', '), m[2] as string];
}

/** A short summary for zsh and fish: the description up to its first parenthesis or semicolon, at most 70 characters. */
export function summary(description: string): string {
  const cut = (description.replace(/\s*\([^()]*\)/g, '').split(/; /)[0] ?? '').trim();
  return cut.length > 70 ? `${cut.slice(0, 67)}...` : cut;
}
