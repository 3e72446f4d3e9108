import { ApiError, UsageError } from '../errors.js';
import { resolveAccount } from '../model/accounts.js';
import { tableText } from '../render/table.js';
import { terminalSafe } from '../render/terminal-safe.js';
import type { Runtime } from '../runtime.js';
import {
  DEFAULT_TOKENS_FILE,
  folderOf,
  inspectTokensFile,
  inspectTokensFolder,
  LABEL_RULE,
  mintToken,
  readTokensFile,
  sameFile,
  TOKEN_LABEL,
  TOKENS_HEADER,
  tokenLine,
  type TokenEntry,
  type TokensText,
  USER_NAME,
} from '../serve/tokens.js';
import { nativeContext, warn } from './output.js';
import type { CommandHandler } from './table.js';

const ACTIONS = ['create', 'list', 'revoke'] as const;

/**
 * `ftpsessions token create|list|revoke`: the tokens file serve reads
 * (serve/tokens.ts). Root only. create prints the secret alone on its line
 * on stdout, and nothing else there, whatever --output says (the secret is
 * stored only as a salted hash: this is the one time it is shown); list and
 * revoke write the tokens (user, name, created; never a hash) as --output
 * says.
 */
export const token: CommandHandler = async (invocation, runtime) => {
  const action = invocation.words[0];
  if (!(ACTIONS as readonly string[]).includes(action ?? '')) {
    throw new UsageError(`token: the action is create, list or revoke, not '${action ?? ''}'`);
  }
  const option = (key: string): string | undefined => {
    const value = invocation.options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw new UsageError(`token: --${key} needs a value`);
    return value;
  };
  const user = option('user');
  const name = option('name');
  const path = option('tokens') ?? DEFAULT_TOKENS_FILE;
  if (user !== undefined && !USER_NAME.test(user)) throw new UsageError(`token: --user takes an account name, not '${user}'`);
  if (name !== undefined && !TOKEN_LABEL.test(name)) throw new UsageError(`token: --name '${name}': ${LABEL_RULE}`);
  if (action === 'list' && (user !== undefined || name !== undefined)) throw new UsageError('token list takes neither --user nor --name: it lists every token');
  if (action === 'create' && user === undefined) throw new UsageError('token create needs --user NAME (root: a WHM token, for any account)');
  if (action === 'revoke' && (user === undefined) === (name === undefined)) throw new UsageError('token revoke needs --name LABEL or --user NAME (one of them)');
  if (runtime.uid !== 0) throw new ApiError('E_FORBIDDEN', 'Only root may create, list or revoke API tokens.');

  switch (action) {
    case 'create':
      return create(path, user as string, name, runtime);
    case 'list': {
      const text = await load(path, runtime);
      runtime.stdout.write(render(text?.entries ?? [], invocation.output ?? 'json', `no API tokens in ${path}`, invocation, runtime));
      return 0;
    }
    default:
      return revoke(path, user, name, invocation, runtime);
  }
};

/** The tokens file as it is (missing: undefined), its lines passed over said on stderr. */
async function load(path: string, runtime: Runtime): Promise<TokensText | undefined> {
  const read = await readTokensFile(path, runtime, true);
  warnSkipped(path, read?.text, runtime);
  return read?.text;
}

function warnSkipped(path: string, text: TokensText | undefined, runtime: Runtime): void {
  const lines = text?.skipped ?? [];
  if (lines.length > 0) warn(runtime, [`${path}: ${lines.length} line(s) are not tokens and were passed over (line ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? ', ...' : ''})`]);
}

/**
 * Read the file, change its lines, write it whole (atomically, 0600; the
 * folder made 0700 where missing), and a moment later read it back. When
 * another writer changed it in between (another `token create` at the same
 * moment: each renames a whole file over it), again, after a random pause,
 * up to 10 times: no token written meanwhile is lost, none revoked comes
 * back. `change` gets the file (missing: undefined) and the attempt (0 the
 * first); `done` says whether a file has the change.
 */
