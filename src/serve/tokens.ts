import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.js';
import { kindOf } from '../model/files.js';
import type { FileFacts, Runtime } from '../runtime.js';

/**
 * The API tokens `ftpsessions serve` accepts, in one file that root owns
 * and no one else may read or write (mode 0600, in a folder no one else may
 * write). One token per line:
 *
 *     USER:LABEL:CREATED:ID:scrypt$N$r$p$SALT$HASH
 *
 *   USER     the account the token acts for (`root`: a WHM token, for any account)
 *   LABEL    its name, unique in the file: letters, digits and `._@+-`
 *            (never `:`, a space or a newline, so a label cannot forge a line)
 *   CREATED  when it was made, UTC: 2026-12-01T12:00:00Z
 *   ID       12 base64url characters: the public part of the secret, to
 *            find the one line to check (one scrypt per verify)
 *   scrypt   node:crypto scrypt of the whole secret with cost N, block
 *            size r, parallelism p (recorded per line, so they can be
 *            raised later), SALT (16 random bytes) and HASH (32 bytes), both
 *            base64url without padding
 *
 * Blank lines and lines starting with `#` are comments; any other line
 * that does not read exactly so is passed over (and kept as it is when the
 * file is rewritten). The secret itself, `fts_` + ID + 43 base64url
 * characters (32 random bytes), is shown once by `token create` and stored
 * nowhere.
 */
export const DEFAULT_TOKENS_FILE = '/etc/ftpsessions/tokens';

/** Who a verified token acts for: the caller decides what that may do. */
export interface TokenIdentity {
  readonly user: string;
  readonly name: string;
}

/** The scrypt parameters of one hash. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * New tokens' scrypt cost: 2^14 x 8 x 1 takes 16 MiB and about 40 ms of
 * one core (66 ms on the shared 2-core build machine), once per token per
 * process thanks to the verified-secret cache; a wrong secret always pays it.
 */
export const SCRYPT_DEFAULTS: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };

/** A tokens file larger than this is refused unread (about 45,000 tokens). */
export const TOKENS_FILE_MAX_BYTES = 8 * 1024 * 1024;

/** One token line, understood. */
export interface TokenEntry extends TokenIdentity {
  /** ISO 8601, UTC, seconds */
  readonly created: string;
  readonly id: string;
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
  /** its line in the file (0-based) */
  readonly line: number;
}

/** A tokens file's text, understood: its lines as they are, the tokens in them, and the lines passed over. */
export interface TokensText {
  readonly lines: readonly string[];
  readonly entries: readonly TokenEntry[];
  /** 1-based numbers of the lines that are neither a token nor a comment */
  readonly skipped: readonly number[];
}

export const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;
export const TOKEN_LABEL = /^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,63}$/;
const SECRET = /^fts_([A-Za-z0-9_-]{12})[A-Za-z0-9_-]{43}$/;
const B64 = '[A-Za-z0-9_-]';
const LINE = new RegExp(
  `^([A-Za-z0-9_][A-Za-z0-9._@-]{0,63}):([A-Za-z0-9_][A-Za-z0-9._@+-]{0,63}):(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ):(${B64}{12}):scrypt\\$(\\d{1,8})\\$(\\d{1,3})\\$(\\d{1,3})\\$(${B64}{22,86})\\$(${B64}{43,86})$`,
);

export const TOKENS_HEADER = [
  '# ftpsessions API tokens (ftpsessions token create|list|revoke): root only, mode 0600.',
  '# USER:LABEL:CREATED:ID:scrypt$N$r$p$SALT$HASH (secrets are never stored; only their salted hashes)',
  '',
].join('\n');

/** Parameters a line may name: a power of two N from 2^10 to 2^20, at most 256 MiB of memory, r and p small. */
function sane({ N, r, p }: ScryptParams): boolean {
  return N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r <= 256 * 2 ** 20;
}

