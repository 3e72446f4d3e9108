import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { decodeText, type ExecOptions, type ExecResult, type FileFacts, ReadRefused, type Runtime } from '../../src/runtime.js';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

/** A program the fake runtime can run: a fixed result, or one computed from the call. */
export type FakeProgram = ExecResult | ((args: readonly string[], options: ExecOptions) => ExecResult);

export interface TestRuntimeOptions {
  argv: string[];
  uid?: number;
  /** epoch ms */
  now?: number;
  env?: Record<string, string>;
  isTTY?: boolean;
  /** the terminal's width (only on a terminal; the real runtime says 80 when the terminal does not) */
  columns?: number;
  /** path -> contents; /etc/passwd defaults to a small user database */
  files?: Record<string, string>;
  /** path -> symbolic link target (a /proc capture's fd links) */
  links?: Record<string, string>;
  /**
   * path -> what stat(2) says. A /proc/PID/exe not given here is, where the
   * fake /proc has that pid, the root-owned daemon its comm names
   * (`/usr/sbin/<comm>`, mode 0755): a real daemon's process. readFile
   * refuses a path whose mode here is a directory, FIFO, socket or device,
   * as the real runtime does (`is a FIFO, not a file`).
   */
  stats?: Record<string, FileFacts>;
  /** absolute path -> program */
  programs?: Record<string, FakeProgram>;
  /** what a signal does (default: nothing); throw an errno error to refuse */
  kill?: (pid: number, signal: 'SIGTERM' | 'SIGKILL', files: Record<string, string>) => void;
  stdin?: string;
  /** whether standard output still takes text (drain); default always */
  stdoutOpen?: () => boolean;
  /** whether standard input is a terminal (a person can be asked) */
  stdinIsTTY?: boolean;
  /** the lines a person types, one per readLine (undefined after the last: end of input) */
  answers?: string[];
  /** the interactive terminal (top) */
  terminal?: import('../../src/terminal/types.js').Terminal;
}

export interface TestRuntime extends Runtime {
  /** the handlers onSignal registered: call one to deliver a signal */
  signalHandlers: Array<(signal: import('../../src/runtime.js').StopSignal) => void>;
  out: string;
  err: string;
  signals: Array<[number, string]>;
  /** the fake file system, to change under the code's feet */
  files: Record<string, string>;
  calls: Array<{ file: string; args: readonly string[]; options: ExecOptions }>;
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'ftp:x:999:999::/srv/ftp:/usr/sbin/nologin',
  'alice:x:1001:1001::/home/alice:/bin/sh',
  'ftpvirt:x:1002:1002::/home/ftpvirt:/bin/sh',
  'charlotte-longname:x:1003:1003::/home/charlotte:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  '',
].join('\n');

/** The moment the lab captured pure-ftpd's 02-tricky phase (test/fixtures/pure-ftpd/MANIFEST.tsv). */
export const CAPTURE_NOW = Date.parse('2026-11-22T06:06:48Z');

export function ok(stdout: string): ExecResult {
  return { exitCode: 0, stdout, stderr: '', timedOut: false };
}

