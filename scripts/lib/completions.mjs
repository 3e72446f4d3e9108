// The completion scripts for packagers, written by the build into
// <root>/completions/ from the BUILT command (`node <root>/bin/ftpsessions.js
// completion SHELL`), so they are exactly what users get from it:
//   completions/bash/{ftpsessions,uapi,cpapi2}   bash-completion loads by command name: the same script in each
//   completions/zsh/_ftpsessions                 one #compdef for ftpsessions, uapi and cpapi2
//   completions/fish/{ftpsessions,uapi,cpapi2}.fish   fish loads by command name: the same script in each
// Each script calls the ftpsessions installed beside the command being
// completed (else the one on the PATH), never a path fixed here.
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const COMMANDS = ['ftpsessions', 'uapi', 'cpapi2'];
/** the files of completions/ per shell, relative to it */
export const FILES = {
  bash: COMMANDS.map((c) => join('bash', c)),
  zsh: [join('zsh', '_ftpsessions')],
  fish: COMMANDS.map((c) => join('fish', `${c}.fish`)),
};

/** The script the built command prints for `shell`; throws with its stderr when it fails. */
function script(root, shell) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [join(root, 'bin', 'ftpsessions.js'), 'completion', shell], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || r.stdout === '') {
    throw new Error(`completions: ftpsessions completion ${shell} failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** Write <root>/completions/ afresh (files 0644); returns the paths written, relative to root. */
export async function writeCompletions(root) {
  const dir = join(root, 'completions');
  await rm(dir, { recursive: true, force: true });
  const written = [];
  for (const [shell, files] of Object.entries(FILES)) {
    const text = script(root, shell);
    await mkdir(join(dir, shell), { recursive: true, mode: 0o755 });
    for (const file of files) {
      await writeFile(join(dir, file), text, { mode: 0o644 });
      written.push(join('completions', file));
    }
  }
  return written;
}
