import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * Where serve listens. 2097, not cPanel's 2095: cpsrvd holds 2095 (webmail)
 * and 2096 (webmail over TLS) on every address of a cPanel server, so
 * 127.0.0.1:2095 would fail there with EADDRINUSE; 2097 sits next to them
 * and no cPanel service uses it.
 */
export const DEFAULT_PORT = 2097;
export const DEFAULT_LISTEN = `127.0.0.1:${DEFAULT_PORT}`;

/** An IP literal (IPv6 without brackets) and a port (0: the kernel picks one). */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/**
 * `--listen HOST:PORT`: an IPv4 address or a bracketed IPv6 one
 * (`[::1]:2097`), never a host name (which address a name means is the
 * resolver's choice, and a refusal of plain HTTP must know it).
 */
export function parseListen(text: string): Address {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const usage = `--listen ${JSON.stringify(text)}: give an IP address and a port (127.0.0.1:${DEFAULT_PORT}, [::1]:${DEFAULT_PORT})`;
  if (m === null) throw new UsageError(usage);
  const [, v6, v4, portText] = m as unknown as [string, string | undefined, string | undefined, string];
  const port = Number(portText);
  if (port > 65535) throw new UsageError(`--listen ${JSON.stringify(text)}: the port must be 0 to 65535`);
  if (v6 !== undefined) {
    if (!isIPv6(v6) || v6.includes('%')) throw new UsageError(`--listen ${JSON.stringify(text)}: ${JSON.stringify(v6)} is not an IPv6 address`);
    return { host: v6.toLowerCase(), port };
  }
  if (v4 === undefined || !isIPv4(v4)) {
    throw new UsageError(`${usage}: ${JSON.stringify(v4)} is not an IPv4 address (IPv6 goes in brackets)`);
  }
  return { host: v4, port };
}

/** 127.0.0.0/8 and ::1 (also written ::ffff:127.x.y.z or 0:0:0:0:0:0:0:1). */
export function isLoopback(host: string): boolean {
  if (isIPv4(host)) return host.startsWith('127.');
  if (!isIPv6(host)) return false;
  const groups = expandIPv6(host);
  if (groups === undefined) return false;
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true;
  // ::ffff:127.0.0.1
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && groups[6]! >> 8 === 127;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad taken as two groups); undefined if it is not one. */
export function expandIPv6(host: string): number[] | undefined {
  if (!isIPv6(host)) return undefined;
  let text = host.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad !== null) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 ? groups : undefined;
}

/** How an address is written in a URL or a log line: `127.0.0.1:2097`, `[::1]:2097`. */
export function formatAddress({ host, port }: Address): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
