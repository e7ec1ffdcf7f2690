#include "runtime/crun/exec_sync.h"

#include "runtime/images/file_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace cube::runtime::crun {

using images::UniqueFd;

namespace {

void childFail(const char* what) {
  const char* err = std::strerror(errno);
  (void)!::write(2, "cube exec: ", 11);
  (void)!::write(2, what, std::strlen(what));
  (void)!::write(2, ": ", 2);
  (void)!::write(2, err, std::strlen(err));
  (void)!::write(2, "\n", 1);
}

// The helper, between fork and _exit: only async-signal-safe calls (the agent has threads).
[[noreturn]] void runHelper(char* const* argv, int devNull, int out, bool hybrid) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  ::setpgid(0, 0);                              // the timeout kills the group: helper and crun
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);  // the command's orphans come here (see header)
  if (::dup2(devNull, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(126);
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  if (hybrid) {
    if (::unshare(CLONE_NEWNS) != 0) {
      childFail("unshare(CLONE_NEWNS)");
      ::_exit(126);
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
      childFail("make / rslave");
      ::_exit(126);
    }
    if (::umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0 && errno != EINVAL &&
        errno != ENOENT) {
      childFail("umount /sys/fs/cgroup/unified");
      ::_exit(126);
    }
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    childFail("fork");
    ::_exit(126);
  }
  if (pid == 0) {
    ::execv(argv[0], argv);
    childFail(argv[0]);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(126);
  }
  int other;
  while (::waitpid(-1, &other, WNOHANG) > 0) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace

ExecResult execInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout, size_t outputCap) {
  if (argv.empty()) throw RuntimeError("exec in " + target.containerId + ": no command");
  std::vector<std::string> args = {target.crunPath, "--root", target.stateRoot, "exec"};
  if (!target.cwd.empty()) args.push_back("--cwd=" + target.cwd);
  if (!target.user.empty()) args.push_back("--user=" + target.user);
  if (!target.pidFile.empty()) args.push_back("--pid-file=" + target.pidFile);
  args.push_back(target.containerId);
  args.insert(args.end(), argv.begin(), argv.end());
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) images::throwErrno("pipe");
  UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) images::throwErrno("open /dev/null");

  pid_t helper = ::fork();
  if (helper < 0) images::throwErrno("fork");
  if (helper == 0) runHelper(cargs.data(), devNull.get(), writeEnd.get(), target.hybridCgroups);
  ::setpgid(helper, helper);  // also here: the kill below may come before the child's own call
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
