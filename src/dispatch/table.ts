import type { Dialect } from '../cli/invocation.js';
import type { FunctionHandler } from '../functions/types.js';

/**
 * The module -> function table. Each entry names the dialect that exposes it
 * (cpapi2 speaks API 2, uapi speaks UAPI) and loads its handler lazily.
 */
export interface FunctionEntry {
  readonly dialect: Dialect;
  readonly summary: string;
  readonly load: () => Promise<FunctionHandler>;
}

export const MODULES: Readonly<Record<string, Readonly<Record<string, FunctionEntry>>>> = {
  // the JSON action API of `ftpsessions`: api "admin"
  admin: {
    listSessions: {
      dialect: 'action',
      summary: "list the account's active FTP sessions",
      load: async () => (await import('../functions/list-sessions.js')).listSessions,
    },
  },
  Ftp: {
    listftpsessions: {
      dialect: 'api2',
      summary: "list the account's active FTP sessions",
      load: async () => (await import('../functions/list-sessions.js')).listSessions,
    },
    list_sessions: {
      dialect: 'uapi',
      summary: "list the account's active FTP sessions",
      load: async () => (await import('../functions/list-sessions.js')).listSessions,
    },
    kill_session: {
      dialect: 'uapi',
      summary: "end the account's sessions: login=PID or login=all (the default)",
      load: async () => (await import('../functions/kill-session.js')).killSession,
    },
    get_ftp_daemon_info: {
      dialect: 'uapi',
      summary: 'which FTP daemon runs here and what it supports',
      load: async () => (await import('../functions/daemon-info.js')).getFtpDaemonInfo,
    },
  },
};

/** `Module::function` names a dialect offers, for --help. */
export function functionsOf(dialect: Dialect): Array<{ module: string; func: string; summary: string }> {
  const out: Array<{ module: string; func: string; summary: string }> = [];
  for (const [module, functions] of Object.entries(MODULES)) {
    for (const [func, entry] of Object.entries(functions)) {
      if (entry.dialect === dialect) out.push({ module, func, summary: entry.summary });
    }
  }
  return out;
}
