#pragma once
// What the end-to-end benches share: their child processes (a `cube server`, agents), stopped
// by PID on exit, failure or SIGINT (a second SIGINT kills them at once), and /proc samples of
// their CPU and memory.

#include <sys/types.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace cube::bench {

using Clock = std::chrono::steady_clock;

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// SIGINT/SIGTERM handlers, SIGPIPE ignored, the descriptor limit raised to the hard limit.
void installProcessHandling();
// Throws Interrupted once SIGINT or SIGTERM arrived.
void checkInterrupted();
// Sleeps in small steps so SIGINT is noticed.
void sleepFor(std::chrono::milliseconds d);
double secondsSince(Clock::time_point t);

// Forks `argv`; its stderr (and stdout unless `stdoutPipe`) goes to `logPath`. The child dies
// with us (PR_SET_PDEATHSIG), so even a SIGKILLed bench leaves no cluster behind.
pid_t spawn(const std::vector<std::string>& argv, const std::string& logPath, int* stdoutPipe);
// SIGTERM, up to 15 s for an orderly exit, then SIGKILL; sets pid to -1.
void stopChild(pid_t& pid, const char* what);
bool alive(pid_t pid);

struct ProcSample {
  double cpuSeconds = 0;          // utime + stime
  double childrenCpuSeconds = 0;  // of its children that it reaped (crun, log shims)
  double rssMB = 0;
  double hwmMB = 0;
  double anonMB = 0;  // of rssMB: the heap and stacks
  double fileMB = 0;  // of rssMB: the binary's and libraries' pages
  int threads = 0;
};
ProcSample sample(pid_t pid);

// The last `lines` lines of a file, indented (for failure messages).
std::string tail(const std::string& path, size_t lines);

// Starts `cube server --data-dir DIR/data --port 0 --write-kubeconfig DIR/kubeconfig` with
// `extraArgs`, its log in DIR/server.log, and returns its URL once it says it is ready.
struct ServerProcess {
  pid_t pid = -1;
  std::string url;
};
ServerProcess startServer(const std::string& cube, const std::string& dir,
                          const std::vector<std::string>& extraArgs);

}  // namespace cube::bench