/** The tokens of a file's text; every other line kept as it is. Linear in the text. */
export function parseTokens(text: string): TokensText {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries: TokenEntry[] = [];
  const skipped: number[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    const params = m === null ? undefined : { N: Number(m[5]), r: Number(m[6]), p: Number(m[7]) };
    if (m === null || params === undefined || !sane(params) || Number.isNaN(Date.parse(m[3] as string))) {
      skipped.push(i + 1);
      return;
    }
    const salt = Buffer.from(m[8] as string, 'base64url');
    const hash = Buffer.from(m[9] as string, 'base64url');
    if (salt.length < 16 || hash.length < 32) {
      skipped.push(i + 1);
      return;
    }
    entries.push({ user: m[1] as string, name: m[2] as string, created: m[3] as string, id: m[4] as string, params, salt, hash, line: i });
  });
  return { lines, entries, skipped };
}

/** The line of a token (no newline). */
export function tokenLine(entry: Omit<TokenEntry, 'line'>): string {
  const { N, r, p } = entry.params;
  return `${entry.user}:${entry.name}:${entry.created}:${entry.id}:scrypt$${N}$${r}$${p}$${entry.salt.toString('base64url')}$${entry.hash.toString('base64url')}`;
}

/**
 * A new token for USER named LABEL: the secret (to show once) and its line.
 * `params` other than the defaults: to raise the cost later (or lower it
 * where verifies must be cheap).
 */
export async function mintToken(
  user: string,
  name: string,
  createdMs: number,
  params: ScryptParams = SCRYPT_DEFAULTS,
): Promise<{ secret: string; entry: Omit<TokenEntry, 'line'>; line: string }> {
  if (!USER_NAME.test(user)) throw new ApiError('E_TOKEN_USER', `“${user}” cannot own a token: not an account name`);
  if (!TOKEN_LABEL.test(name)) throw new ApiError('E_TOKEN_LABEL', `“${name}” cannot name a token: ${LABEL_RULE}`);
  if (!sane(params)) throw new ApiError('E_TOKEN_PARAMS', 'scrypt parameters out of range');
  const id = randomBytes(9).toString('base64url');
  const secret = `fts_${id}${randomBytes(32).toString('base64url')}`;
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, 32, params);
  const entry = { user, name, created: new Date(Math.floor(createdMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'), id, params, salt, hash };
  return { secret, entry, line: tokenLine(entry) };
}

export const LABEL_RULE = 'a label is 1 to 64 letters, digits and . _ @ + - (not starting with . @ + -)';

/** node:crypto scrypt, asynchronous (the thread pool), with the memory it needs allowed. */
export function derive(secret: string, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

/**
 * Whether `path` may hold tokens: a regular file (not a symbolic link)
 * owned by root (or by the caller, when the caller is not root) that no one
 * else may read or write, not too large, in a folder no one else may write.
 * Returns what stat(2) says of it; throws ApiError('E_TOKENS_FILE', one
 * line), missing too (`missingOk`: undefined).
 */
export function inspectTokensFile(path: string, runtime: Runtime, missingOk = false): FileFacts | undefined {
  const refuse = (why: string) => new ApiError('E_TOKENS_FILE', `The tokens file ${path} ${why}.`);
  const owners = [0, runtime.uid];
  let isLink = false;
  try {
    runtime.readLinkNow(path);
    isLink = true;
  } catch {
    // EINVAL: not a link; ENOENT: stat says so below
  }
  if (isLink) throw refuse('is a symbolic link: it must be a regular file');
  let facts: FileFacts;
  try {
    facts = runtime.statNow(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (missingOk) return undefined;
      throw new ApiError('E_TOKENS_FILE', `The tokens file ${path} does not exist: create a token with “ftpsessions token create --user NAME”.`);
    }
    throw refuse(`cannot be examined (${code ?? (err instanceof Error ? err.message : String(err))})`);
  }
  if ((facts.mode & 0o170000) !== 0o100000) throw refuse(`${kindOf(facts.mode)}: it must be a regular file`);
  if (!owners.includes(facts.uid)) throw refuse(`is owned by uid ${facts.uid}: it must be root's`);
  if ((facts.mode & 0o077) !== 0) {
    throw refuse(`has mode ${(facts.mode & 0o7777).toString(8).padStart(4, '0')}: group and others may have no access (chmod 600 ${path})`);
  }
  if ((facts.size ?? 0) > TOKENS_FILE_MAX_BYTES) throw refuse(`is larger than ${TOKENS_FILE_MAX_BYTES / 2 ** 20} MiB: not a tokens file`);
  inspectTokensFolder(path, runtime);
  return facts;
}

/** The folder of the tokens file must be one only root (or the caller) may write: else the file could be replaced. */
export function inspectTokensFolder(path: string, runtime: Runtime): void {
  const dir = folderOf(path);
  let folder: FileFacts | undefined;
  try {
    folder = runtime.statNow(dir);
  } catch {
    return; // not to be seen: the file's own checks decide
  }
  if ((folder.mode & 0o170000) !== 0o040000 || ![0, runtime.uid].includes(folder.uid) || (folder.mode & 0o022) !== 0) {
    throw new ApiError(
      'E_TOKENS_FILE',
      `The tokens file ${path} is in ${dir}, which others may write (a file there can be replaced): it must be in a folder only root may write.`,
    );
  }
}

export function folderOf(path: string): string {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  return cut < 0 ? '.' : cut === 0 ? '/' : path.slice(0, cut);
}

/**
 * The file read whole, checked before and after (never a FIFO opened): its
 * tokens and what stat said before the read. The text is the file as it was
 * then or later (a rewrite renames a whole new file over it): a change seen
 * at the next stat reads it again. Missing: undefined when `missingOk`.
 */
export async function readTokensFile(path: string, runtime: Runtime, missingOk = false): Promise<{ text: TokensText; facts: FileFacts } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const before = inspectTokensFile(path, runtime, missingOk);
    if (before === undefined) return undefined;
    let text: string;
    try {
      text = await runtime.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3) continue; // removed under our feet: look again
      throw new ApiError('E_TOKENS_FILE', `The tokens file ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}.`);
    }
    inspectTokensFile(path, runtime, missingOk); // still safe
    return { text: parseTokens(text), facts: before };
  }
}

