#pragma once
// CrunRunner: runs OCI bundles with the `crun` binary and follows their processes. It does what
// it is told (run, signal, wait, delete); deciding when is the runtime's job.
//
// - State: `crun --root <stateRoot>`, so cube's containers are apart from anyone else's.
// - Exit codes: the process becomes a child subreaper (PR_SET_CHILD_SUBREAPER, process-wide),
//   so a container's init, orphaned when `crun create` exits, is reparented to this process and
//   waitpid on it gives its exit status. Its pid stays valid (a zombie at worst) until reaped,
//   so signals sent through its pidfd never reach a recycled pid.
// - Hybrid cgroups: crun refuses a host that mounts both cgroup v1 hierarchies and a cgroup2
//   at /sys/fs/cgroup/unified ("cgroups in hybrid mode not supported"). On such a host every
//   crun process starts in a private mount namespace (unshare(CLONE_NEWNS), / made rslave so
//   nothing propagates back, /sys/fs/cgroup/unified detached): the child does it between fork
//   and exec, so the caller's namespace and threads are untouched. Mounts made by the caller
//   (container roots, namespace files) are copied into that namespace and visible to crun.
// - Processes are started with fork + exec, only async-signal-safe calls in the child; the
//   child's signal mask and ignored signals are reset (the agent blocks SIGTERM in all threads;
//   a container must not inherit that).
// - crun leaves a container's parent cgroup dirs behind: remove() deletes them up to (not
//   including) `cgroupRoot`.
//
// - `crun create` leaves an intermediate crun process that exits after crun does; it is
//   reparented here (the subreaper) and would stay a zombie: the runner reaps zombie children
//   named crun that it did not start itself (those it waits for by pid).
//
// Thread-safe.

#include "runtime/crun/mount_table.h"
#include "runtime/images/file_util.h"

#include <boost/json/object.hpp>

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cube::runtime::crun {

class CrunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CrunRunnerOptions {
  std::string crunPath = "crun";  // looked up on PATH when it has no '/'
  std::string stateRoot;          // crun --root, e.g. <dataDir>/crun
  std::string cgroupRoot = "/cube";
};

// The container's stdin and terminal, from its spec (stdin, stdinOnce, tty).
struct ContainerIo {
  bool stdin = false;      // a pipe the shim holds open, written by attach sessions
  bool stdinOnce = false;  // closed when the first attach session's stdin ends
  bool tty = false;        // a pseudo-terminal (process.terminal in config.json)
};

// A started container's init process, a child of this process until reaped.
struct ContainerProcess {
  std::string id;
  pid_t pid = -1;
  images::UniqueFd pidfd;
};

struct ExitStatus {
  int exitCode = 0;  // the process's exit code, or 128 + signal as the kubelet reports it
  int signal = 0;    // the signal that ended it, 0 for a normal exit
};

class CrunRunner {
 public:
  explicit CrunRunner(CrunRunnerOptions options);

  // Why containers cannot run here (not root, no crun), or nullopt.
  static std::optional<std::string> unavailableReason(const std::string& crunPath = "crun");

  const CrunRunnerOptions& options() const { return options_; }
  const std::string& crunPath() const { return crunPath_; }
  bool hybridCgroups() const { return hybrid_; }

  // `crun create` + `crun start`: creates and starts container `id` from `bundleDir` (config.json
  // there, whose process.terminal must agree with io.tty); its stdout and stderr are appended to
  // `logPath` by a shim that also serves <bundleDir>/attach (container_shim.h). Returns once the
  // container runs (or has already exited: wait() then tells). On failure the log is cut back to
  // where it was and the CrunError carries crun's message.
  ContainerProcess run(const std::string& id, const std::string& bundleDir,
                       const std::string& logPath, const ContainerIo& io = {});
  // Reaps the container's init when it has ended, waiting up to `timeout` (forever when
  // nullopt). nullopt while it still runs. After a result the process is gone (pid -1).
  std::optional<ExitStatus> wait(ContainerProcess& process,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Sends `sig` to the container's init (through its pidfd). Ended already is fine.
  void signal(const ContainerProcess& process, int sig);
  // SIGTERM, then SIGKILL when it has not ended after `grace`; waits for the end.
  ExitStatus stop(ContainerProcess& process, std::chrono::milliseconds grace);
  // `crun delete --force` (kills what still runs), then removes the container's cgroup dirs and
  // its empty parents below cgroupRoot. Unknown ids are fine.
  void remove(const std::string& id, const std::string& cgroupsPath);
  // Whether the kernel's OOM killer killed a process of the container's cgroup (memory.events
  // or v1 memory.oom_control `oom_kill`). Ask before remove(), which deletes the cgroup.
  bool oomKilled(const std::string& cgroupsPath) const;
  // `crun state`: {"id", "pid", "status": created|running|stopped, "bundle", ...}; nullopt for
  // an unknown id.
  std::optional<boost::json::object> state(const std::string& id);
  // Containers in the state root.
  std::vector<std::string> list() const;

 private:
  struct Output {
    int status = 0;  // waitpid status
    std::string out, err;
  };
  // Runs crun with `args` after the global options; captures stdout and stderr.
  Output crun(const std::vector<std::string>& args);
  void removeCgroupDirs(const std::string& cgroupsPath) const;
  pid_t spawnCrun(const std::vector<std::string>& argv, int inFd, int outFd, int errFd);
  int waitCrun(pid_t pid, bool reap = true);
  // Reaps crun zombies reparented here (not the ones this runner waits for).
  void reapStrays();

  CrunRunnerOptions options_;
  std::string crunPath_;
  bool hybrid_ = false;
  std::vector<MountEntry> cgroupMounts_;  // the hierarchies crun uses, read at start
  std::mutex mutex_;
  // Guarded by mutex_: crun processes started and container inits, not yet reaped.
  std::set<pid_t> ownCrunPids_;
};

// Writes <bundleDir>/config.json (atomically), creating the dir.
void writeBundleConfig(const std::string& bundleDir, const boost::json::object& spec);

}  // namespace cube::runtime::crun
