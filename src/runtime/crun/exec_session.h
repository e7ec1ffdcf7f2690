#pragma once
// startCrunExec: an interactive `crun exec` (kubectl exec): the command's stdin, stdout and
// stderr are pipes the caller reads and writes while it runs, or one pseudo-terminal when a TTY
// is asked for (resized through TIOCSWINSZ on its master).
//
// crun runs as CrunRunner runs it (on a hybrid-cgroup host, in a private mount namespace without
// /sys/fs/cgroup/unified), one step removed, as execInContainer runs it (child_process.h): a
// helper child (in its own session, the terminal its controlling one) forks crun and waits for
// it, so the runner's reaping of stray crun zombies cannot take its exit status; the helper is a
// child subreaper and reaps what the command leaves when crun returns. The helper exits with
// the command's code. kill() kills the command first (crun's child; it is in a session of
// crun's own), then the helper's group if the helper has not ended within a second: killed
// with the group alone, the command would outlive it as the agent's child and its unreaped
// zombie would keep the container's pid namespace, and so the container, from ending.

#include "runtime/crun/exec_sync.h"
#include "runtime/runtime.h"

#include <memory>
#include <string>

namespace cube::runtime::crun {

std::unique_ptr<Runtime::ExecProcess> startCrunExec(const ExecTarget& target,
                                                    const Runtime::ExecOptions& options);

}  // namespace cube::runtime::crun