/** Whether two stats are of the same file unchanged (both missing: yes). */
export function sameFile(a: FileFacts | undefined, b: FileFacts | undefined): boolean {
  return a === undefined || b === undefined ? a === b : signature(a) === signature(b);
}

function signature(f: FileFacts): string {
  return `${f.dev}:${f.ino}:${f.size}:${f.mtimeMs}:${f.mode}:${f.uid}`;
}

interface Loaded {
  readonly signature: string;
  readonly byKey: ReadonlyMap<string, TokenEntry>;
  /** the parameters of the newest token: what a verify that finds no token pays, so as to cost the same */
  readonly params: ScryptParams;
  /** why the file cannot be used (every verify fails) */
  readonly problem?: string;
}

/** The most verified secrets remembered (then forgotten all at once). */
const CACHE_MAX = 10_000;

/**
 * The tokens file as `serve` uses it: checked at start, re-read when it
 * changes (a stat on each verify), each secret checked with scrypt and
 * compared in constant time.
 */
export class TokenStore {
  private loaded: Loaded | undefined;
  private loading: { signature: string; promise: Promise<Loaded> } | undefined;
  /** HMAC(user NUL secret) -> who, for secrets verified against the file as it is now */
  private readonly cache = new Map<string, TokenIdentity>();
  private readonly inFlight = new Map<string, Promise<TokenIdentity | undefined>>();
  private readonly cacheKey = randomBytes(32);
  /** what a verify of no token compares against (never matches: it is random) */
  private readonly decoy = { salt: randomBytes(16), hash: randomBytes(32) };
  private lastReported: string | undefined;
  /** reads are numbered: one that ends after a later one has been taken is not */
  private started = 0;
  private settled = 0;

