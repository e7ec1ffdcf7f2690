#pragma once
// SIGINT/SIGTERM for long-running subcommands (server, agent): blocked in every thread and
// received by the main thread with sigwait, so shutdown runs in ordinary code, not a handler.

#include <csignal>

namespace cube::cmd {

class TerminationSignals {
 public:
  // Blocks SIGINT and SIGTERM. Construct before any thread starts so that all inherit the mask.
  TerminationSignals();
  // Waits for one of them; returns its number.
  int wait();

 private:
  sigset_t set_;
};

}  // namespace cube::cmd
