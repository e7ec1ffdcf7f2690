#include "runtime/crun/child_process.h"

#include "runtime/images/file_util.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

namespace {

struct ChildStart {
  char* const* argv;
  const ChildOptions* options;
};

// The child's steps up to exec. It may share the caller's memory (CLONE_VM): it only reads what
// ChildStart points to and makes system calls.
[[noreturn]] void runChild(const ChildStart& start) {
  const ChildOptions& options = *start.options;
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
  if (options.privateCgroupView && !enterPrivateCgroupView(2, prefix)) ::_exit(126);
  if (options.subreaperHelper) runHelper(start.argv, prefix, options.helperClosesStdio);
  ::execv(start.argv[0], start.argv);
  writeChildFailure(2, prefix, start.argv[0]);
  ::_exit(127);
}

int runChildEntry(void* start) {
  runChild(*static_cast<ChildStart*>(start));
}

// fork() copies the agent's page tables only for exec to throw them away, a cost per crun call
// that grows with the agent's heap. A child that execs right away shares the memory instead
// and the caller waits until the exec (CLONE_VM | CLONE_VFORK, as posix_spawn does); all
// signals stay blocked meanwhile so no handler of the agent runs on the shared memory.
pid_t spawnSharingMemory(ChildStart& start) {
  constexpr size_t kStackSize = 64 * 1024;
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) images::throwErrno("mmap child stack");
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  int savedErrno = errno;
  pid_t pid = ::clone(runChildEntry, static_cast<char*>(stack) + kStackSize,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  int cloneErrno = errno;
  errno = savedErrno;  // the child shares this thread's errno
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::munmap(stack, kStackSize);
  if (pid < 0) {
    errno = cloneErrno;
    images::throwErrno("clone");
  }
  return pid;
}

}  // namespace

pid_t spawnChild(const std::vector<std::string>& args, const ChildOptions& options) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ChildStart start{argv.data(), &options};

  pid_t pid;
  if (options.subreaperHelper) {
    // The helper lives on after its setup (it runs argv as its own child): a copy of the memory.
    pid = ::fork();
    if (pid < 0) images::throwErrno("fork");
    if (pid == 0) runChild(start);
  } else {
    pid = spawnSharingMemory(start);
  }
  // Also here: the caller may kill the group before the child's own call.
  if (options.group == ChildOptions::Group::kOwnGroup) ::setpgid(pid, pid);
  return pid;
}

}  // namespace cube::runtime::crun
