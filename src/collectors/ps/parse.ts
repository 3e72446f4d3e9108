import type { Daemon, Observation } from '../../model/observation.js';
import { localClock } from '../../model/time.js';
import { isBlank, splitLines, trimPadding } from '../text.js';
import type { SourceReading } from '../types.js';
import { UNTITLED_VSFTPD, untitledSessions } from '../untitled.js';
import { classifyTitle, daemonOfTitle } from './titles.js';

/**
 * One row of `LC_ALL=C.UTF-8 ps -ww -eo pid=,ppid=,uid=,user:64=,lstart=,args=`:
 * pid, ppid, effective uid, user name, start time (5 words, day padded) and the
 * title, which may contain anything (ps shows NUL bytes as spaces): every
 * character after the start time's single space is the title's (the `s`
 * flag: CR, U+2028, U+2029 and U+0085 are data like any other). The year
 * may have more than 4 digits; a start time that is no valid time leaves
 * the row listed, its time unknown.
 */
const ROW =
  /^ *(\d+) +(\d+) +(\d+) +([^ ]+) +((?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) +[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4,})(?: (.*))?$/s;
const HEADER = /^ *PID +PPID /;

export function parsePs(text: string): SourceReading {
  const observations: Observation[] = [];
  const running = new Set<Daemon>();
  const skippedLines: number[] = [];
  let recognised = 0;
  // thousands of rows share a few hundred start seconds: read each once
  const starts = new Map<string, number | undefined>();
  const untitled: Array<{ pid: number; ppid: number; uid: number; startedAt: number; title: string; user: string }> = [];
  const clock = localClock();
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (isBlank(line) || (i === 0 && HEADER.test(line))) continue;
    const m = ROW.exec(line);
    let startedAt: number | undefined;
    if (m !== null) {
      const lstart = m[5] as string;
      startedAt = starts.get(lstart);
      if (startedAt === undefined && !starts.has(lstart)) starts.set(lstart, (startedAt = clock.parse(lstart)));
    }
    if (m === null || startedAt === undefined) {
      skippedLines.push(i + 1);
      continue;
    }
    recognised++;
    const info = classifyTitle(m[6] ?? '');
    if (info === undefined) {
      const daemon = daemonOfTitle(m[6] ?? '');
      if (daemon !== undefined) running.add(daemon);
      const title = trimPadding(m[6] ?? '');
      if (daemon === 'vsftpd' && UNTITLED_VSFTPD.test(title)) {
        untitled.push({ pid: Number(m[1]), ppid: Number(m[2]), uid: Number(m[3]), startedAt, title, user: m[4] as string });
      }
      continue;
    }
    running.add(info.daemon);
    const uid = Number(m[3]);
    // built field by field: object spreads cost more than the rest of the parse at 10,000 rows
    const o: Observation = {
      pid: Number(m[1]),
      daemon: info.daemon,
      loggedIn: info.loggedIn === 'by-uid' ? uid !== 0 : info.loggedIn,
      state: info.state,
      uid,
      systemUser: m[4] as string,
      startedAt,
      title: info.cmdline,
    };
    if (info.login !== undefined) o.login = info.login;
    if (info.host !== undefined) o.host = info.host;
    if (info.file !== undefined) o.file = info.file;
    observations.push(o);
  }
  const sessions = untitledSessions(untitled);
  for (const u of untitled) {
    const session = sessions.get(u.pid);
    if (session === undefined) continue;
    // the title says nothing of the state or the file: only /proc knows (an open file)
    observations.push({ pid: u.pid, daemon: 'vsftpd', loggedIn: session.loggedIn, state: 'IDLE', uid: u.uid, systemUser: u.user, startedAt: u.startedAt, title: u.title });
  }
  return { observations, recognised, skippedLines, running: [...running] };
}
