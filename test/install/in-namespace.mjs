#!/usr/bin/env node
// Run by the tests inside `unshare --mount --pid --fork --mount-proc
// --propagation private`: put PASSWD over /etc/passwd for this mount
// namespace only, then run the command and exit with its status.
//
//   node in-namespace.mjs HOST_MNT_NS PASSWD COMMAND [ARG...]
//
// HOST_MNT_NS is the caller's /proc/self/ns/mnt link: if this process is in
// that same namespace (unshare was left out), it refuses to mount anything.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';

const [hostNs, passwd, command, ...args] = process.argv.slice(2);
if (!hostNs || !passwd || !command) {
  console.error('usage: node in-namespace.mjs HOST_MNT_NS PASSWD COMMAND [ARG...]');
  process.exit(2);
}
if (readlinkSync('/proc/self/ns/mnt') === hostNs) {
  console.error(`in-namespace.mjs: not in a mount namespace of its own (${hostNs}): refusing to mount over /etc/passwd`);
  process.exit(2);
}
const mount = ['/usr/bin/mount', '/bin/mount'].find((p) => existsSync(p)) ?? '/usr/bin/mount';
execFileSync(mount, ['--bind', passwd, '/etc/passwd'], { stdio: 'inherit' });
const r = spawnSync(command, args, { stdio: 'inherit' });
if (r.error) {
  console.error(`in-namespace.mjs: ${command}: ${r.error.message}`);
  process.exit(127);
}
process.exit(r.status ?? 129);
