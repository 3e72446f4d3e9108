import type { Daemon, Observation, SessionState } from '../../model/observation.js';
import { classifyTitle } from '../ps/titles.js';
import { trimPadding } from '../text.js';
import type { SourceReading } from '../types.js';
import { UNTITLED_VSFTPD, untitledSessions } from '../untitled.js';
import { type ProcProcess, type ProcSnapshot, SYSTEM_PATHS } from './snapshot.js';
import { lastReceived } from './tcpinfo.js';

/** Clock ticks per second of /proc/PID/stat times: 100 on every Linux we run on. */
const CLK_TCK = 100;


interface Parsed {
  p: ProcProcess;
  state: string;
  ppid: number;
  uid: number | undefined;
  startedAt: number | undefined;
  title: string;
  sockets: string[];
}

/**
 * /proc -> observations: every FTP daemon process whose title (or, for an
 * untitled vsftpd, whose place among its processes) says it is a session;
 * the client's address from its control socket; during a transfer, the file
 * it has open.
 */
export function parseProc(snapshot: ProcSnapshot, now?: number): SourceReading {
  const parsed = snapshot.processes.map((p) => parseProcess(p, snapshot.btime)).filter((x): x is Parsed => x !== undefined);
  const untitled = untitledSessions(
    parsed.filter((x) => x.p.comm === 'vsftpd' && UNTITLED_VSFTPD.test(x.title)).map((x) => ({ pid: x.p.pid, ppid: x.ppid, uid: x.uid })),
  );
  // Socket inodes are unique machine-wide, and a socket is listed in the table of
  // the namespace it was made in, not always the holder's (vsftpd moves each
  // session into a network namespace of its own): one map for all tables.
  const peers = new Map<string, string>();
  for (const text of snapshot.tcp.values()) for (const [inode, address] of establishedPeers(text)) peers.set(inode, address);
  const quiet = snapshot.tcpInfo === undefined || now === undefined ? undefined : lastReceived(snapshot.tcpInfo);
  const hints: { proftpdScoreboard?: string } = {};
  const observations: Observation[] = [];

  for (const x of parsed) {
    const { p } = x;
    if (p.comm === 'proftpd' && hints.proftpdScoreboard === undefined) {
      const board = p.fds?.find((f) => /scoreboard$/.test(f.target) && f.target.startsWith('/'));
      if (board !== undefined) hints.proftpdScoreboard = board.target;
    }
    if (x.state === 'Z') continue;

    // the connections this process holds, in descriptor order (the control connection first)
    const connected = x.sockets.filter((inode) => peers.has(inode));
    const host = connected.length === 0 ? undefined : peers.get(connected[0] as string);
    const lastrcv = connected.length === 0 ? undefined : quiet?.get(connected[0] as string);
    const open = openFile(p);
    const info = classifyTitle(x.title);
    let fields: Pick<Observation, 'daemon' | 'loggedIn' | 'state'> & Partial<Observation>;
    if (info !== undefined) {
      const { loggedIn, cmdline, ...rest } = info;
      fields = { ...rest, loggedIn: loggedIn === 'by-uid' ? x.uid !== undefined && x.uid !== 0 : loggedIn, title: cmdline };
    } else if (untitled.has(p.pid)) {
      const { loggedIn } = untitled.get(p.pid) as { loggedIn: boolean };
      fields = { daemon: 'vsftpd', loggedIn, state: open?.state ?? 'IDLE', title: x.title };
    } else {
      continue;
    }
    observations.push({
      pid: p.pid,
      ...fields,
      ...(x.uid !== undefined ? { uid: x.uid } : {}),
      ...(x.startedAt !== undefined ? { startedAt: x.startedAt } : {}),
      // the socket's numeric address is the truth; a title may show a resolved name
      ...(host !== undefined ? { host } : {}),
      ...(open !== undefined && fields.state !== 'IDLE' ? transferOf(open) : {}),
      // the control connection quiet since: its client's last command (tcpinfo.ts)
      ...(lastrcv !== undefined && fields.state === 'IDLE' && fields.loggedIn && now !== undefined ? { idleSince: now - lastrcv } : {}),
    });
  }
  // A tree with no boot time is not /proc (and would give no start times).
  if (snapshot.btime === undefined) return { observations: [], recognised: 0, skippedLines: [1] };
  const running = [...new Set(snapshot.processes.map((p) => p.comm as Daemon))];
  return { observations, recognised: snapshot.scanned, skippedLines: [], hints, running };
}

