import type { Dialect } from '../cli/invocation.js';

/** An option as the command's own parser declares it (read from its --help). */
export interface OptionInfo {
  /** `-u` */
  readonly short: string | undefined;
  /** `--user` */
  readonly long: string;
  /** the value's placeholder (`name`, `format`, `source=file`); undefined for a switch */
  readonly value: string | undefined;
  readonly description: string;
}

const OPTION_LINE = /^ {2}(?:(-[A-Za-z]), )?(--[A-Za-z0-9][\w-]*)(?: <([^>]+)>| \[([^\]]+)\])?(?: {2,}(.*))?$/;
const CONTINUATION = /^ {6,}(\S.*)$/;

/**
 * The options of a commander help text ("Options:" section, as commander
 * lays it out): the parser's own declaration, so completion never keeps a
 * second list of them.
 */
export function optionsOfHelp(help: string): OptionInfo[] {
  const out: Array<{ short: string | undefined; long: string; value: string | undefined; description: string }> = [];
  let inOptions = false;
  for (const line of help.split('\n')) {
    if (/^\S/.test(line)) {
      inOptions = line === 'Options:';
      continue;
    }
    if (!inOptions) continue;
    const m = OPTION_LINE.exec(line);
    if (m !== null) {
      out.push({ short: m[1], long: m[2] as string, value: m[3] ?? m[4], description: m[5] ?? '' });
      continue;
    }
    const more = CONTINUATION.exec(line);
    const last = out.at(-1);
    if (more !== null && last !== undefined) last.description = `${last.description} ${more[1]}`.trim();
  }
  return out;
}

/** cpapi2's or uapi's options, as its parser declares them. */
export async function dialectOptions(dialect: Dialect): Promise<OptionInfo[]> {
  const { parseArgv } = await import('../cli/parse.js');
  const parsed = parseArgv(dialect, ['--help']);
  return parsed.kind === 'info' ? optionsOfHelp(parsed.text) : [];
}

/** A native command's options (sessions, filters, its own, --output), as its parser declares them. */
export async function commandOptions(command: string): Promise<OptionInfo[]> {
  const { parseNative } = await import('../cli/native.js');
  try {
    const parsed = parseNative([command, '--help'], {}, { stdin: false, stdout: false });
    return parsed.kind === 'info' ? optionsOfHelp(parsed.text) : [];
  } catch {
    return [];
  }
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
