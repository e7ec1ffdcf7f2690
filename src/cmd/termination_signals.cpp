#include "cmd/termination_signals.h"

#include <pthread.h>

namespace cube::cmd {

TerminationSignals::TerminationSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int TerminationSignals::wait() {
  int sig = 0;
  sigwait(&set_, &sig);
  return sig;
}

}  // namespace cube::cmd
