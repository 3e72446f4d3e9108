import { type Daemon, type SessionState, stateOfCommand } from '../../model/observation.js';

/**
 * What an FTP daemon's process title says. Grammars from
 * ftp-servers.md §2.1 (pure-ftpd), §3.1 (ProFTPD) and §4 (vsftpd).
 */
export interface TitleInfo {
  daemon: Daemon;
  /** `session`: a logged-in or not-yet-logged-in client; helpers and listeners are not returned */
  loggedIn: boolean | 'by-uid';
  state: SessionState;
  login?: string;
  host?: string;
  file?: string;
  /** the title as we report it: padding and leftovers removed, secrets redacted */
  cmdline: string;
}

const PURE = /^pure-ftpd \((IDLE|DOWNLOAD|UPLOAD|SERVER|PRIV)\)/;
const PRO_MASTER = /^proftpd: \(accepting connections\)$/;
const PRO_CONNECTED = /^proftpd: connected: (\S+) \((.+):(\d+)\)$/;
const PRO_LOGGED_IN = /^proftpd: (.+?) - ([^ ]+?)(: anonymous(?:\/[^:]*)?)?: (.*)$/;
const PRO_PRELOGIN = /^proftpd: (.+):(\d+): (.*)$/;
const VS_LOGGED_IN = /^vsftpd: ([0-9A-Fa-f.:]+)\/([^:]*): (.*)$/;
const VS_PRELOGIN = /^vsftpd: ([0-9A-Fa-f.:]+): not logged in$/;

/** Which daemon a process title belongs to, listeners and helpers included (an untitled one by its program). */
export function daemonOfTitle(title: string): Daemon | undefined {
  const m = /^(?:(pure-ftpd) \(|(proftpd): |(vsftpd): |\S*\/(pure-ftpd|proftpd|vsftpd)(?: |$))/.exec(title);
  return (m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4]) as Daemon | undefined;
}

export function classifyTitle(rawTitle: string): TitleInfo | undefined {
  const title = rawTitle.trimEnd();
  if (title.startsWith('pure-ftpd (')) return pureFtpd(title);
  if (title.startsWith('proftpd: ')) return proftpd(title);
  if (title.startsWith('vsftpd: ')) return vsftpd(title);
  return undefined;
}

function pureFtpd(title: string): TitleInfo | undefined {
  const m = PURE.exec(title);
  if (m === null || m[1] === 'SERVER' || m[1] === 'PRIV') return undefined;
  // The title never names the user; a session runs as root until login.
  return { daemon: 'pure-ftpd', loggedIn: 'by-uid', state: stateOfCommand(m[1] as string), cmdline: m[0] };
}

function proftpd(title: string): TitleInfo | undefined {
  if (PRO_MASTER.test(title)) return undefined;
  let m = PRO_CONNECTED.exec(title);
  if (m !== null) return { daemon: 'proftpd', loggedIn: false, state: 'IDLE', host: m[2] as string, cmdline: title };
  m = PRO_LOGGED_IN.exec(title);
  if (m !== null) {
    const [, login, host, anonymous, what] = m as unknown as [string, string, string, string | undefined, string];
    // The anonymous "password" (an e-mail address) is in the title for every ps user to see: not in ours.
    const cmdline = anonymous === undefined ? title : `proftpd: ${login} - ${host}: anonymous: ${what}`;
    return { daemon: 'proftpd', loggedIn: true, login, host, cmdline, ...activity(what) };
  }
  m = PRO_PRELOGIN.exec(title);
  if (m !== null) return { daemon: 'proftpd', loggedIn: false, state: 'IDLE', host: m[1] as string, cmdline: title };
  return undefined;
}

function vsftpd(title: string): TitleInfo | undefined {
  let m = VS_LOGGED_IN.exec(title);
  if (m !== null) {
    const [, host, login, what] = m as unknown as [string, string, string, string];
    return { daemon: 'vsftpd', loggedIn: true, login, host, cmdline: title, ...activity(what) };
  }
  m = VS_PRELOGIN.exec(title);
  if (m !== null) return { daemon: 'vsftpd', loggedIn: false, state: 'IDLE', host: m[1] as string, cmdline: title };
  // `vsftpd: LISTENER` and the privileged `<ip>: connected` parent are not sessions.
  return undefined;
}

/** `IDLE` or `<COMMAND>[ <argument>]` -> state and, during a transfer, the file. */
function activity(what: string): { state: SessionState; file?: string } {
  const space = what.indexOf(' ');
  const command = space === -1 ? what : what.slice(0, space);
  const state = stateOfCommand(command);
  return state === 'IDLE' ? { state } : { state, file: space === -1 ? '' : what.slice(space + 1) };
}
