// `ftpsessions completion SHELL` in-process: the script on stdout, or a usage error.
import { describe, expect, it } from 'vitest';
import { SCRIPTS } from '../../src/completion/scripts.js';
import { run } from '../../src/run.js';
import { createTestRuntime } from '../helpers/runtime.js';

async function ftpsessions(argv: string[]) {
  const rt = createTestRuntime({ argv });
  const code = await run('action', rt);
  return { code, out: rt.out, err: rt.err };
}

describe('ftpsessions completion', () => {
  it.each(['bash', 'zsh', 'fish'] as const)('%s: the script, covering all three commands, calling the hidden fast path', async (shell) => {
    const r = await ftpsessions(['completion', shell]);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe(SCRIPTS[shell]);
    expect(r.out).toContain('__complete');
    for (const command of ['cpapi2', 'uapi', 'ftpsessions']) expect(r.out).toContain(command);
    // never eval of what the command answers
    expect(r.out).not.toMatch(/(^|[;&|(]) *eval\s/m);
  });

  it('zsh: one #compdef for the three commands', async () => {
    expect((await ftpsessions(['completion', 'zsh'])).out.split('\n')[0]).toBe('#compdef ftpsessions uapi cpapi2');
  });

  it('a missing or unknown shell: a one-line usage error, exit 2', async () => {
    const missing = await ftpsessions(['completion']);
    expect([missing.code, missing.out]).toEqual([2, '']);
    expect(missing.err).toMatch(/^ftpsessions: completion: missing required argument 'shell'\n/);
    const unknown = await ftpsessions(['completion', 'tcsh']);
    expect([unknown.code, unknown.out]).toEqual([2, '']);
    expect(unknown.err).toMatch(/^ftpsessions: completion: the shell is bash, zsh or fish, not 'tcsh'\n/);
    const extra = await ftpsessions(['completion', 'bash', 'zsh']);
    expect(extra.code).toBe(2);
  });
});
