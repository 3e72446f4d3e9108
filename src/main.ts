import { constants } from 'node:fs';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { access, readdir, readFile, readlink } from 'node:fs/promises';
import type { Dialect } from './cli/invocation.js';
import { run } from './run.js';
import type { ExecResult, Runtime } from './runtime.js';

/**
 * The only module that touches `process`: it builds the Node runtime, runs
 * the pipeline and sets the exit code.
 */
export async function main(dialect: Dialect): Promise<void> {
  // `| head` closes the pipe early: stop quietly instead of crashing.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  process.exitCode = await run(dialect, nodeRuntime());
}

function nodeRuntime(): Runtime {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    uid: process.geteuid?.() ?? process.getuid?.() ?? 0,
    stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
    stderr: { write: (text) => void process.stderr.write(text) },
    now: () => Date.now(),
    exec,
    readFile: (path) => readFile(path, 'utf8'),
    readDir: (path) => readdir(path),
    readFileNow: (path) => readFileSync(path, 'utf8'),
    readDirNow: (path) => readdirSync(path),
    readLinkNow: (path) => readlinkSync(path),
    statNow: (path) => {
      const { dev, ino, uid, mode } = statSync(path);
      return { dev, ino, uid, mode };
    },
    readLink: (path) => readlink(path),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    kill: async (pid, signal) => {
      process.kill(pid, signal);
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    isExecutable: (path) =>
      access(path, constants.X_OK).then(
        () => true,
        () => false,
      ),
  };
}

/** execFile with an argv array, no shell; node:child_process is loaded only when a source is run. */
async function exec(file: string, args: readonly string[], options: { timeoutMs: number; env: Record<string, string> }) {
  const { execFile } = await import('node:child_process');
  return new Promise<ExecResult>((resolve) => {
    execFile(
      file,
      [...args],
      { env: options.env, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', shell: false },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ exitCode: 0, stdout, stderr, timedOut: false });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string; signal?: string };
        if (typeof e.code === 'string') {
          return resolve({ exitCode: null, stdout, stderr, timedOut: false, spawnError: e.code });
        }
        const timedOut = e.killed === true && e.signal === 'SIGKILL';
        resolve({ exitCode: typeof e.code === 'number' ? e.code : null, stdout, stderr, timedOut });
      },
    );
  });
}
