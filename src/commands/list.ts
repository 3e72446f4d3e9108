import { intOption } from '../cli/native.js';
import { DEFAULT_SAMPLE_MS, readSessions, sampleRates } from '../functions/native.js';
import { renderSessions } from '../render/native.js';
import type { CommandHandler } from './table.js';
import { nativeContext, warn } from './output.js';

/**
 * `ftpsessions list`: one reading; while a transfer is in progress (and
 * --sample is not 0), its byte count is read again --sample ms later for a
 * measured rate. A replay is what it is: no second reading.
 */
export const list: CommandHandler = async (invocation, runtime) => {
  const sample = intOption(invocation.options.sample, '--sample', DEFAULT_SAMPLE_MS, 0, 60_000);
  let reading = await readSessions(invocation.query, runtime);
  if (sample > 0 && invocation.query.inputs.size === 0) reading = await sampleRates(reading, sample, runtime);
  runtime.stdout.write(await renderSessions(reading.rows, invocation.output ?? 'json', nativeContext(invocation, runtime)));
  warn(runtime, reading.warnings);
  return 0;
};
