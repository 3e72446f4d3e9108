/**
 * vsftpd with `setproctitle_enable=NO` (its default) titles every process
 * with its command line, so the titles tell nothing. Its process tree does:
 * the listener forks a privileged process per connection, which forks the
 * session process; the privileged one drops root (to `nopriv_user`) once the
 * client has logged in. So a session is a vsftpd process whose parent and
 * grandparent are vsftpd processes too, logged in once its parent's uid is
 * not 0. Needs only pid, ppid and uid: ps and /proc both have them, for
 * every user's processes.
 */
export interface TreeNode {
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number | undefined;
}

export function untitledSessions(vsftpd: readonly TreeNode[]): Map<number, { loggedIn: boolean }> {
  const byPid = new Map(vsftpd.map((p) => [p.pid, p]));
  const sessions = new Map<number, { loggedIn: boolean }>();
  for (const p of vsftpd) {
    const parent = byPid.get(p.ppid);
    if (parent === undefined || !byPid.has(parent.ppid)) continue;
    sessions.set(p.pid, { loggedIn: parent.uid !== undefined && parent.uid !== 0 });
  }
  return sessions;
}

/** The command line of an untitled vsftpd: `/usr/sbin/vsftpd [conf]`. */
export const UNTITLED_VSFTPD = /^(?:[^ ]*\/)?vsftpd(?: |$)/;
