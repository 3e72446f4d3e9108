import type { Daemon } from './observation.js';

/**
 * A session as the native front (`ftpsessions list`, top, watch, kill)
 * shows it: every account's, with what each source knows of the transfer.
 * `null` where no source here can know the value (README: fields by source).
 */
export type NativeState = 'IDLE' | 'DL' | 'UL' | 'AUTH';

export interface NativeRow {
  /** the system account the session belongs to (model/scope.ts ownerOf); null before login */
  account: string | null;
  pid: number;
  daemon: Daemon;
  /** the FTP login name, where a source says it */
  login: string | null;
  /** the client's address */
  host: string | null;
  /** IDLE, DL, UL; AUTH: connected, not logged in (root, --include-unauthenticated) */
  state: NativeState;
  /** the file in transfer: as the client named it, else the path the process has open */
  file: string | null;
  /** the session's current directory (ProFTPD) */
  cwd: string | null;
  /** when the client connected, ISO 8601 UTC to the second */
  connected_at: string | null;
  /** seconds since the session last did something (0 while it transfers) */
  idle_seconds: number | null;
  /** bytes moved so far by the transfer in progress */
  transferred_bytes: number | null;
  /** the file's size (downloads) */
  size_bytes: number | null;
  /** transferred of size, 0-100, one decimal */
  percent: number | null;
  /** bytes per second: measured from two readings, else as the daemon reports it */
  rate_bytes_per_second: number | null;
  /** the process title */
  cmdline: string;
}

export const NATIVE_KEYS = [
  'account',
  'pid',
  'daemon',
  'login',
  'host',
  'state',
  'file',
  'cwd',
  'connected_at',
  'idle_seconds',
  'transferred_bytes',
  'size_bytes',
  'percent',
  'rate_bytes_per_second',
  'cmdline',
] as const satisfies ReadonlyArray<keyof NativeRow>;

export type NativeKey = (typeof NATIVE_KEYS)[number];

/** The keys whose values are numbers (sorted numerically, nulls last). */
export const NUMERIC_KEYS: ReadonlySet<NativeKey> = new Set(['pid', 'idle_seconds', 'transferred_bytes', 'size_bytes', 'percent', 'rate_bytes_per_second']);

/** The transfer detail `--extended` adds to cPanel's rows (uapi, cpapi2). */
export const EXTENDED_KEYS = ['cwd', 'idle_seconds', 'percent', 'rate_bytes_per_second', 'size_bytes', 'transferred_bytes'] as const satisfies ReadonlyArray<NativeKey>;

/** ISO 8601 UTC to the second (`2026-12-01T12:00:00Z`); null for a time no Date can hold. */
export function isoSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
