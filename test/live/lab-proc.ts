/**
 * Process bookkeeping for the lab: read /proc, record every process the lab
 * starts (pid + start time, under /run/ftpsessions-live/), stop exactly those
 * (and their descendants), never by name; reap what a crashed run left.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STATE_DIR = '/run/ftpsessions-live';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  starttime: string;
}

export function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and ')': parse after the LAST ')'
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] = state (field 3), f[1] = ppid (4), f[19] = starttime (22)
  return { pid, state: f[0] ?? '?', ppid: Number(f[1]), starttime: f[19] ?? '' };
}

/** alive, not a zombie, and still the process we recorded */
export function aliveSame(pid: number, starttime: string): boolean {
  const st = procStat(pid);
  return st !== undefined && st.starttime === starttime && st.state !== 'Z' && st.state !== 'X';
}

export function allProcs(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (st) out.push(st);
  }
  return out;
}

export function descendants(root: number): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const p of allProcs()) {
    const l = byParent.get(p.ppid) ?? [];
    l.push(p);
    byParent.set(p.ppid, l);
  }
  const out: ProcStat[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** /proc/PID/cmdline as ps shows it: NUL -> space, trailing blanks dropped */
export function title(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`).toString('utf8').replace(/\0/g, ' ').replace(/\s+$/, '');
  } catch {
    return undefined;
  }
}

export function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** the targets of a process's open file descriptors; undefined when they cannot be read */
export function fdLinks(pid: number): string[] | undefined {
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const out: string[] = [];
  for (const n of names) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${n}`));
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** is something listening on addr:port in the network namespace of `pid` (its /proc/PID/net view) */
export function listeningIn(pid: number, addr: '127.0.0.1' | '::1' | '::ffff:127.0.0.1', port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const want =
    addr === '127.0.0.1'
      ? { file: 'tcp', hex: `0100007F:${hexPort}` }
      : addr === '::1'
        ? { file: 'tcp6', hex: `00000000000000000000000001000000:${hexPort}` }
        : { file: 'tcp6', hex: `0000000000000000FFFF00000100007F:${hexPort}` };
  try {
    return readFileSync(`/proc/${pid}/net/${want.file}`, 'utf8')
      .split('\n')
      .slice(1)
      .some((l) => {
        const f = l.trim().split(/\s+/);
        return f[1] === want.hex && f[3] === '0A';
      });
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// records

export interface PidRecord {
  pid: number;
  starttime: string;
  name: string;
}

export interface StateFile {
  owner: PidRecord;
  netns?: string;
  records: PidRecord[];
}

export class Records {
  readonly file: string;
  readonly state: StateFile;

  constructor(tag: string) {
    this.file = path.join(STATE_DIR, `${tag}-${process.pid}.state`);
    this.state = { owner: { pid: process.pid, starttime: procStat(process.pid)?.starttime ?? '', name: 'owner' }, records: [] };
  }

  save(): void {
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(this.state)}\n`);
  }

  add(pid: number, name: string): PidRecord {
    const rec = { pid, starttime: procStat(pid)?.starttime ?? '', name };
    this.state.records.push(rec);
    this.save();
    return rec;
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}

/** kill processes (and remove namespaces) recorded by earlier runs whose owner is gone */
export async function reapStale(log: (m: string) => void): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(STATE_DIR).filter((f) => f.endsWith('.state') || f.endsWith('.json'));
  } catch {
    return;
  }
  for (const f of files) {
    const file = path.join(STATE_DIR, f);
    let st: StateFile;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as StateFile | PidRecord[];
      // the earlier pure-ftpd harness wrote a bare array with an 'owner' entry
      st = Array.isArray(raw)
        ? { owner: raw.find((r) => r.name === 'owner') ?? { pid: 0, starttime: '', name: 'owner' }, records: raw.filter((r) => r.name !== 'owner') }
        : raw;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (aliveSame(st.owner.pid, st.owner.starttime)) continue; // a live run: not ours to touch
    const victims: ProcStat[] = [];
    for (const r of st.records) {
      if (!aliveSame(r.pid, r.starttime)) continue;
      // a server's sessions and helpers first, while they are still its descendants
      const kids = descendants(r.pid);
      log(`reaping leftover ${r.name} pid ${r.pid} (+${kids.length} descendants) from an earlier run`);
      victims.push(...kids, { pid: r.pid, ppid: 0, state: '', starttime: r.starttime });
    }
    for (const v of victims) if (aliveSame(v.pid, v.starttime)) signal(v.pid, 'SIGKILL');
    const until = Date.now() + 5000;
    while (victims.some((v) => aliveSame(v.pid, v.starttime)) && Date.now() < until) await sleep(50);
    if (st.netns) {
      while (netnsExists(st.netns) && netnsPids(st.netns).length > 0 && Date.now() < until) await sleep(100);
      if (!removeNetns(st.netns, log)) continue; // keep the record: a later run tries again
      log(`removed leftover network namespace ${st.netns}`);
    }
    // the run's own directories (configurations, scoreboards): <daemon>-<owner pid>
    for (const d of readdirSync(STATE_DIR)) if (d.endsWith(`-${st.owner.pid}`)) rmSync(path.join(STATE_DIR, d), { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------
// network namespace

export function netnsPids(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

export function netnsExists(ns: string): boolean {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.split('\n').some((l) => l.split(' ')[0] === ns);
}

/** remove the namespace (and its /etc/netns files) once nothing runs in it */
export function removeNetns(ns: string, log: (m: string) => void): boolean {
  if (!netnsExists(ns)) {
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    return true;
  }
  const pids = netnsPids(ns);
  if (pids.length > 0) {
    log(`netns ${ns} still has processes: ${pids.join(' ')}`);
    return false;
  }
  const r = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8' });
  rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  if (r.status !== 0) {
    log(`ip netns del ${ns} failed: ${r.stderr}`);
    return false;
  }
  return true;
}

/**
 * A network namespace with only `lo` (up), its own hosts and resolv.conf
 * (nameserver 127.0.0.1: DNS fails at once, locally). Undefined when this
 * machine cannot make one (no CAP_SYS_ADMIN, or `ip netns exec` cannot
 * remount /): then the lab runs in the host namespace.
 */
export function createNetns(ns: string, log: (m: string) => void): string | undefined {
  mkdirSync(`/etc/netns/${ns}`, { recursive: true });
  writeFileSync(`/etc/netns/${ns}/hosts`, '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  writeFileSync(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) {
    log(`cannot create a network namespace (${add.stderr.trim()}): using the host namespace`);
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    return undefined;
  }
  const up = spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) {
    log(`'ip netns exec' does not work here (${up.stderr.trim()}): using the host namespace`);
    removeNetns(ns, log);
    return undefined;
  }
  return ns;
}
