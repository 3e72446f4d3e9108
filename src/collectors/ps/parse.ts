import type { Daemon, Observation } from '../../model/observation.js';
import { parseLstart } from '../../model/time.js';
import type { SourceReading } from '../types.js';
import { classifyTitle, daemonOfTitle } from './titles.js';

/**
 * One row of `LC_ALL=C ps -ww -eo pid=,ppid=,uid=,user:64=,lstart=,args=`:
 * pid, ppid, effective uid, user name, start time (5 words, day padded) and the
 * title, which may contain anything (ps shows NUL bytes as spaces).
 */
const ROW =
  /^ *(\d+) +(\d+) +(\d+) +(\S+) +((?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) +[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})(?: (.*))?$/;
const HEADER = /^ *PID +PPID /;

export function parsePs(text: string): SourceReading {
  const observations: Observation[] = [];
  const running = new Set<Daemon>();
  const skippedLines: number[] = [];
  let recognised = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '' || (i === 0 && HEADER.test(line))) continue;
    const m = ROW.exec(line);
    const startedAt = m === null ? undefined : parseLstart(m[5] as string);
    if (m === null || startedAt === undefined) {
      skippedLines.push(i + 1);
      continue;
    }
    recognised++;
    const daemon = daemonOfTitle(m[6] ?? '');
    if (daemon !== undefined) running.add(daemon);
    const info = classifyTitle(m[6] ?? '');
    if (info === undefined) continue;
    const uid = Number(m[3]);
    const { loggedIn, cmdline, ...fields } = info;
    observations.push({
      ...fields,
      pid: Number(m[1]),
      loggedIn: loggedIn === 'by-uid' ? uid !== 0 : loggedIn,
      uid,
      systemUser: m[4] as string,
      startedAt,
      title: cmdline,
    });
  }
  return { observations, recognised, skippedLines, running: [...running] };
}
