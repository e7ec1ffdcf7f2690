#include "runtime/crun/child_process.h"

#include "runtime/images/file_util.h"

#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cube::runtime::crun {

void resetSignalsForChild() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
}

void writeChildFailure(int fd, const char* prefix, const char* what) {
  const char* err = std::strerror(errno);  // glibc's strerror of a known errno does not allocate
  (void)!::write(fd, prefix, std::strlen(prefix));
  (void)!::write(fd, what, std::strlen(what));
  (void)!::write(fd, ": ", 2);
  (void)!::write(fd, err, std::strlen(err));
  (void)!::write(fd, "\n", 1);
}

bool enterPrivateCgroupView(int errFd, const char* failurePrefix) {
  if (::unshare(CLONE_NEWNS) != 0) {
    writeChildFailure(errFd, failurePrefix, "unshare(CLONE_NEWNS)");
    return false;
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    writeChildFailure(errFd, failurePrefix, "make / rslave");
    return false;
  }
  if (::umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    writeChildFailure(errFd, failurePrefix, "umount /sys/fs/cgroup/unified");
    return false;
  }
  return true;
}

namespace {

// The subreaper helper's life after its setup: argv as its child, whose code it exits with.
[[noreturn]] void runHelper(char* const* argv, const char* failurePrefix, bool closeStdio) {
  pid_t pid = ::fork();
  if (pid < 0) {
    writeChildFailure(2, failurePrefix, "fork");
    ::_exit(126);
  }
  if (pid == 0) {
    ::execv(argv[0], argv);
    writeChildFailure(2, failurePrefix, argv[0]);
    ::_exit(127);
  }
  if (closeStdio) {
    // The helper keeps no copy of the streams: their end of file is the command's.
    ::close(0);
    ::close(1);
    ::close(2);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(126);
  }
  // Orphans of argv that have ended; one still running goes on to the agent when this exits.
  int other;
  while (::waitpid(-1, &other, WNOHANG) > 0) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace

pid_t spawnChild(const std::vector<std::string>& args, const ChildOptions& options) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) images::throwErrno("fork");
  if (pid > 0) {
    // Also here: the caller may kill the group before the child's own call.
    if (options.group == ChildOptions::Group::kOwnGroup) ::setpgid(pid, pid);
    return pid;
  }

  // Child: async-signal-safe calls only.
  const char* prefix = options.failurePrefix;
  resetSignalsForChild();
  if (options.group == ChildOptions::Group::kOwnGroup) ::setpgid(0, 0);
  if (options.group == ChildOptions::Group::kOwnSession) ::setsid();
  if (options.subreaperHelper) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (::dup2(options.inFd, 0) < 0 || ::dup2(options.outFd, 1) < 0 || ::dup2(options.errFd, 2) < 0) {
    writeChildFailure(options.errFd, prefix, "dup2");
    ::_exit(126);
  }
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  if (options.controllingTty) ::ioctl(0, TIOCSCTTY, 0);
  if (options.privateCgroupView && !enterPrivateCgroupView(2, prefix)) ::_exit(126);
  if (options.subreaperHelper) runHelper(argv.data(), prefix, options.helperClosesStdio);
  ::execv(argv[0], argv.data());
  writeChildFailure(2, prefix, argv[0]);
  ::_exit(127);
}

}  // namespace cube::runtime::crun
