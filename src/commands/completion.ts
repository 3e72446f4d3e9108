import { UsageError } from '../errors.js';
import type { CommandHandler } from './table.js';

/** `ftpsessions completion bash|zsh|fish`: the completion script for cpapi2, uapi and ftpsessions, on stdout. */
export const completion: CommandHandler = async (invocation, runtime) => {
  const { SCRIPTS, SHELLS } = await import('../completion/scripts.js');
  const shell = invocation.words[0];
  if (!(SHELLS as readonly string[]).includes(shell ?? '')) {
    throw new UsageError(`completion: the shell is ${SHELLS.slice(0, -1).join(', ')} or ${SHELLS.at(-1)}, not '${shell ?? ''}'`);
  }
  runtime.stdout.write(SCRIPTS[shell as (typeof SHELLS)[number]]);
  return 0;
};
