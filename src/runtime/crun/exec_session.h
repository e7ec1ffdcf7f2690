#pragma once
// startCrunExec: an interactive `crun exec` (kubectl exec): the command's stdin, stdout and
// stderr are pipes the caller reads and writes while it runs, or one pseudo-terminal when a TTY
// is asked for (resized through TIOCSWINSZ on its master).
//
// crun runs as CrunRunner runs it (on a hybrid-cgroup host, in a private mount namespace without
// /sys/fs/cgroup/unified), one step removed: a helper child (in its own session, the terminal
// its controlling one) forks crun and waits for it, so the runner's reaping of stray crun
// zombies cannot take its exit status. The helper exits with the command's code.

#include "runtime/runtime.h"

#include <memory>
#include <string>

namespace cube::runtime::crun {

struct CrunExecTarget {
  std::string crunPath;   // absolute
  std::string stateRoot;  // crun --root
  bool hybridCgroups = false;
  std::string containerId;  // crun's id
};

std::unique_ptr<Runtime::ExecProcess> startCrunExec(const CrunExecTarget& target,
                                                    const Runtime::ExecOptions& options);

}  // namespace cube::runtime::crun
