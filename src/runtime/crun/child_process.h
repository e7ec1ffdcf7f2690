#pragma once
// How the crun runtime starts a child process (crun itself, or the log shim): a child that
// shares the agent's memory until its exec (CLONE_VM | CLONE_VFORK, no page-table copy), or a
// fork for a helper that lives on; either way only async-signal-safe calls until exec, because
// the agent has threads (a lock held by another thread at that moment stays held in the child).
//
// The child-side steps, each usable alone:
// - resetSignalsForChild: an empty signal mask and default dispositions (the agent blocks
//   SIGTERM in all threads; a container must not inherit that).
// - enterPrivateCgroupView: on a hybrid-cgroup host crun refuses to run while it sees the
//   cgroup2 mount at /sys/fs/cgroup/unified beside the v1 hierarchies. The child enters a
//   private mount namespace (/ made rslave so nothing propagates back) and detaches that mount;
//   the caller's namespace and threads are untouched, and its mounts stay visible to crun.
// - writeChildFailure: "<prefix>what: strerror(errno)" on an fd.
//
// spawnChild puts them together for crun, with the differences of its callers as options.

#include <sys/types.h>

#include <string>
#include <vector>

namespace cube::runtime::crun {

// Async-signal-safe, for use between fork and exec.
void resetSignalsForChild();
void writeChildFailure(int fd, const char* prefix, const char* what);
// False (the reason written to errFd) when a step failed.
bool enterPrivateCgroupView(int errFd, const char* failurePrefix);

struct ChildOptions {
  // Become the child's stdin, stdout and stderr (the same fd may be given twice); every other
  // fd is closed.
  int inFd = -1, outFd = -1, errFd = -1;
  // Hybrid-cgroup host: the private cgroup view (above) before exec.
  bool privateCgroupView = false;
  // Own process group (kill(-pid) ends the child and what it started) or own session (also
  // detached from the agent's terminal); none: the agent's.
  enum class Group { kInherit, kOwnGroup, kOwnSession } group = Group::kInherit;
  // The child is a helper that runs argv as its own child and exits with its code (or 128 +
  // signal); its pid then never carries argv's name. The helper is a child subreaper: orphans of
  // argv come to it, not to the agent, and it reaps those that have ended when argv returns.
  bool subreaperHelper = false;
  // With subreaperHelper: the helper closes its copies of the three fds once argv runs, so their
  // end of file is argv's (an interactive session). Kept, end of file comes with the helper's
  // exit (execSync: its timeout then also covers a command that closes its output early).
  bool helperClosesStdio = false;
  // Prefix of the messages the child writes to its stderr on failure.
  const char* failurePrefix = "cube: ";
};

// Starts argv (argv[0] an absolute path) as described above. Returns the child's pid; throws on
// fork failure. A step failing in the child exits it with 126, exec failing with 127.
pid_t spawnChild(const std::vector<std::string>& argv, const ChildOptions& options);

}  // namespace cube::runtime::crun
