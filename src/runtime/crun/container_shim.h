#pragma once
// The container shim (`cube log-shim`, named cube-log-shim): a small process of its own,
// started beside each container like conmon, that owns the container's stdio on the node side.
//
// - Logging: copies the container's stdout and stderr (two pipes, or a terminal's master for a
//   `tty: true` container: one stream, logged as stdout) into the CRI log file
//   (container_log.h).
// - Attach: serves the attach socket (attach_protocol.h): the output goes to every attached
//   client as well, and a client's input goes to the container's stdin — for a `stdin: true`
//   container, a pipe the shim holds open (or the terminal), so the container sees end of file
//   only when `stdinOnce` says so, not when the agent goes away.
//
// It outlives the agent (an agent killed with -9 neither stops nor blocks the container, and a
// new agent attaches to the same socket) and ends when the container's output ends, i.e. when
// every process of the container has gone. It allocates nothing (fixed static buffers), so it
// can also run in a child forked from a multi-threaded process without exec (unit tests).

#include <string>
#include <vector>

namespace cube::runtime::crun {

struct ShimFds {
  int stdoutFd = -1;  // pipe read end, or the terminal's master (tty)
  int stderrFd = -1;  // pipe read end; -1 with a tty
  int logFd = -1;     // the CRI log file, opened for append
  int attachFd = -1;  // the listening attach socket; -1: no attach
  int stdinFd = -1;   // the container's stdin: a pipe's write end or the master; -1: none
  bool stdinOnce = false;
  bool tty = false;
};

// The shim's loop; returns 0 when the output has ended, 1 when writing the log failed.
int runLogShim(const ShimFds& fds);
// Logging only (no attach, no stdin).
int runLogShim(int stdoutFd, int stderrFd, int logFd);

// How the shim is started: argv of an executable that calls runLogShim(shimFdsFromArgs(...))
// (`cube log-shim`). Unset (unit tests), the shim runs in a forked child of this process without
// exec.
void setLogShimCommand(std::vector<std::string> argv);
// In the exec'd shim: its fds are at fixed numbers (0 stdout, 3 stderr, 1 log, 4 attach,
// 5 stdin) and its flags after the subcommand say which exist.
ShimFds shimFdsFromArgs(int argc, char** argv);

// Starts a shim over `fds`, in its own session and named cube-log-shim (so the runner, a
// subreaper, knows its zombie). Returns its pid; the caller closes its copies of the fds. Throws
// RuntimeError when fork fails.
int startLogShim(const ShimFds& fds);

}  // namespace cube::runtime::crun
