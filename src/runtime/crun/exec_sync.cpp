#include "runtime/crun/exec_sync.h"

#include "common/json_util.h"
#include "runtime/crun/child_process.h"
#include "runtime/images/file_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace cube::runtime::crun {

using images::UniqueFd;

std::vector<std::string> crunExecArgs(const ExecTarget& target,
                                      const std::vector<std::string>& argv,
                                      const ExecTerminal* terminal) {
  boost::json::object process = target.process;
  process["args"] = json::toArray(argv);
  // A terminal only when asked for: crun makes it in the container and sends its master to the
  // console socket (exec_session.cpp). Its size is set before the command runs: one that asks at
  // once (stty size) must not see 0x0.
  process["terminal"] = terminal != nullptr;
  process.erase("consoleSize");
  if (terminal && terminal->width > 0 && terminal->height > 0) {
    process["consoleSize"] =
        boost::json::object{{"height", terminal->height}, {"width", terminal->width}};
  }
  images::writeFileAtomic(target.processFile, json::serialize(process), images::FileSync::kNoSync);
  std::vector<std::string> args = {target.crunPath, "--root", target.stateRoot, "exec",
                                   "--process=" + target.processFile};
  if (terminal) args.push_back("--console-socket=" + terminal->consoleSocket);
  if (!target.pidFile.empty()) args.push_back("--pid-file=" + target.pidFile);
  args.push_back(target.containerId);
  return args;
}

ExecResult execInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout, size_t outputCap) {
  if (argv.empty()) throw RuntimeError("exec in " + target.containerId + ": no command");
  std::vector<std::string> args = crunExecArgs(target, argv);
  // crun has read it once it has ended (or it never ran).
  struct RemoveProcessFile {
    const std::string& path;
    ~RemoveProcessFile() { ::unlink(path.c_str()); }
  } removeProcessFile{target.processFile};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) images::throwErrno("pipe");
  UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) images::throwErrno("open /dev/null");

  // crun one step removed, under a subreaper helper (see the header); in its own group, which
  // the timeout kills: helper and crun.
  ChildOptions child;
  child.inFd = devNull.get();
  child.outFd = writeEnd.get();
  child.errFd = writeEnd.get();
  child.privateCgroupView = target.hybridCgroups;
  child.group = ChildOptions::Group::kOwnGroup;
  child.subreaperHelper = true;
  child.failurePrefix = "cube exec: ";
  pid_t helper = spawnChild(args, child);
  writeEnd.reset();
  UniqueFd helperFd(static_cast<int>(::syscall(SYS_pidfd_open, helper, 0)));

  ExecResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool helperDone = false, eof = false;
  char buf[4096];
  auto drain = [&](bool block) {
    for (;;) {
      ssize_t n = ::read(readEnd.get(), buf, sizeof buf);
      if (n > 0) {
        size_t room = outputCap - std::min(outputCap, result.output.size());
        result.output.append(buf, std::min(room, static_cast<size_t>(n)));
        if (!block) continue;
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) eof = true;
      return;
    }
  };
  while (!eof && !helperDone) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      break;
    }
    struct pollfd pfds[2] = {{readEnd.get(), POLLIN, 0}, {helperFd.get(), POLLIN, 0}};
    int r = ::poll(pfds, helperFd ? 2 : 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    if (pfds[0].revents & (POLLIN | POLLHUP | POLLERR)) drain(true);
    if (helperFd && (pfds[1].revents & POLLIN)) helperDone = true;
  }
  if (result.timedOut) {
    // The command first (crun then returns), the helper's group if that is not enough.
    std::ifstream pidIn(target.pidFile);
    pid_t command = 0;
    if (pidIn >> command && command > 0) ::kill(command, SIGKILL);
    struct pollfd pfd {
      helperFd.get(), POLLIN, 0
    };
    if (!helperFd || ::poll(&pfd, 1, 1000) <= 0) ::kill(-helper, SIGKILL);
  } else if (!eof) {
    // The helper ended; what is already in the pipe belongs to the output. A process the
    // command left behind may hold the pipe open: read only what is there.
    ::fcntl(readEnd.get(), F_SETFL, O_NONBLOCK);
    drain(false);
  }
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0) {
    if (errno != EINTR) images::throwErrno("waitpid exec helper");
  }
  if (!target.pidFile.empty()) ::unlink(target.pidFile.c_str());
  if (result.timedOut) {
    result.exitCode = 137;
  } else if (WIFEXITED(status)) {
    result.exitCode = WEXITSTATUS(status);
  } else {
    result.exitCode = 128 + WTERMSIG(status);
  }
  return result;
}

}  // namespace cube::runtime::crun