async function update<T>(
  path: string,
  runtime: Runtime,
  change: (text: TokensText | undefined, attempt: number) => { lines: readonly string[]; result: T },
  done: (text: TokensText | undefined, result: T) => boolean,
): Promise<T> {
  for (let attempt = 0; attempt < 10; attempt++) {
    if (attempt > 0) await runtime.sleep(10 + Math.floor(Math.random() * 90));
    const read = await readTokensFile(path, runtime, true);
    if (attempt === 0) warnSkipped(path, read?.text, runtime);
    const { lines, result } = change(read?.text, attempt);
    if (read !== undefined && done(read.text, result)) return result; // nothing (more) to do
    if (read === undefined) {
      await write(path, () => runtime.makeDir(folderOf(path), 0o700));
      inspectTokensFolder(path, runtime);
    }
    if (!sameFile(read?.facts, inspectTokensFile(path, runtime, true))) continue;
    await write(path, () => runtime.writeFileAtomic(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`, 0o600));
    // a writer that read the file before this write and renames its own over it within this pause undoes it: seen here
    await runtime.sleep(SETTLE_MS);
    if (done((await readTokensFile(path, runtime, true))?.text, result)) return result;
  }
  throw new ApiError('E_TOKENS_FILE', `The tokens file ${path} kept changing while it was rewritten: try again.`);
}

/** How long after its write a change is looked for again: longer than another writer's write (a sync and a rename). */
const SETTLE_MS = 100;

async function create(path: string, user: string, label: string | undefined, runtime: Runtime): Promise<number> {
  if (user !== 'root') {
    try {
      await resolveAccount(user, runtime);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'E_ROOT_ACCOUNT') {
        throw new ApiError('E_ROOT_ACCOUNT', `The user “${user}” is the superuser under another name: a WHM token (for any account) is created with --user root.`);
      }
      throw err;
    }
  }
  const base = `${user}-${new Date(runtime.now()).toISOString().slice(0, 10)}`;
  const minted = await mintToken(user, label ?? base, runtime.now());
  const name = await update(
    path,
    runtime,
    (text) => {
      const taken = new Set(text?.entries.map((e) => e.name));
      let name = label;
      if (name === undefined) {
        name = base;
        for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
      } else if (taken.has(name)) {
        throw new ApiError('E_TOKEN_EXISTS', `A token named “${name}” is in ${path} already: choose another --name, or revoke it first.`);
      }
      const lines = text === undefined ? [TOKENS_HEADER.trimEnd()] : text.lines;
      return { lines: [...lines, tokenLine({ ...minted.entry, name })], result: name };
    },
    (text, name) => text?.entries.some((e) => e.id === minted.entry.id && e.user === user && e.name === name) === true,
  );
  runtime.stdout.write(`${minted.secret}\n`);
  runtime.stderr.write(
    `${terminalSafe(`ftpsessions: token “${name}” for ${user === 'root' ? 'root (a WHM token: it may act for any account)' : user} stored in ${path}, as a salted hash: the secret above is shown this once only.`)}\n`,
  );
  return 0;
}

async function revoke(
  path: string,
  user: string | undefined,
  name: string | undefined,
  invocation: Parameters<CommandHandler>[0],
  runtime: Runtime,
): Promise<number> {
  const which = name !== undefined ? `named “${name}”` : `of ${user}`;
  const matches = (e: TokenEntry) => (name !== undefined ? e.name === name : e.user === user);
  // the tokens found at first; a retry (another writer in between) removes those, not one created since
  const key = (e: TokenEntry) => `${e.user}\0${e.id}\0${e.name}`;
  let revoked: TokenEntry[] = [];
  let keys = new Set<string>();
  const gone = await update(
    path,
    runtime,
    (text, attempt) => {
      if (attempt === 0) {
        revoked = (text?.entries ?? []).filter(matches);
        if (revoked.length === 0) throw new ApiError('E_NO_SUCH_TOKEN', `No token ${which} in ${path}${text === undefined ? ' (the file does not exist)' : ''}.`);
        keys = new Set(revoked.map(key));
      }
      const drop = new Set((text?.entries ?? []).filter((e) => keys.has(key(e))).map((e) => e.line));
      return { lines: (text?.lines ?? []).filter((_, i) => !drop.has(i)), result: revoked };
    },
    (text) => !(text?.entries ?? []).some((e) => keys.has(key(e))),
  );
  runtime.stdout.write(render(gone, invocation.output ?? 'json', '', invocation, runtime));
  runtime.stderr.write(`${terminalSafe(`ftpsessions: revoked ${gone.length} token(s) ${which} in ${path}; serve refuses them from its next request.`)}\n`);
  return 0;
}

/** A write of the tokens file (or its folder); a failure is one line (exit 1), not a stack. */
async function write(path: string, act: () => Promise<void>): Promise<void> {
  try {
    await act();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ApiError('E_TOKENS_WRITE', `The tokens file ${path} cannot be written: ${e.code ?? e.message ?? String(err)}.`);
  }
}

/** Tokens as the user sees them: user, name, created (never an id or a hash). */
function render(
  entries: readonly TokenEntry[],
  format: string,
  empty: string,
  invocation: Parameters<CommandHandler>[0],
  runtime: Runtime,
): string {
  const rows = entries.map((e) => ({ user: e.user, name: e.name, created: e.created }));
  if (format !== 'table') return `${JSON.stringify(rows)}\n`;
  if (rows.length === 0) return `${empty}\n`;
  return tableText(
    [
      { head: 'USER', width: 32, min: 8, round: 1 },
      { head: 'NAME', width: 64, min: 8, round: 1 },
      { head: 'CREATED', width: 20, min: 20, round: 0 },
    ],
    rows.map((r) => [r.user, r.name, r.created]),
    nativeContext(invocation, runtime),
  );
}
