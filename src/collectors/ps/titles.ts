import { type Daemon, type SessionState, stateOfCommand } from '../../model/observation.js';
import { trimPadding } from '../text.js';

/**
 * What an FTP daemon's process title says. Grammars from
 * ftp-servers.md §2.1 (pure-ftpd), §3.1 (ProFTPD) and §4 (vsftpd).
 *
 * Titles carry text the client chose (a command's argument, before login
 * the USER argument, the anonymous "password"), and that text may hold any
 * character: every pattern here reads it as data (the `s` flag or explicit
 * classes, no `\s`, no `m`), and the shape that says "not logged in" is
 * recognised first, from the part of the title the daemon writes itself, so
 * no client text can turn a session that has not logged in into one that has.
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
const PRO_MASTER = 'proftpd: (accepting connections)';
/**
 * ProFTPD before login: `connected: <name> (<ip>:<port>)` until the first
 * command, then `<ip>:<port>: <command>`; the address and port come from the
 * socket, the rest from the client (USER's argument: anything).
 */
const PRO_CONNECTED = 'proftpd: connected: ';
const PRO_CONNECTED_HOST = /^proftpd: connected: .* \(([^ ]+):\d+\)$/s;
const PRO_PRELOGIN = /^proftpd: ([^ ]+):(\d+): /;
/** After login: `<user> - <host>: <what>`; a host name or address has no spaces. */
const PRO_LOGGED_IN = /^proftpd: (.+?) - ([^ ]+?): (.*)$/s;
/** vsftpd: `<ip>: <text>` before login (and the privileged parent), `<ip>/<user>: <what>` after. */
const VS_ADDRESS = /^vsftpd: ([0-9A-Fa-f.:]+)([:/])/;
const VS_LOGGED_IN = /^vsftpd: [0-9A-Fa-f.:]+\/(.*?): (.*)$/s;

/** Which daemon a process title belongs to, listeners and helpers included (an untitled one by its program). */
export function daemonOfTitle(title: string): Daemon | undefined {
  const m = /^(?:(pure-ftpd) \(|(proftpd): |(vsftpd): |[^ ]*\/(pure-ftpd|proftpd|vsftpd)(?: |$))/.exec(title);
  return (m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4]) as Daemon | undefined;
}

export function classifyTitle(rawTitle: string): TitleInfo | undefined {
  const title = trimPadding(rawTitle);
  if (title.startsWith('pure-ftpd (')) return pureFtpd(title);
  if (title.startsWith('proftpd: ')) return proftpd(title);
  if (title.startsWith('vsftpd: ')) return vsftpd(title);
  return undefined;
}

function pureFtpd(title: string): TitleInfo | undefined {
  const m = PURE.exec(title);
  if (m === null || m[1] === 'SERVER' || m[1] === 'PRIV') return undefined;
  // The title never names the user, nor anything the client sent; a session runs as root until login.
  return { daemon: 'pure-ftpd', loggedIn: 'by-uid', state: stateOfCommand(m[1] as string), cmdline: m[0] };
}

function proftpd(title: string): TitleInfo | undefined {
  if (title === PRO_MASTER) return undefined;
  // Not logged in: recognised by the daemon's own prefix, whatever follows it.
  if (title.startsWith(PRO_CONNECTED)) {
    const host = PRO_CONNECTED_HOST.exec(title)?.[1];
    return { daemon: 'proftpd', loggedIn: false, state: 'IDLE', ...(host !== undefined ? { host } : {}), cmdline: title };
  }
  const pre = PRO_PRELOGIN.exec(title);
  if (pre !== null) return { daemon: 'proftpd', loggedIn: false, state: 'IDLE', host: pre[1] as string, cmdline: title };

  const m = PRO_LOGGED_IN.exec(title);
  if (m === null) return undefined;
  const [, login, host, rest] = m as unknown as [string, string, string, string];
  const anonymous = anonymousTail(rest);
  if (anonymous === undefined) return { daemon: 'proftpd', loggedIn: true, login, host, cmdline: title, ...activity(rest) };
  // The anonymous "password" (an e-mail address, but anything the client sent)
  // is in the title for every ps user to see: never in ours.
  const cmdline = `proftpd: ${login} - ${host}: anonymous${anonymous === '' ? '' : `: ${anonymous}`}`;
  return { daemon: 'proftpd', loggedIn: true, login, host, cmdline, ...activity(anonymous) };
}

