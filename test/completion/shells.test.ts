// The completion scripts in real shells, driving the BUILT command (`npm run
// build` first): the packagers' files that scripts/lib/completions.mjs
// writes, loaded as bash-completion, zsh's fpath and fish's
// vendor_completions.d load them, with the commands on the PATH as three
// links (as npm and the single binary install them). Sessions come from a
// replayed capture (--input) on the line. Needs bash, zsh and fish (.ci/run
// installs them).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/runtime.js';
// @ts-expect-error: a plain ES module of the build scripts
import { writeCompletions } from '../../scripts/lib/completions.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ftpsessions-completion-'));
/** a package root whose bin/ is this checkout's: writeCompletions runs its bin/ftpsessions.js */
const PKG = join(dir, 'pkg');
/** the PATH entry: cpapi2, uapi, ftpsessions as links to bin/*.js */
const BIN = join(dir, 'bin');
const CAPTURE = join(dir, 'ps.txt');
/** the logged-in sessions of the capture: a pure-ftpd session process running as an account */
const PIDS = [...fixture('pure-ftpd/02-tricky.ps.txt').matchAll(/^\s*(\d+)\s+\d+\s+[1-9]\d*\s.*pure-ftpd \((?!SERVER|PRIV)/gm)].map((m) => m[1] as string).sort((a, b) => Number(a) - Number(b));
const ENV = { PATH: `${BIN}:/usr/local/bin:/usr/bin:/bin`, HOME: dir, LC_ALL: 'C.UTF-8', TERM: 'dumb' };

function shell(program: string, args: string[], script: string): string {
  return execFileSync(program, [...args, script], { env: ENV, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

beforeAll(async () => {
  for (const bundle of ['ftpsessions', 'cpanel']) {
    if (!existsSync(join(ROOT, `dist/${bundle}.cjs`))) throw new Error(`dist/${bundle}.cjs is missing: npm run build first`);
  }
  for (const sh of ['bash', 'zsh', 'fish']) {
    if (spawnSync(sh, ['-c', 'exit 0']).status !== 0) throw new Error(`${sh} is not installed (apt-get install -y zsh fish; .ci/run installs them)`);
  }
  mkdirSync(PKG);
  symlinkSync(join(ROOT, 'bin'), join(PKG, 'bin'));
  mkdirSync(BIN);
  for (const c of ['cpapi2', 'uapi', 'ftpsessions']) symlinkSync(join(ROOT, 'bin', `${c}.js`), join(BIN, c));
  writeFileSync(CAPTURE, fixture('pure-ftpd/02-tricky.ps.txt'));
  mkdirSync(join(dir, 'captures'));
  writeFileSync(join(dir, 'captures', 'ps-one.txt'), '');
  writeFileSync(join(dir, 'captures', 'ps-two.txt'), '');
  await writeCompletions(PKG);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/lib/completions.mjs', () => {
  it('writes every shell its files, each what `ftpsessions completion SHELL` prints', () => {
    const print = (sh: string) => execFileSync(process.execPath, [join(ROOT, 'bin/ftpsessions.js'), 'completion', sh], { encoding: 'utf8' });
    for (const c of ['ftpsessions', 'uapi', 'cpapi2']) {
      expect(readFileSync(join(PKG, 'completions/bash', c), 'utf8')).toBe(print('bash'));
      expect(readFileSync(join(PKG, 'completions/fish', `${c}.fish`), 'utf8')).toBe(print('fish'));
    }
    expect(readFileSync(join(PKG, 'completions/zsh/_ftpsessions'), 'utf8')).toBe(print('zsh'));
  });
});

/**
 * bash: the line split as bash splits it (white space, and = and : of
 * COMP_WORDBREAKS as words of their own), COMP_* set, the function that
 * `complete -p` names called; COMPREPLY, one a line.
 */
function bash(line: string, command = line.split(' ')[0] as string): string[] {
  const words = line.split(/ +/).flatMap((w) => w.split(/([=:])/).filter((p) => p !== ''));
  if (line.endsWith(' ') || line.endsWith('=') || line.endsWith(':')) words.push('');
  const script = `
    source ${quote(join(PKG, 'completions/bash', command))}
    spec=$(complete -p ${quote(command)}) || exit 3
    function=\${spec#*-F }; function=\${function%% *}
    COMP_WORDS=(${words.map(quote).join(' ')})
    COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
    COMP_LINE=${quote(line)}
    COMP_POINT=\${#COMP_LINE}
    COMPREPLY=()
    "$function" ${quote(command)} "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\\n' "\${COMPREPLY[@]}"`;
  return shell('bash', ['--norc', '--noprofile', '-c'], script).split('\n').filter((l) => l !== '');
}

describe('bash', () => {
  it('complete -p: one function for cpapi2, uapi and ftpsessions, from any of their files', () => {
    for (const file of ['ftpsessions', 'uapi', 'cpapi2']) {
      const out = shell('bash', ['--norc', '--noprofile', '-c'], `source ${quote(join(PKG, 'completions/bash', file))}; complete -p cpapi2 uapi ftpsessions`);
      expect(out).toBe('complete -F _ftpsessions cpapi2\ncomplete -F _ftpsessions uapi\ncomplete -F _ftpsessions ftpsessions\n');
    }
  });

  it('options, their values (also after =), modules, functions, key= arguments', () => {
    expect(bash('uapi --out')).toEqual(['--output']);
    expect(bash('uapi --output ')).toEqual(['yaml', 'json', 'jsonpretty', 'xml', 'table']);
    expect(bash('uapi --output=j')).toEqual(['json', 'jsonpretty']);
    expect(bash('cpapi2 --collector=p')).toEqual(['proc', 'ps', 'pure-ftpwho']);
    expect(bash('cpapi2 ')).toEqual(['Ftp']);
    expect(bash('cpapi2 Ftp ')).toEqual(['listftpsessions']);
    expect(bash('uapi Ftp list_sessions api.sort_m')).toEqual(['api.sort_method=']);
    expect(bash('uapi Ftp list_sessions api.sort_method=n')).toEqual(['numeric', 'numeric_zero_as_max']);
    expect(bash('ftpsessions ki')).toEqual(['kill']);
    expect(bash('ftpsessions list --state DL,I')).toEqual(['DL,IDLE']);
    expect(bash('ftpsessions completion ')).toEqual(['bash', 'zsh', 'fish']);
    // a * is quoted, nothing else needs it
    expect(bash('uapi Ftp list_sessions api.filter_column=')).toEqual(['cmdline', 'file', 'host', 'login', 'pid', 'status', 'user', '\\*']);
  });

  it('pids after login= and kill --pid, from the replay on the line', () => {
    expect(bash(`uapi --input ps=${CAPTURE} Ftp kill_session login=`)).toEqual(['all', ...PIDS]);
    expect(bash(`ftpsessions kill --input ps=${CAPTURE} --pid `)).toEqual(PIDS);
  });

  it('a file after --input SOURCE=', () => {
    expect(bash(`ftpsessions list --input ps=${dir}/captures/ps-o`)).toEqual([`${dir}/captures/ps-one.txt`]);
  });

  it('called by a path, the command beside it answers', () => {
    expect(bash(`${BIN}/uapi --output `, 'uapi')).toEqual(['yaml', 'json', 'jsonpretty', 'xml', 'table']);
  });
});

/**
 * zsh: _ftpsessions autoloaded from the packagers' file on fpath, as
 * compinit would, with compadd, _files and compset replaced by functions
 * that print what they were given (zsh runs the real ones only inside a
 * completion widget).
 */
function zsh(words: string[]): string[] {
  const script = `
    fpath=(${quote(join(PKG, 'completions/zsh'))} $fpath)
    compadd() { local -a a; a=("$@"); print -rl -- "\${(@)a[\${a[(i)--]}+1,-1]}"; }
    _files() { print -r -- "_files $*"; }
    compset() { print -r -- "compset $*"; }
    autoload -Uz _ftpsessions
    words=(${words.map(quote).join(' ')}); CURRENT=${words.length}; PREFIX=${quote(words.at(-1) as string)}
    _ftpsessions`;
  return shell('zsh', ['-f', '-c'], script).split('\n').filter((l) => l !== '');
}

describe('zsh', () => {
  it('#compdef names the three commands', () => {
    expect(readFileSync(join(PKG, 'completions/zsh/_ftpsessions'), 'utf8').split('\n')[0]).toBe('#compdef ftpsessions uapi cpapi2');
  });

  it('options, values, functions, key= arguments, commands', () => {
    expect(zsh(['uapi', '--out'])).toEqual(['--output']);
    expect(zsh(['uapi', '--output', ''])).toEqual(['yaml', 'json', 'jsonpretty', 'xml', 'table']);
    expect(zsh(['uapi', '--output=x'])).toEqual(['--output=xml']);
    expect(zsh(['uapi', 'Ftp', 'k'])).toEqual(['kill_session']);
    expect(zsh(['cpapi2', 'Ftp', 'listftpsessions', 'api2_paginate_'])).toEqual(['api2_paginate_start=', 'api2_paginate_size=']);
    expect(zsh(['ftpsessions', 'to'])).toEqual(['top', 'token']);
  });

  it('pids from the replay on the line; a path after --input SOURCE=', () => {
    expect(zsh(['ftpsessions', 'kill', '--input', `ps=${CAPTURE}`, '--pid', ''])).toEqual(PIDS);
    expect(zsh(['uapi', '--input', 'ps=/tm'])).toEqual(['compset -P ps=', '_files ']);
  });
});

/**
 * zsh's own completion system: an interactive zsh on a pseudo-terminal
 * (zpty), compinit with the packagers' folder on fpath, the line typed and
 * Ctrl-D (list-choices) pressed; what zsh lists, one a line.
 */
const ZPTY = `
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='%% '; fpath=($1 \\$fpath); autoload -Uz compinit; compinit -u -D; bindkey -e; zstyle ':completion:*' list-grouped false; print RE''ADY"
local line out=''
while zpty -r -t z line 2>/dev/null || sleep 0.05; do [[ $line == *READY* ]] && break; done
zpty -n -w z "$2"$'\\C-d'
# until zsh has drawn the line again after the list (then quiet for 0.3 s), at most 30 s
local typed=$2 quiet=0 waited=0
while (( waited < 600 )) && ! [[ $out == *"$typed"*"$typed"* && quiet -ge 6 ]]; do
  if zpty -r -t z line 2>/dev/null; then out+=$line; quiet=0; else sleep 0.05; ((quiet++)); fi
  ((waited++))
done
print -r -- "$out"
zpty -d z
`;

function zshListed(typed: string): string[] {
  writeFileSync(join(dir, 'zpty.zsh'), ZPTY);
  const raw = execFileSync('zsh', ['-f', join(dir, 'zpty.zsh'), join(PKG, 'completions/zsh'), typed], { env: ENV, encoding: 'utf8', timeout: 30_000 });
  const text = raw.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.endsWith(typed));
  // after the list zsh draws the prompt and the line again (on a dumb terminal, on a line of its own)
  const again = typed.trimEnd();
  const listed = lines
    .slice(from + 1)
    .map((l) => l.trimEnd())
    .map((l) => (l.endsWith(again) ? l.slice(0, -again.length) : l))
    .map((l) => l.replace(/% *$/, '').trimEnd());
  return listed.filter((l) => l !== '');
}

describe('zsh, through compinit on a terminal', () => {
  it('lists what the command offers, with descriptions', () => {
    expect(zshListed('uapi --output ')).toEqual(['json', 'jsonpretty', 'table', 'xml', 'yaml']);
    expect(zshListed('ftpsessions li')).toEqual(["list  -- list the sessions: every account's as root, your own otherwise"]);
    expect(zshListed(`ftpsessions kill --input ps=${CAPTURE} --pid `).map((l) => l.split(' ')[0])).toEqual([...PIDS].sort());
  });
});

/** fish: the packagers' files on fish_complete_path, loaded by command name; `complete -C LINE`. */
function fish(line: string): string[] {
  const script = `set -p fish_complete_path ${quote(join(PKG, 'completions/fish'))}; complete -C ${quote(line)}`;
  return shell('fish', ['--no-config', '-c'], script)
    .split('\n')
    .filter((l) => l !== '');
}

describe('fish', () => {
  it('options with descriptions, values, functions, commands, for each command', () => {
    expect(fish('uapi --out')).toEqual(['--output\toutput format: yaml, json, jsonpretty, xml, table']);
    expect(fish('cpapi2 --output=').map((l) => l.split('\t')[0])).toEqual(['--output=json', '--output=jsonpretty', '--output=table', '--output=xml', '--output=yaml']);
    expect(fish('uapi Ftp get').map((l) => l.split('\t')[0])).toEqual(['get_ftp_daemon_info']);
    expect(fish('ftpsessions kill --dr')).toEqual(['--dry-run\tonly list what would be ended']);
  });

  it('pids from the replay on the line, in both spellings', () => {
    expect(fish(`ftpsessions kill --input ps=${CAPTURE} --pid `).map((l) => l.split('\t')[0])).toEqual(PIDS);
    expect(fish(`uapi --input=ps=${CAPTURE} Ftp kill_session login=`).map((l) => l.split('\t')[0])).toEqual(['login=all', ...PIDS.map((p) => `login=${p}`)].sort());
  });

  it('a file after --input SOURCE=', () => {
    expect(fish(`ftpsessions list --input ps=${dir}/captures/ps-t`)).toEqual([`ps=${dir}/captures/ps-two.txt`]);
  });
});
