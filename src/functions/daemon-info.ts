import { collect } from '../collectors/index.js';
import { refuseOverrides, resolveAccount } from '../model/accounts.js';
import type { Daemon } from '../model/observation.js';
import type { FunctionHandler } from './types.js';

/**
 * What each daemon supports, as cPanel's Cpanel::FtpUtils::Server says for
 * the two it runs; vsftpd (which cPanel does not run) logs in system users
 * by name and has no quota of its own.
 */
const SUPPORTS: Record<Daemon | '', { quota: 0 | 1; login_without_domain: 0 | 1 }> = {
  'pure-ftpd': { quota: 1, login_without_domain: 0 },
  proftpd: { quota: 0, login_without_domain: 1 },
  vsftpd: { quota: 0, login_without_domain: 1 },
  '': { quota: 0, login_without_domain: 0 },
};
/** When several run, the one reported: cPanel's default daemon first. */
const PRECEDENCE: Daemon[] = ['pure-ftpd', 'proftpd', 'vsftpd'];

/**
 * Ftp::get_ftp_daemon_info (UAPI): `{name, enabled, supports: {quota,
 * login_without_domain}}` for the daemon actually running here (seen in
 * /proc or ps, listeners included), `name: ""` and `enabled: 0` when none runs.
 */
export const getFtpDaemonInfo: FunctionHandler = async (invocation, runtime) => {
  refuseOverrides(invocation.overrides, runtime);
  await resolveAccount(invocation.user, runtime);
  // As root on the live system, only a real master counts (collectors/trust.ts: a process named vsftpd
  // is not a server), and one scan of /proc finds them; anyone else, or a replay, goes by the base source.
  const { running: seen, warnings: sourceWarnings } =
    runtime.uid === 0 && invocation.inputs.size === 0
      ? { running: (await import('../collectors/trust.js')).runningMasters(runtime), warnings: [] }
      : await collect(invocation.collector, invocation.inputs, { proftpdScoreboard: invocation.proftpdScoreboard, descriptorsOf: -1 }, runtime, {
          baseOnly: true,
        });
  const running = PRECEDENCE.filter((d) => seen.has(d));
  const name: Daemon | '' = running.find(() => true) ?? '';
  const warnings =
    running.length > 1 ? [`several FTP daemons run here (${running.join(', ')}): ${name} is reported.`] : [];
  return {
    data: { kind: 'object', value: { name, enabled: name === '' ? 0 : 1, supports: { ...SUPPORTS[name] } } },
    warnings: [...sourceWarnings, ...warnings],
  };
};
