// Generated captures of N sessions, for the scale benchmark and the code cache (scripts/code-cache.cjs): realistic and
// varied rows in the exact formats the sources print. Every session runs as
// `uid` (the account the replay lists for), with long and UTF-8 names, IPv4
// and IPv6 peers, idle sessions, downloads and uploads.
const NAMES = ['alice', 'bob@example.com', 'charlotte-longname', 'ünïcödé@exämple.org', `${'l'.repeat(60)}@example.net`];
const FILES = ['big.bin', 'file with spaces.bin', 'pipe|name.bin', 'naïve résumé.txt', `deep/${'d'.repeat(200)}/${'f'.repeat(40)}.iso`, 'quote"s.bin'];
const HOSTS = ['127.0.0.1', '::1', '2001:db8:85a3::8a2e:370:7334', '198.51.100.23', 'fe80::1'];
const STATES = ['IDLE', ' DL ', ' UL '];
const TITLE = { IDLE: 'pure-ftpd (IDLE)', ' DL ': 'pure-ftpd (DOWNLOAD)', ' UL ': 'pure-ftpd (UPLOAD)' };

export function generate(n, uid, user = 'nobody') {
  const ps = [];
  const who = [];
  const start = Date.UTC(2026, 10, 22, 6, 0, 0);
  ps.push(`${'1'.padStart(7)} ${'0'.padStart(7)}     0 ${'root'.padEnd(64)} Sun Nov 22 05:25:03 2026 /sbin/init`);
  ps.push(`${'900'.padStart(7)} ${'1'.padStart(7)}     0 ${'root'.padEnd(64)} Sun Nov 22 05:25:03 2026 pure-ftpd (SERVER)${' '.repeat(120)}64 -t 32 32`);
  for (let i = 0; i < n; i++) {
    const pid = 100_000 + i * 2;
    const state = STATES[i % 3];
    const t = new Date(start + i * 1000);
    const lstart = t.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_m, d, day, mon, y, hms) => `${d} ${mon} ${day.padStart(2, ' ')} ${hms} ${y}`);
    ps.push(`${String(pid).padStart(7)} ${'900'.padStart(7)} ${String(uid).padStart(5)} ${user.padEnd(64)} ${lstart} ${TITLE[state]}${' '.repeat(127)}64 -t 32 32`);
    ps.push(`${String(pid + 1).padStart(7)} ${String(pid).padStart(7)}     0 ${'root'.padEnd(64)} ${lstart} pure-ftpd (PRIV)${' '.repeat(127)}64 -t 32 32`);
    const file = state === 'IDLE' ? '' : FILES[i % FILES.length].replace(/[|\\]/g, (c) => `\\${c}`);
    who.push([pid, NAMES[i % NAMES.length], 5 + (i % 600), state, file, HOSTS[i % HOSTS.length], '127.0.0.1', 21, 100, 2097152, 0, 64].join('|'));
  }
  return { ps: `${ps.join('\n')}\n`, who: `${who.join('\n')}\n` };
}