export function createTestRuntime(options: TestRuntimeOptions): TestRuntime {
  const files: Record<string, string> = { '/etc/passwd': PASSWD, ...options.files };
  const programs = options.programs ?? {};
  const runtime: TestRuntime = {
    argv: options.argv,
    env: options.env ?? {},
    uid: options.uid ?? 0,
    out: '',
    err: '',
    calls: [],
    signals: [],
    files,
    stdout: {
      isTTY: options.isTTY ?? false,
      columns: options.isTTY === true ? (options.columns ?? 80) : undefined,
      write: (text) => {
        runtime.out += text;
      },
      drain: async () => options.stdoutOpen?.() ?? true,
    },
    stderr: {
      write: (text) => {
        runtime.err += text;
      },
    },
    now: () => options.now ?? CAPTURE_NOW,
    exec: async (file, args, execOptions) => {
      runtime.calls.push({ file, args, options: execOptions });
      const program = programs[file];
      if (program === undefined) return { exitCode: null, stdout: '', stderr: '', timedOut: false, spawnError: 'ENOENT' };
      return typeof program === 'function' ? program(args, execOptions) : program;
    },
    // as the real one: what is not a file is refused, the text checked (size, NUL, UTF-8)
    readFile: async (path) => {
      const what = NOT_A_FILE[(options.stats?.[path]?.mode ?? 0o100000) & 0o170000];
      if (what !== undefined) throw new ReadRefused('E_NOT_FILE', `is ${what}, not a file`);
      return decodeText(Buffer.from(runtime.readFileNow(path)));
    },
    readDir: async (path) => runtime.readDirNow(path),
    readLink: async (path) => runtime.readLinkNow(path),
    readFileNow: (path, { untrusted = false } = {}) => {
      const what = untrusted ? NOT_A_FILE[(options.stats?.[path]?.mode ?? 0o100000) & 0o170000] : undefined;
      if (what !== undefined) throw new ReadRefused('E_NOT_FILE', `is ${what}, not a file`);
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    readDirNow: (path) => {
      const prefix = `${path.replace(/\/+$/, '')}/`;
      const names = new Set<string>();
      for (const p of [...Object.keys(files), ...Object.keys(options.links ?? {})]) {
        if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] as string);
      }
      if (names.size === 0) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return [...names];
    },
    readLinkNow: (path) => {
      const exe = /^\/proc\/(\d+)\/exe$/.exec(path);
      const stat = exe === null ? undefined : files[`/proc/${exe[1]}/stat`];
      if (stat !== undefined && options.links?.[path] === undefined) return `/usr/sbin/${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`;
      const target = options.links?.[path];
      if (target === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return target;
    },
    statNow: (path) => {
      const given = options.stats?.[path];
      if (given !== undefined) return given;
      const exe = /^\/proc\/(\d+)\/exe$/.exec(path);
      const stat = exe === null ? undefined : files[`/proc/${exe[1]}/stat`];
      if (stat !== undefined) return daemonFile(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      if (path in files) return { dev: 1, ino: 1 + Object.keys(files).indexOf(path), uid: 0, mode: 0o100644 };
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    readStdin: async () => decodeText(Buffer.from(options.stdin ?? '')),
    kill: async (pid, signal) => {
      runtime.signals.push([pid, signal]);
      options.kill?.(pid, signal, files);
    },
    sleep: async () => {},
    isExecutable: async (path) => path in programs,
    stdin: { isTTY: options.stdinIsTTY ?? false },
    readLine: async (prompt) => {
      runtime.stderr.write(prompt);
      return options.answers?.shift();
    },
    onSignal: (handler) => {
      runtime.signalHandlers.push(handler);
      return () => {
        runtime.signalHandlers.splice(runtime.signalHandlers.indexOf(handler), 1);
      };
    },
    signalHandlers: [],
    terminal: async () => options.terminal,
    pid: 4242,
    makeDir: async (path, mode) => {
      (options.stats ??= {})[path] ??= { dev: 1, ino: 8, uid: runtime.uid, mode: 0o040000 | mode };
    },
    writeFileAtomic: async (path, text, mode) => {
      files[path] = text;
      (options.stats ??= {})[path] = { dev: 1, ino: 7, uid: runtime.uid, mode: 0o100000 | mode, size: Buffer.byteLength(text), mtimeMs: runtime.now() };
    },
  };
  return runtime;
}

/** st_mode file types readFile refuses (a path whose `stats` give one of these is not read), as the real runtime words them. */
const NOT_A_FILE: Record<number, string> = { 0o040000: 'a directory', 0o010000: 'a FIFO', 0o140000: 'a socket', 0o020000: 'a character device', 0o060000: 'a block device' };

/** The program file of a real daemon: root's, 0755, one inode per program. */
export function daemonFile(program: string): FileFacts {
  return { dev: 2049, ino: 900_000 + [...program].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 100_000, 7), uid: 0, mode: 0o100755 };
}

/** The boot time the fake /proc trees below claim. */
export const BTIME = Date.parse('2026-11-22T05:25:03Z') / 1000;

/**
 * A /proc tree (comm, cmdline, stat, status, and /proc/stat) for every
 * process of a ps capture in the live format: what the proc source would
 * read on the machine the capture was taken on, without descriptors.
 */
export function procFromPs(ps: string): Record<string, string> {
  const files: Record<string, string> = { '/proc/stat': `cpu  1 2 3\nbtime ${BTIME}\nprocesses 1\n` };
  for (const line of ps.split('\n')) {
    const m = /^ *(\d+) +(\d+) +(\d+) +\S+ +(\w{3} +\w{3} +\d+ [\d:]+ \d{4}) (.*)$/.exec(line);
    if (!m) continue;
    const [, pid, ppid, uid, lstart, title] = m as unknown as [string, string, string, string, string, string];
    const comm = /^(pure-ftpd|proftpd|vsftpd)\b/.exec(title)?.[1] ?? /^\[?([^\s\]]+)/.exec(title)?.[1]?.split('/').pop() ?? 'x';
    const ticks = Math.round((Date.parse(`${lstart.replace(/ +/g, ' ')} UTC`) / 1000 - BTIME) * 100);
    const rest = ['S', ppid, ...Array(17).fill('0'), String(ticks), '0', '0'];
    files[`/proc/${pid}/comm`] = `${comm.slice(0, 15)}\n`;
    files[`/proc/${pid}/cmdline`] = `${title.trimEnd().split(' ').join('\0')}\0`;
    files[`/proc/${pid}/stat`] = `${pid} (${comm.slice(0, 15)}) ${rest.join(' ')}\n`;
    files[`/proc/${pid}/status`] = `Name:\t${comm}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`;
  }
  return files;
}

/** A runtime whose file reads go to the disk (to read a captured /proc tree as the proc source does). */
export function diskRuntime(options: Partial<TestRuntimeOptions> & { argv?: string[] } = {}): TestRuntime {
  const rt = createTestRuntime({ argv: [], ...options });
  const fallback = { ...rt };
  const onDisk = (p: string) => p.startsWith(FIXTURES) || p.startsWith('/tmp/');
  rt.readFile = (p) => (onDisk(p) ? readFile(p).then(decodeText) : fallback.readFile(p));
  rt.readDir = (p) => (onDisk(p) ? readdir(p) : fallback.readDir(p));
  rt.readLink = (p) => (onDisk(p) ? readlink(p) : fallback.readLink(p));
  rt.readFileNow = (p) => (onDisk(p) ? readFileSync(p, 'utf8') : fallback.readFileNow(p));
  rt.readDirNow = (p) => (onDisk(p) ? readdirSync(p) : fallback.readDirNow(p));
  rt.readLinkNow = (p) => (onDisk(p) ? readlinkSync(p) : fallback.readLinkNow(p));
  rt.statNow = (p) => (onDisk(p) ? statSync(p) : fallback.statNow(p));
  return rt;
}