function parseProcess(p: ProcProcess, btime: number | undefined): Parsed | undefined {
  // pid (comm) state ppid ... : comm may hold anything, so read after the last ')'
  const fields = p.stat.slice(p.stat.lastIndexOf(')') + 2).split(' ');
  const [state, ppid] = fields;
  const ticks = fields[19];
  if (state === undefined || ppid === undefined) return undefined;
  // status is read for its Uid line: `Uid:<TAB>real<TAB>effective...`, at the start of a line (after a LF only)
  const uid = /(?:^|\n)Uid:[\t ]+\d+[\t ]+(\d+)/.exec(p.status)?.[1];
  return {
    p,
    state,
    ppid: Number(ppid),
    uid: uid === undefined ? undefined : Number(uid),
    // field 22, clock ticks since boot; out of range (or not a number) it is kept so that normalise names it unknown
    startedAt: btime === undefined || ticks === undefined ? undefined : btime * 1000 + Math.floor((Number(ticks) * 1000) / CLK_TCK),
    // as ps shows it: NUL bytes as spaces, the padding after the title gone (and nothing else: every other character is data)
    title: trimPadding(p.cmdline.replace(/\0/g, ' ')),
    sockets: (p.fds ?? []).map((f) => /^socket:\[(\d+)\]$/.exec(f.target)?.[1]).filter((s): s is string => s !== undefined),
  };
}

interface OpenFile {
  path: string;
  state: SessionState;
  fd: number;
  pos: number | undefined;
}

/** The file in transfer: the most recently opened regular file outside the system's own folders. */
function openFile(p: ProcProcess): OpenFile | undefined {
  const files = (p.fds ?? []).filter((f) => f.target.startsWith('/') && !f.target.endsWith(' (deleted)') && !SYSTEM_PATHS.test(f.target));
  const last = files[files.length - 1];
  if (last === undefined) return undefined;
  // O_ACCMODE: 0 read only (a download), 1 or 2 written (an upload)
  return { path: last.target, state: last.flags !== undefined && (last.flags & 3) !== 0 ? 'UL' : 'DL', fd: last.fd, pos: last.pos };
}

/**
 * What /proc says of a transfer: the file, its descriptor (whose fdinfo `pos`
 * can be read again to measure the rate), and the offset as the bytes moved
 * (a download's read offset runs ahead of the client by what the daemon
 * has read but not yet sent; an upload's is what was written). The file's
 * size needs a stat through the descriptor, which follows it into the file
 * system: only for vetted processes (`withTransferSizes`).
 */
function transferOf(open: OpenFile): Partial<Observation> {
  return { filePath: open.path, transferFd: open.fd, ...(open.pos !== undefined ? { transferred: open.pos } : {}) };
}

/** socket inode -> remote address, for the ESTABLISHED entries of net/tcp and net/tcp6. */
export function establishedPeers(text: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const line of text.split('\n')) {
    // the kernel's own columns, separated by spaces
    const f = line.split(' ').filter((w) => w !== '');
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.length < 10 || f[3] !== '01') continue;
    const remote = f[2]?.split(':')[0];
    const inode = f[9];
    if (remote === undefined || inode === undefined) continue;
    const address = hexAddress(remote);
    if (address !== undefined) peers.set(inode, address);
  }
  return peers;
}

/** /proc/net/tcp's address: 8 hex digits (IPv4) or 32 (IPv6), each 32-bit word in host (little-endian) order. */
export function hexAddress(hex: string): string | undefined {
  if (!/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(Number.parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  return ipv6(groups);
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups as `::`. */
function ipv6(groups: number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at === -1) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}
