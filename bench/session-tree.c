/*
 * bench: a stand-in for an FTP daemon's process tree, for the /proc figures
 * at 10,000 sessions. Compiled by bench/run.mjs into a root-owned program
 * named pure-ftpd, started as root: it is the master, and forks CHILDREN
 * sessions that drop to uid/gid 65534 (nobody) and wait. So every session
 * passes the trust checks a real one does (collectors/trust.ts): a
 * root-owned program under a root master of the same program. The title is
 * the argv the bench gives it. It prints "ready" once every child runs,
 * and ends, children first, on SIGTERM or when its standard input closes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t *children;
static int count;

static void stop(int sig) {
  (void)sig;
  for (int i = 0; i < count; i++) kill(children[i], SIGKILL);
  _exit(0);
}

int main(void) {
  const char *n = getenv("CHILDREN");
  int wanted = n ? atoi(n) : 0;
  children = calloc(wanted > 0 ? wanted : 1, sizeof(pid_t));
  if (children == NULL) return 2;
  signal(SIGTERM, stop);
  for (count = 0; count < wanted; count++) {
    pid_t p = fork();
    if (p < 0) stop(0);
    if (p == 0) {
      signal(SIGTERM, SIG_DFL);
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(1);
      for (;;) pause();
    }
    children[count] = p;
  }
  printf("ready\n");
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  stop(0);
  return 0;
}
