#include "runtime/crun/exec_session.h"

#include "runtime/crun/child_process.h"
#include "runtime/crun/console_socket.h"
#include "runtime/crun/crun_runtime.h"
#include "runtime/images/file_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

namespace cube::runtime::crun {

using images::UniqueFd;

namespace {

// The children of a single-threaded process (the helper, crun).
std::vector<pid_t> childrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::string id = std::to_string(pid);
  std::ifstream in("/proc/" + id + "/task/" + id + "/children");
  for (pid_t child; in >> child;) out.push_back(child);
  return out;
}

class CrunExecProcess : public Runtime::ExecProcess {
 public:
  CrunExecProcess(pid_t helper, UniqueFd in, UniqueFd out, UniqueFd err, bool tty,
                  std::string processFile)
      : helper_(helper),
        in_(std::move(in)),
        out_(std::move(out)),
        err_(std::move(err)),
        tty_(tty),
        helperFd_(static_cast<int>(::syscall(SYS_pidfd_open, helper, 0))),
        processFile_(std::move(processFile)) {}

  ~CrunExecProcess() override {
    if (helper_ > 0) {
      kill();
      wait();
    }
    ::unlink(processFile_.c_str());
  }

  // The command's input and output (for a terminal: the master, twice), once known.
  void setStreams(UniqueFd in, UniqueFd out) {
    in_ = std::move(in);
    out_ = std::move(out);
  }
  int helperFd() const { return helperFd_.get(); }

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
    ::unlink(processFile_.c_str());  // crun, which read it, has ended
    exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exitCode_;
  }

  void kill() override {
    if (helper_ <= 0) return;
    // The command first, as execSync's timeout does: crun then returns and the helper reaps
    // what has ended. Killed with the helper's group instead, the command (in a session crun
    // made) would live on as the agent's child, whose zombie nothing reaps, and the container's
    // pid namespace could never end. The command is crun's child; crun the helper's.
    bool commandKilled = false;
    for (pid_t crunPid : childrenOf(helper_)) {
      for (pid_t command : childrenOf(crunPid)) commandKilled |= ::kill(command, SIGKILL) == 0;
    }
    struct pollfd pfd {
      helperFd_.get(), POLLIN, 0
    };
    if (commandKilled && helperFd_ && ::poll(&pfd, 1, 1000) > 0) return;
    ::kill(-helper_, SIGKILL);
  }

 private:
  pid_t helper_;
  UniqueFd in_, out_, err_;
  bool tty_;
  UniqueFd helperFd_;        // a pidfd: readable once the helper has ended
  std::string processFile_;  // crun's process.json, removed once the helper has ended
  int exitCode_ = 0;
};

}  // namespace

std::unique_ptr<Runtime::ExecProcess> startCrunExec(const ExecTarget& target,
                                                    const Runtime::ExecOptions& options) {
  if (options.command.empty()) throw RuntimeError("exec in " + target.containerId + ": no command");
  // A terminal is made by crun inside the container (its own devpts: `tty` names it, the shell
  // gets job control) and its master comes over a console socket next to the process file.
  std::unique_ptr<ConsoleSocket> console;
  if (options.tty) {
    std::string file = target.processFile;
    auto slash = file.find_last_of('/');
    std::string dir = slash == std::string::npos ? "." : file.substr(0, slash);
    console = std::make_unique<ConsoleSocket>(dir, file.substr(slash + 1) + ".console");
  }
  ExecTerminal terminal;
  if (console) terminal = {console->path(), options.width, options.height};
  std::vector<std::string> args =
      crunExecArgs(target, options.command, console ? &terminal : nullptr);
  // Removed here unless the process below takes it over.
  std::string processFile = target.processFile;
  struct RemoveUnlessTaken {
    std::string& path;
    ~RemoveUnlessTaken() {
      if (!path.empty()) ::unlink(path.c_str());
    }
  } removeUnlessTaken{processFile};
  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) images::throwErrno("open /dev/null");
  // What the helper gets (childIn/Out/Err) and what the caller keeps (in/out/err).
  UniqueFd in, out, err, childIn, childOut, childErr;
  if (!options.tty) {
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
  // crun one step removed, under a subreaper helper (see the header), in its own session:
  // kill() ends the session's group.
  ChildOptions child;
  child.inFd = childIn ? childIn.get() : devNull.get();
  child.outFd = childOut ? childOut.get() : devNull.get();
  child.errFd = childErr ? childErr.get() : devNull.get();
  child.privateCgroupView = target.hybridCgroups;
  child.group = ChildOptions::Group::kOwnSession;
  child.subreaperHelper = true;
  child.helperClosesStdio = true;
  child.failurePrefix = "cube exec: ";
  pid_t helper = spawnChild(args, child);
  auto process = std::make_unique<CrunExecProcess>(helper, UniqueFd(), UniqueFd(), std::move(err),
                                                   options.tty, std::exchange(processFile, ""));
  if (!console) {
    process->setStreams(std::move(in), std::move(out));
    return process;
  }
  // crun sends the master before it runs the command; if crun ends first, it could not.
  UniqueFd master = console->receive(process->helperFd(), 10000);
  if (!master) {
    int code = process->wait();
    throw RuntimeError("exec in " + target.containerId + ": crun gave no terminal (exit code " +
                       std::to_string(code) + ")");
  }
  if (options.width > 0 && options.height > 0) {
    struct winsize ws {};
    ws.ws_col = options.width;
    ws.ws_row = options.height;
    ::ioctl(master.get(), TIOCSWINSZ, &ws);
  }
  UniqueFd input(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
  if (!input) images::throwErrno("dup terminal");
  process->setStreams(std::move(input), std::move(master));
  return process;
}

std::unique_ptr<Runtime::ExecProcess> CrunRuntime::startExec(const std::string& containerId,
                                                             const ExecOptions& options) {
  return startCrunExec(execTargetOf(containerId), options);
}

std::string CrunRuntime::sandboxNetworkNamespace(const std::string& sandboxId) {
  std::lock_guard lock(mutex_);
  auto s = sandboxes_.find(sandboxId);
  if (s == sandboxes_.end() || s->second.hostNetwork) return "";
  return s->second.netnsPath;
}

}  // namespace cube::runtime::crun
