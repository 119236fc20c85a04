/*
 * The pod sandbox's one process: it holds the pod's namespaces open, reaps the
 * zombies reparented to it, and exits on SIGINT or SIGTERM. Written here
 * because no registry serves registry.k8s.io/pause to this machine; it does
 * what Kubernetes' build/pause does, built static so its image is FROM scratch.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { _exit(sig == SIGINT || sig == SIGTERM ? 0 : 1); }

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    static const char v[] = "railyard pause 1\n";
    return write(1, v, sizeof v - 1) == (ssize_t)(sizeof v - 1) ? 0 : 1;
  }
  if (getpid() != 1) {
    static const char w[] = "pause: warning: not PID 1\n";
    if (write(2, w, sizeof w - 1) < 0) {
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = stop;
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) return 1;
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &sa, NULL) < 0) return 2;
  for (;;) pause();
}
