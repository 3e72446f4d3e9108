import type { NativeInvocation } from '../cli/invocation.js';
import { colorLevel } from '../render/color.js';
import type { NativeContext } from '../render/native.js';
import { terminalSafe } from '../render/terminal-safe.js';
import type { Runtime } from '../runtime.js';

/** What a native command's output is drawn for: colour (table only, as decided for cPanel's table), width, character set. */
export function nativeContext(invocation: NativeInvocation, runtime: Runtime): NativeContext {
  return {
    colorLevel: invocation.output === 'table' ? colorLevel(invocation.color, runtime.env, runtime.stdout.isTTY) : 0,
    columns: runtime.stdout.columns,
    unicode: unicodeLocale(runtime.env),
  };
}

/** Warnings: one line each on stderr, made safe for a terminal. */
export function warn(runtime: Runtime, warnings: readonly string[]): void {
  if (warnings.length > 0) runtime.stderr.write(warnings.map((w) => `${terminalSafe(`ftpsessions: warning: ${w}`)}\n`).join(''));
}

/** Whether the locale's character set is UTF-8 (as run.ts decides it for cPanel's table). */
function unicodeLocale(env: Readonly<Record<string, string | undefined>>): boolean {
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '');
  return locale !== undefined && /utf-?8/i.test(locale);
}
