import { readFileSync } from 'node:fs';
import type { ExecOptions, ExecResult, Runtime } from '../../src/runtime.js';

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
  /** path -> contents; /etc/passwd defaults to a small user database */
  files?: Record<string, string>;
  /** absolute path -> program */
  programs?: Record<string, FakeProgram>;
  stdin?: string;
}

export interface TestRuntime extends Runtime {
  out: string;
  err: string;
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
    stdout: {
      isTTY: options.isTTY ?? false,
      write: (text) => {
        runtime.out += text;
      },
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
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    readStdin: async () => options.stdin ?? '',
    isExecutable: async (path) => path in programs,
  };
  return runtime;
}