/**
 * The commands ProFTPD shows in a title (RFC 959 and its extensions), and
 * `IDLE`: what may follow an anonymous login's password.
 */
const FTP_COMMANDS = new Set(
  (
    'ABOR ACCT ADAT ALLO APPE AUTH CCC CDUP CLNT CONF CSID CWD DELE ENC EPRT EPSV FEAT HELP HOST LANG LIST MDTM MFCT MFF MFMT ' +
    'MIC MKD MLSD MLST MODE NLST NOOP OPTS PASS PASV PBSZ PORT PROT PWD QUIT RANG REIN REST RETR RMD RNFR RNTO SITE SIZE SMNT ' +
    'STAT STOR STOU STRU SYST TYPE USER XCUP XCWD XMKD XPWD XRMD'
  ).split(' '),
);

/**
 * `anonymous/<password>: <what>` (or `anonymous: <what>` when ProFTPD hides
 * the password) -> `<what>`, '' when no command can be told apart (a title
 * cut short). The password may hold `: ` and command names too, and nothing
 * marks where it ends: the command is taken to start at the LAST `: ` that is
 * followed by `IDLE` (ending the title) or an FTP command, so that all of the
 * password is always left out, at worst with some of the command's argument.
 * Undefined when `rest` is not an anonymous login's.
 */
function anonymousTail(rest: string): string | undefined {
  if (rest === 'anonymous') return '';
  if (!rest.startsWith('anonymous/') && !rest.startsWith('anonymous: ')) return undefined;
  for (let at = rest.lastIndexOf(': '); at >= 'anonymous'.length; at = rest.lastIndexOf(': ', at - 1)) {
    const start = at + 2;
    if (rest.length === start + 4 && rest.startsWith('IDLE', start)) return 'IDLE';
    // the word after it, looked at up to 5 characters (no copy of the rest: linear in the title)
    let end = start;
    while (end < rest.length && end - start < 5 && rest.charCodeAt(end) !== 0x20) end++;
    if ((end === rest.length || rest.charCodeAt(end) === 0x20) && FTP_COMMANDS.has(rest.slice(start, end).toUpperCase())) {
      return rest.slice(start);
    }
  }
  return '';
}

function vsftpd(title: string): TitleInfo | undefined {
  const address = VS_ADDRESS.exec(title);
  if (address === null) return undefined;
  const host = address[1] as string;
  // `<ip>: ...`: no user in the title, so nothing after it can make one
  if (address[2] === ':') {
    if (title === `vsftpd: ${host}: not logged in`) return { daemon: 'vsftpd', loggedIn: false, state: 'IDLE', host, cmdline: title };
    // `<ip>: connected` is the privileged parent, not the session
    return undefined;
  }
  const m = VS_LOGGED_IN.exec(title);
  if (m === null) return undefined;
  const [, login, what] = m as unknown as [string, string, string];
  return { daemon: 'vsftpd', loggedIn: true, login, host, cmdline: title, ...activity(what) };
}

/** `IDLE` or `<COMMAND>[ <argument>]` -> state and, during a transfer, the file (every character of it). */
function activity(what: string): { state: SessionState; file?: string } {
  const space = what.indexOf(' ');
  const command = space === -1 ? what : what.slice(0, space);
  const state = stateOfCommand(command);
  return state === 'IDLE' ? { state } : { state, file: space === -1 ? '' : what.slice(space + 1) };
}