  constructor(
    private readonly path: string,
    private readonly runtime: Runtime,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The file must be safe (see inspectTokensFile) and present; else ApiError, one line. */
  check(): void {
    inspectTokensFile(this.path, this.runtime);
  }

  /** USER:SECRET -> who, or undefined (never throws for what a client sends). */
  async verify(user: string, secret: string): Promise<TokenIdentity | undefined> {
    const state = await this.current();
    const id = SECRET.exec(secret)?.[1];
    const entry = state.problem === undefined && id !== undefined && USER_NAME.test(user) ? state.byKey.get(`${user}\0${id}`) : undefined;
    const key = createHmac('sha256', this.cacheKey).update(user).update('\0').update(secret).digest('base64');
    if (entry !== undefined) {
      const known = this.cache.get(key);
      if (known !== undefined && this.loaded === state) return known;
    }
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.check1(state, entry, secret, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async check1(state: Loaded, entry: TokenEntry | undefined, secret: string, key: string): Promise<TokenIdentity | undefined> {
    const target = entry ?? { params: state.params, ...this.decoy };
    let derived: Buffer;
    try {
      derived = await derive(secret, target.salt, target.hash.length, target.params);
    } catch {
      return undefined;
    }
    if (!timingSafeEqual(derived, target.hash) || entry === undefined) return undefined;
    // revoked while scrypt ran (another verify re-read the file): no
    if (this.loaded !== state && this.loaded?.byKey.get(`${entry.user}\0${entry.id}`)?.hash.equals(entry.hash) !== true) return undefined;
    const who = { user: entry.user, name: entry.name };
    if (this.loaded === state) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, who);
    }
    return who;
  }

  /** The file as it is now: a stat, and a read when it changed. */
  private async current(): Promise<Loaded> {
    let facts: FileFacts | undefined;
    let problem: string | undefined;
    try {
      facts = inspectTokensFile(this.path, this.runtime);
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    if (facts === undefined) return this.settle(++this.started, { signature: `problem:${problem}`, byKey: new Map(), params: SCRYPT_DEFAULTS, problem: problem as string });
    const sig = signature(facts);
    if (this.loaded?.signature === sig) return this.loaded;
    if (this.loading?.signature !== sig) {
      const promise = this.load();
      this.loading = { signature: sig, promise };
      void promise.finally(() => {
        if (this.loading?.promise === promise) this.loading = undefined;
      });
    }
    return this.loading.promise;
  }

  private async load(): Promise<Loaded> {
    const seq = ++this.started;
    let read;
    try {
      read = await readTokensFile(this.path, this.runtime);
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      return this.settle(seq, { signature: `problem:${problem}`, byKey: new Map(), params: SCRYPT_DEFAULTS, problem });
    }
    const { text, facts } = read as NonNullable<typeof read>;
    const byKey = new Map<string, TokenEntry>();
    let newest: TokenEntry | undefined;
    for (const e of text.entries) {
      if (!byKey.has(`${e.user}\0${e.id}`)) byKey.set(`${e.user}\0${e.id}`, e);
      if (newest === undefined || e.created >= newest.created) newest = e;
    }
    if (text.skipped.length > 0) {
      this.log(`tokens file ${this.path}: ${text.skipped.length} line(s) not understood and passed over (line ${text.skipped.slice(0, 5).join(', ')}${text.skipped.length > 5 ? ', ...' : ''})`);
    }
    // the signature before reading: a file changed since is read again at the next verify
    return this.settle(seq, { signature: signature(facts), byKey, params: newest?.params ?? SCRYPT_DEFAULTS });
  }

  /** Take a new state: forget what was verified against the old one; say once when the file becomes unusable, and when it is usable again. */
  private settle(seq: number, state: Loaded): Loaded {
    if (seq < this.settled) return state; // a later reading has been taken: this one answers only the verifies that waited for it
    this.settled = seq;
    if (this.loaded?.signature === state.signature) return this.loaded;
    if (state.problem !== undefined) {
      if (this.lastReported !== state.problem) this.log(`${state.problem} Every token is refused until it is fixed.`);
      this.lastReported = state.problem;
    } else if (this.lastReported !== undefined) {
      this.log(`The tokens file ${this.path} can be used again: ${state.byKey.size} token(s).`);
      this.lastReported = undefined;
    }
    this.cache.clear();
    this.loaded = state;
    return state;
  }
}
