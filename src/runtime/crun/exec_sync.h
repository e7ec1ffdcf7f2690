#pragma once
// execInContainer: `crun exec` of a command in a running container, waited for with a timeout
// (exec probes, lifecycle hooks). The command runs as the container's process does (crun takes
// user, environment and working dir from the bundle), stdout and stderr into one capped buffer.
//
// crun runs as CrunRunner runs it (a private mount namespace without /sys/fs/cgroup/unified on a
// hybrid-cgroup host), but one step removed: a helper child forks crun and waits for it. The
// agent is a child subreaper and CrunRunner reaps zombie children named "crun" it did not start
// itself; with crun a direct child, that reaping could take this exit status first.
// The helper is a child subreaper: crun exec's intermediate process exits and leaves the command
// an orphan, which must not come to the agent (nothing there would reap it, and a pid namespace
// whose init is killed waits until every process in it has been reaped). The helper reaps what
// has ended when crun returns; a background process the command left still running then goes to
// the agent (a known gap). On timeout the command (by crun's pid file) is killed, then the
// helper's process group (helper and crun) if it has not ended within a second.

#include "runtime/runtime.h"

#include <chrono>
#include <string>
#include <vector>

namespace cube::runtime::crun {

struct ExecTarget {
  std::string crunPath;   // absolute
  std::string stateRoot;  // crun --root
  bool hybridCgroups = false;
  std::string containerId;  // crun's id
  // The container process's working dir and "uid:gid" (crun exec's own defaults are "/" and
  // root); empty: crun's.
  std::string cwd;
  std::string user;
  // Where crun writes the exec'd process's pid, so a timeout can kill it (a temporary file).
  std::string pidFile;
};

ExecResult execInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout, size_t outputCap = kExecOutputCap);

}  // namespace cube::runtime::crun
