#pragma once
// execInContainer: `crun exec` of a command in a running container, waited for with a timeout
// (exec probes, lifecycle hooks). The command runs as the container's process does, stdout and
// stderr into one capped buffer.
//
// "As the container's process does": crun exec gets the container's whole OCI process (user with
// its supplementary groups, capabilities, noNewPrivileges, rlimits, env, working dir) through
// `--process FILE` with only args replaced, as containerd and CRI-O exec. `crun exec --user` takes
// only uid:gid, and dropped fsGroup, supplementalGroups and the image's group memberships.
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

#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace cube::runtime::crun {

struct ExecTarget {
  std::string crunPath;   // absolute
  std::string stateRoot;  // crun --root
  bool hybridCgroups = false;
  std::string containerId;  // crun's id
  // The container's OCI process (its bundle's config.json "process").
  boost::json::object process;
  // Where the exec's process.json is written (a temporary file, removed when crun has ended).
  std::string processFile;
  // Where crun writes the exec'd process's pid, so a timeout can kill it (a temporary file).
  std::string pidFile;
};

// crun's command line for exec of `argv` in the target: writes target.process with `argv` as its
// args to target.processFile (the one place an exec's process is made; exec_session uses it too).
// With `terminal` the process gets a terminal made by crun in the container, of the given size
// from its start (OCI consoleSize), its master sent to the console socket.
struct ExecTerminal {
  std::string consoleSocket;
  uint16_t width = 0, height = 0;
};
std::vector<std::string> crunExecArgs(const ExecTarget& target,
                                      const std::vector<std::string>& argv,
                                      const ExecTerminal* terminal = nullptr);

ExecResult execInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout, size_t outputCap = kExecOutputCap);

}  // namespace cube::runtime::crun
