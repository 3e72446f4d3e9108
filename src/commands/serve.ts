import { UsageError } from '../errors.js';
import { terminalSafe } from '../render/terminal-safe.js';
import type { Runtime } from '../runtime.js';
import { type Address, DEFAULT_LISTEN, formatAddress, isLoopback, parseListen } from '../serve/address.js';
import { FailureLimiter } from '../serve/limits.js';
import { createResponder } from '../serve/routes.js';
import { startServer } from '../serve/server.js';
import { DEFAULT_TOKENS_FILE, TokenStore } from '../serve/tokens.js';
import type { CommandHandler } from './table.js';

/**
 * `ftpsessions serve`: cPanel's HTTP APIs on the --listen addresses until
 * SIGTERM or SIGINT (then 0, once the requests under way are answered).
 * Usage errors (exit 2): a bad --listen, one of --tls-cert/--tls-key
 * without the other, plain HTTP on an address other than loopback without
 * --insecure-http. Exit 1, one line: a tokens file missing or unsafe, a
 * certificate or key that cannot be read or do not match, an address that
 * cannot be taken. Log lines on stderr: `ftpsessions[PID]: ...`.
 */
export const serve: CommandHandler = async (invocation, runtime) => {
  const options = invocation.options;
  const listen = listenAddresses(options.listen);
  const tlsCert = stringOption(options.tlsCert, '--tls-cert');
  const tlsKey = stringOption(options.tlsKey, '--tls-key');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new UsageError(tlsCert === undefined ? '--tls-key needs --tls-cert (the certificate it belongs to)' : '--tls-cert needs --tls-key (its private key)');
  }
  const tls = tlsCert !== undefined && tlsKey !== undefined ? { certPath: tlsCert, keyPath: tlsKey } : undefined;
  if (tls === undefined && options.insecureHttp !== true) {
    const exposed = listen.find((address) => !isLoopback(address.host));
    if (exposed !== undefined) {
      throw new UsageError(
        `--listen ${formatAddress(exposed)} is not a loopback address: plain HTTP there would carry the API tokens in clear text; give --tls-cert and --tls-key (or --insecure-http, behind a TLS proxy)`,
      );
    }
  }
  const metricsOpen = options.metricsOpen === true;
  if (metricsOpen) {
    const exposed = listen.find((address) => !isLoopback(address.host));
    if (exposed !== undefined) throw new UsageError(`--metrics-open serves /metrics to anyone who can connect: every --listen must be loopback, not ${formatAddress(exposed)}`);
  }
  const tokensPath = stringOption(options.tokens, '--tokens') ?? DEFAULT_TOKENS_FILE;

  const log = serviceLog(runtime);
  const tokens = new TokenStore(tokensPath, runtime, log);
  tokens.check();
  const limiter = new FailureLimiter(runtime);
  const respond = createResponder({ tokens, limiter, runtime, log, metricsOpen });
  const server = await startServer({ listen, tls, respond, runtime, log });
  for (const url of server.addresses()) log(`listening on ${url}`);
  await server.stopped;
  log('stopped');
  return 0;
};

/** `ftpsessions[PID]: LINE` on stderr, one line whatever the text holds (journald and fail2ban read it). */
export function serviceLog(runtime: Runtime): (line: string) => void {
  return (line) => runtime.stderr.write(`ftpsessions[${runtime.pid}]: ${terminalSafe(line)}\n`);
}

function listenAddresses(value: string | boolean | string[] | undefined): Address[] {
  const texts = value === undefined ? [DEFAULT_LISTEN] : Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  if (texts.length === 0) throw new UsageError('--listen needs HOST:PORT');
  const addresses = texts.map(parseListen);
  const seen = new Set<string>();
  for (const address of addresses) {
    const key = formatAddress(address);
    if (address.port !== 0 && seen.has(key)) throw new UsageError(`--listen ${key} is given twice`);
    seen.add(key);
  }
  return addresses;
}

function stringOption(value: string | boolean | string[] | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`${flag} needs a value`);
  if (value === '') throw new UsageError(`${flag} needs a file name, not an empty string`);
  return value;
}
