#include "runtime/crun/exec_session.h"

#include "runtime/crun/crun_runtime.h"
#include "runtime/images/file_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
[[noreturn]] void runHelper(char* const* argv, int in, int out, int err, bool tty, bool hybrid) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  ::setsid();  // kill() ends the session's group; a terminal becomes its controlling one
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  if (tty) ::ioctl(0, TIOCSCTTY, 0);
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
  // The helper keeps no copy of the streams: their end of file is the command's.
  ::close(0);
  ::close(1);
  ::close(2);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(126);
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

class CrunExecProcess : public Runtime::ExecProcess {
 public:
  CrunExecProcess(pid_t helper, UniqueFd in, UniqueFd out, UniqueFd err, bool tty)
      : helper_(helper),
        in_(std::move(in)),
        out_(std::move(out)),
        err_(std::move(err)),
        tty_(tty) {}

  ~CrunExecProcess() override {
    if (helper_ > 0) {
      kill();
      wait();
    }
  }

  int stdinFd() const override { return in_.get(); }
  int stdoutFd() const override { return out_.get(); }
  int stderrFd() const override { return err_.get(); }

  void closeStdin() override {
    if (tty_) {
      // The terminal is also the output: send its end-of-file character (^D) instead.
      struct termios t {};
      char eof = ::tcgetattr(in_.get(), &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : '\x04';
      (void)!::write(in_.get(), &eof, 1);
      return;
    }
    in_.reset();
  }

  void resize(uint16_t width, uint16_t height) override {
    if (!tty_) return;
    struct winsize ws {};
    ws.ws_col = width;
    ws.ws_row = height;
    ::ioctl(out_.get(), TIOCSWINSZ, &ws);
  }

  int wait() override {
    if (helper_ <= 0) return exitCode_;
    int status = 0;
    while (::waitpid(helper_, &status, 0) < 0) {
      if (errno != EINTR) {
        helper_ = -1;
        return exitCode_ = 126;
      }
    }
    helper_ = -1;
    exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exitCode_;
  }

  void kill() override {
    if (helper_ > 0) ::kill(-helper_, SIGKILL);
  }

 private:
  pid_t helper_;
  UniqueFd in_, out_, err_;
  bool tty_;
  int exitCode_ = 0;
};

}  // namespace

std::unique_ptr<Runtime::ExecProcess> startCrunExec(const CrunExecTarget& target,
                                                    const Runtime::ExecOptions& options) {
  if (options.command.empty()) throw RuntimeError("exec in " + target.containerId + ": no command");
  std::vector<std::string> args = {target.crunPath, "--root", target.stateRoot, "exec",
                                   target.containerId};
  args.insert(args.end(), options.command.begin(), options.command.end());
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);

  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) images::throwErrno("open /dev/null");
  // What the helper gets (childIn/Out/Err) and what the caller keeps (in/out/err).
  UniqueFd in, out, err, childIn, childOut, childErr;
  if (options.tty) {
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master || ::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) {
      images::throwErrno("open a pseudo-terminal");
    }
    char name[64];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) images::throwErrno("ptsname");
    UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) images::throwErrno(std::string("open ") + name);
    if (options.width > 0 && options.height > 0) {
      struct winsize ws {};
      ws.ws_col = options.width;
      ws.ws_row = options.height;
      ::ioctl(slave.get(), TIOCSWINSZ, &ws);
    }
    in = UniqueFd(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
    out = std::move(master);
    childIn = UniqueFd(::fcntl(slave.get(), F_DUPFD_CLOEXEC, 0));
    childErr = UniqueFd(::fcntl(slave.get(), F_DUPFD_CLOEXEC, 0));
    childOut = std::move(slave);
  } else {
    int p[2];
    if (options.stdin) {
      if (::pipe2(p, O_CLOEXEC) != 0) images::throwErrno("pipe");
      childIn = UniqueFd(p[0]);
      in = UniqueFd(p[1]);
    }
    if (::pipe2(p, O_CLOEXEC) != 0) images::throwErrno("pipe");
    out = UniqueFd(p[0]);
    childOut = UniqueFd(p[1]);
    if (::pipe2(p, O_CLOEXEC) != 0) images::throwErrno("pipe");
    err = UniqueFd(p[0]);
    childErr = UniqueFd(p[1]);
  }
  int inFd = childIn ? childIn.get() : devNull.get();
  pid_t helper = ::fork();
  if (helper < 0) images::throwErrno("fork");
  if (helper == 0) {
    runHelper(cargs.data(), inFd, childOut.get(), childErr.get(), options.tty,
              target.hybridCgroups);
  }
  return std::make_unique<CrunExecProcess>(helper, std::move(in), std::move(out), std::move(err),
                                           options.tty);
}

std::unique_ptr<Runtime::ExecProcess> CrunRuntime::startExec(const std::string& containerId,
                                                             const ExecOptions& options) {
  std::string id = containerId.rfind("crun://", 0) == 0 ? containerId.substr(7) : containerId;
  {
    std::lock_guard lock(mutex_);
    if (!processes_.count(id)) throw RuntimeError("container " + containerId + " is not running");
  }
  return startCrunExec(
      {runner_.crunPath(), runner_.options().stateRoot, runner_.hybridCgroups(), id}, options);
}

std::string CrunRuntime::sandboxNetworkNamespace(const std::string& sandboxId) {
  std::lock_guard lock(mutex_);
  auto s = sandboxes_.find(sandboxId);
  if (s == sandboxes_.end() || s->second.hostNetwork) return "";
  return s->second.netnsPath;
}

}  // namespace cube::runtime::crun
