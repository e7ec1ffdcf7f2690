#include "runtime/crun/crun_runner.h"

#include "runtime/crun/attach_session.h"
#include "runtime/crun/child_process.h"
#include "runtime/crun/console_socket.h"
#include "runtime/crun/container_shim.h"
#include "runtime/crun/mount_table.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cube::runtime::crun {

namespace bj = boost::json;
using images::UniqueFd;

namespace {

constexpr const char* kUnifiedMount = "/sys/fs/cgroup/unified";

// cgroup v1 hierarchies beside a cgroup2 mount at /sys/fs/cgroup/unified: what crun refuses.
bool detectHybrid(const std::vector<MountEntry>& cgroupMounts) {
  bool v1 = false, unified = false;
  for (const auto& m : cgroupMounts) {
    if (m.fsType == "cgroup") v1 = true;
    if (m.fsType == "cgroup2" && m.mountPoint == kUnifiedMount) unified = true;
  }
  return v1 && unified;
}

std::string findOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::istringstream ss(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

int waitChild(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) images::throwErrno("waitpid " + std::to_string(pid));
  }
  return status;
}

std::string readFd(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string describeStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// crun's --log lines are JSON ({"msg": ..., "level": ..., "time": ...}) or plain text.
std::string crunLogMessage(const std::string& line) {
  try {
    auto v = bj::parse(line);
    if (const auto* o = v.if_object()) {
      if (const auto* msg = o->if_contains("msg"); msg && msg->is_string()) {
        return std::string(msg->as_string());
      }
    }
  } catch (const std::exception&) {
  }
  return trim(line);
}

bool succeeded(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

UniqueFd openDevNull() {
  UniqueFd fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!fd) images::throwErrno("open /dev/null");
  return fd;
}

ExitStatus exitStatusOf(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exitCode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
    s.exitCode = 128 + s.signal;
  }
  return s;
}

std::string parentOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

CrunRunner::CrunRunner(CrunRunnerOptions options) : options_(std::move(options)) {
  crunPath_ = findOnPath(options_.crunPath);
  if (crunPath_.empty()) throw CrunError("crun not found (" + options_.crunPath + ")");
  if (options_.stateRoot.empty()) throw CrunError("CrunRunner: no state root");
  images::makeDirs(options_.stateRoot, 0700);
  // Orphaned container inits come to this process, so their exit status can be read.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    images::throwErrno("PR_SET_CHILD_SUBREAPER");
  // The cgroup hierarchies are the host's and do not change while the node runs: read once (the
  // whole mount table grows with every pod).
  for (auto& m : readMountTable()) {
    if (m.fsType == "cgroup" || m.fsType == "cgroup2") cgroupMounts_.push_back(std::move(m));
  }
  hybrid_ = detectHybrid(cgroupMounts_);
  // crun never uses the unified mount of a hybrid host.
  if (hybrid_) {
    std::erase_if(cgroupMounts_, [](const MountEntry& m) { return m.mountPoint == kUnifiedMount; });
  }
}

std::optional<std::string> CrunRunner::unavailableReason(const std::string& crunPath) {
  if (::geteuid() != 0)
    return "containers need root (running as uid " + std::to_string(::geteuid()) + ")";
  if (findOnPath(crunPath).empty()) return "crun is not installed (apt-get install crun)";
  return std::nullopt;
}

CrunRunner::Output CrunRunner::crun(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {crunPath_, "--root", options_.stateRoot};
  argv.insert(argv.end(), args.begin(), args.end());
  int outPipe[2], errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) images::throwErrno("pipe");
  UniqueFd outRead(outPipe[0]), outWrite(outPipe[1]);
  if (::pipe2(errPipe, O_CLOEXEC) != 0) images::throwErrno("pipe");
  UniqueFd errRead(errPipe[0]), errWrite(errPipe[1]);
  UniqueFd devNull = openDevNull();
  pid_t pid = spawnCrun(argv, devNull.get(), outWrite.get(), errWrite.get());
  outWrite.reset();
  errWrite.reset();
  Output o;
  // crun's outputs are small (state JSON, an error line): well below a pipe's buffer, so
  // reading one after the other cannot deadlock.
  o.out = readFd(outRead.get());
  o.err = readFd(errRead.get());
  o.status = waitCrun(pid);
  return o;
}

ContainerProcess CrunRunner::run(const std::string& id, const std::string& bundleDir,
                                 const std::string& logPath, const ContainerIo& io) {
  std::string pidFile = bundleDir + "/init.pid";
  std::string crunLog = bundleDir + "/crun.log";
  ::unlink(pidFile.c_str());
  ::unlink(crunLog.c_str());
  UniqueFd log(::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log) images::throwErrno("open " + logPath);
  struct stat st {};
  if (::fstat(log.get(), &st) != 0) images::throwErrno("stat " + logPath);
  UniqueFd devNull = openDevNull();
  // The container writes into two pipes (or its terminal); a shim (container_shim.h) turns them
  // into CRI entries in the log, serves the attach socket, holds the container's stdin, and
  // outlives this process.
  ShimFds shimFds;
  shimFds.stdinOnce = io.stdinOnce;
  shimFds.tty = io.tty;
  UniqueFd attachSocket = listenAttachSocket(bundleDir);
  shimFds.attachFd = attachSocket.get();
  UniqueFd outRead, outWrite, errRead, errWrite, inRead, inWrite;
  // A terminal: crun makes it in the container and hands its master over the console socket.
  std::unique_ptr<ConsoleSocket> console;
  if (io.tty) {
    console = std::make_unique<ConsoleSocket>(bundleDir, "console");
  } else {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) images::throwErrno("pipe");
    outRead = UniqueFd(p[0]);
    outWrite = UniqueFd(p[1]);
    if (::pipe2(p, O_CLOEXEC) != 0) images::throwErrno("pipe");
    errRead = UniqueFd(p[0]);
    errWrite = UniqueFd(p[1]);
    if (io.stdin) {
      if (::pipe2(p, O_CLOEXEC) != 0) images::throwErrno("pipe");
      inRead = UniqueFd(p[0]);
      inWrite = UniqueFd(p[1]);
    }
  }
  pid_t shim = -1;
  struct ShimRelease {
    CrunRunner* runner;
    pid_t* pid;
    ~ShimRelease() {
      std::lock_guard lock(runner->mutex_);
      runner->ownCrunPids_.erase(*pid);
    }
  } release{this, &shim};
  auto startShim = [&] {
    // Registered as ours while run() may wait for it; reapStrays reaps it after its end.
    std::lock_guard lock(mutex_);
    shim = startLogShim(shimFds);
    ownCrunPids_.insert(shim);
  };
  if (!io.tty) {
    shimFds.stdoutFd = outRead.get();
    shimFds.stderrFd = errRead.get();
    shimFds.logFd = log.get();
    shimFds.stdinFd = inWrite.get();
    startShim();
    outRead.reset();
    errRead.reset();
    inWrite.reset();
    log.reset();
    attachSocket.reset();
  }

  // crun's own complaint goes to crun.log (--log), not to the container's output: take it
  // into the error, and delete what was half made.
  auto fail = [&](const std::string& step, int status) {
    std::string message;
    try {
      for (const auto& line : splitLines(images::readFile(crunLog))) {
        message = crunLogMessage(line);  // the last one says why
      }
    } catch (const std::exception&) {
    }
    try {
      remove(id, "");
    } catch (...) {
    }
    // What crun's init printed to the container's stderr (an exec error) is in the error: once
    // the shim has written its last, the log goes back to where it was.
    outWrite.reset();
    errWrite.reset();
    int shimStatus;
    while (shim > 0 && ::waitpid(shim, &shimStatus, 0) < 0 && errno == EINTR) {
    }
    if (::truncate(logPath.c_str(), st.st_size) != 0) {
      // Keeping crun's message in the log is the lesser harm.
    }
    return CrunError("crun " + step + " " + id + ": " + describeStatus(status) +
                     (message.empty() ? "" : ": " + message));
  };

  // create, then start (not `run -d`): after create the container's init waits for start and
  // crun has exited, so the init is already this process's child. With `run -d` a container
  // that exits at once can be reaped by crun itself before crun exits, and its exit status is
  // lost (seen here with `true` under load). The container inherits crun's stdio: the pipes.
  std::vector<std::string> create = {crunPath_,          "--root",     options_.stateRoot,
                                     "--log=" + crunLog, "create",     "--bundle",
                                     bundleDir,          "--pid-file", pidFile};
  if (console) create.push_back("--console-socket=" + console->path());
  create.push_back(id);
  int status = io.tty
                   ? waitCrun(spawnCrun(create, devNull.get(), devNull.get(), devNull.get()), false)
                   : waitCrun(spawnCrun(create, inRead ? inRead.get() : devNull.get(),
                                        outWrite.get(), errWrite.get()),
                              false);
  inRead.reset();
  if (!succeeded(status)) throw fail("create", status);
  if (io.tty) {
    // crun create has ended: its connection, if any, is waiting.
    UniqueFd master = console->receive(-1, 0);
    if (!master) throw fail("create (no terminal on the console socket)", status);
    console.reset();
    UniqueFd input;
    if (io.stdin) {
      input = UniqueFd(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
      if (!input) images::throwErrno("dup terminal");
    }
    shimFds.stdoutFd = master.get();
    shimFds.logFd = log.get();
    shimFds.stdinFd = input.get();
    startShim();
    log.reset();
    attachSocket.reset();
  }

  ContainerProcess p;
  p.id = id;
  std::string pidText;
  try {
    pidText = trim(images::readFile(pidFile));
    p.pid = static_cast<pid_t>(std::stol(pidText));
  } catch (const std::exception& e) {
    throw fail("create (no pid in " + pidFile + ")", status);
  }
  {
    std::lock_guard lock(mutex_);
    ownCrunPids_.insert(p.pid);  // its comm says crun until it execs: never a stray
  }
  // A pidfd for signals and polling; valid until the init is reaped.
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, p.pid, 0));
  if (fd >= 0) p.pidfd = UniqueFd(fd);

  std::vector<std::string> start = {crunPath_,          "--root", options_.stateRoot,
                                    "--log=" + crunLog, "start",  id};
  status = waitCrun(spawnCrun(start, devNull.get(), devNull.get(), devNull.get()));
  if (!succeeded(status)) {
    CrunError error = fail("start", status);  // deletes (and so kills) the container
    wait(p);
    throw error;
  }
  return p;
}

pid_t CrunRunner::spawnCrun(const std::vector<std::string>& argv, int inFd, int outFd, int errFd) {
  // Held across fork so reapStrays never sees this child before it is registered.
  std::lock_guard lock(mutex_);
  ChildOptions child;
  child.inFd = inFd;
  child.outFd = outFd;
  child.errFd = errFd;
  child.privateCgroupView = hybrid_;
  pid_t pid = spawnChild(argv, child);
  ownCrunPids_.insert(pid);
  return pid;
}

int CrunRunner::waitCrun(pid_t pid, bool reap) {
  int status = waitChild(pid);
  {
    std::lock_guard lock(mutex_);
    ownCrunPids_.erase(pid);
  }
  if (reap) reapStrays();
  return status;
}

void CrunRunner::reapStrays() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    std::ifstream in(it->path() / "children");
    pid_t pid;
    while (in >> pid) {
      if (ownCrunPids_.count(pid)) continue;
      std::ifstream statFile("/proc/" + std::to_string(pid) + "/stat");
      std::string stat;
      std::getline(statFile, stat);
      // "<pid> (<comm>) <state> ...": only exited crun processes.
      if (stat.find(" (crun) Z ") == std::string::npos &&
          stat.find(" (cube-log-shim) Z ") == std::string::npos) {
        continue;
      }
      int status;
      ::waitpid(pid, &status, WNOHANG);
    }
  }
}

std::optional<ExitStatus> CrunRunner::wait(ContainerProcess& process,
                                           std::optional<std::chrono::milliseconds> timeout) {
  if (process.pid <= 0) throw CrunError("wait " + process.id + ": already reaped");
  if (timeout && process.pidfd) {
    struct pollfd pfd {
      process.pidfd.get(), POLLIN, 0
    };
    int ms = static_cast<int>(timeout->count());
    int r;
    while ((r = ::poll(&pfd, 1, ms)) < 0 && errno == EINTR) {
    }
    if (r == 0) return std::nullopt;
  }
  int status = 0;
  int flags = timeout ? WNOHANG : 0;
  pid_t r;
  while ((r = ::waitpid(process.pid, &status, flags)) < 0 && errno == EINTR) {
  }
  if (r < 0) {
    images::throwErrno("waitpid container " + process.id + " (pid " + std::to_string(process.pid) +
                       ")");
  }
  if (r == 0) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    ownCrunPids_.erase(process.pid);
  }
  process.pid = -1;
  process.pidfd.reset();
  return exitStatusOf(status);
}

void CrunRunner::signal(const ContainerProcess& process, int sig) {
  if (process.pid <= 0) return;
  int r =
      process.pidfd
          ? static_cast<int>(::syscall(SYS_pidfd_send_signal, process.pidfd.get(), sig, nullptr, 0))
          : ::kill(process.pid, sig);
  if (r != 0 && errno != ESRCH) images::throwErrno("signal container " + process.id);
}

ExitStatus CrunRunner::stop(ContainerProcess& process, std::chrono::milliseconds grace) {
  signal(process, SIGTERM);
  if (auto s = wait(process, grace)) return *s;
  signal(process, SIGKILL);
  return *wait(process);
}

void CrunRunner::remove(const std::string& id, const std::string& cgroupsPath) {
  Output o = crun({"delete", "--force", id});
  if (!succeeded(o.status)) {
    struct stat st {};
    bool known = ::stat((options_.stateRoot + "/" + id).c_str(), &st) == 0;
    if (known) {
      throw CrunError("crun delete " + id + ": " + describeStatus(o.status) + ": " + trim(o.err));
    }
  }
  if (!cgroupsPath.empty()) removeCgroupDirs(cgroupsPath);
}

void CrunRunner::removeCgroupDirs(const std::string& cgroupsPath) const {
  const std::string& root = options_.cgroupRoot;
  auto below = [&](const std::string& p) {
    return p.size() > root.size() && p.compare(0, root.size(), root) == 0 && p[root.size()] == '/';
  };
  std::string firstError;
  for (const auto& m : cgroupMounts_) {
    std::string path = cgroupsPath;
    for (bool leaf = true; leaf || below(path); leaf = false, path = parentOf(path)) {
      std::string dir = m.mountPoint + path;
      if (::rmdir(dir.c_str()) != 0) {
        if (errno == ENOENT) continue;  // gone already, or never made in this hierarchy
        // The leaf busy means processes are left: report it. A busy parent holds siblings.
        if (leaf && firstError.empty()) firstError = dir + ": " + std::strerror(errno);
        break;
      }
      if (!below(parentOf(path))) break;
    }
  }
  if (!firstError.empty()) throw CrunError("remove cgroup " + firstError);
}

bool CrunRunner::oomKilled(const std::string& cgroupsPath) const {
  for (const auto& m : cgroupMounts_) {
    for (const char* file : {"/memory.events", "/memory.oom_control"}) {
      std::ifstream in(m.mountPoint + cgroupsPath + file);
      std::string key;
      uint64_t value;
      while (in >> key >> value) {
        if (key == "oom_kill" && value > 0) return true;
      }
    }
  }
  return false;
}

std::optional<bj::object> CrunRunner::state(const std::string& id) {
  Output o = crun({"state", id});
  if (!succeeded(o.status)) {
    struct stat st {};
    if (::stat((options_.stateRoot + "/" + id).c_str(), &st) != 0) return std::nullopt;
    throw CrunError("crun state " + id + ": " + describeStatus(o.status) + ": " + trim(o.err));
  }
  boost::system::error_code ec;
  bj::value v = bj::parse(o.out, ec);
  if (ec || !v.is_object()) throw CrunError("crun state " + id + ": unreadable output: " + o.out);
  return v.get_object();
}

std::vector<std::string> CrunRunner::list() const {
  std::vector<std::string> ids;
  DIR* d = ::opendir(options_.stateRoot.c_str());
  if (!d) return ids;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || e->d_type != DT_DIR) continue;
    ids.push_back(name);
  }
  ::closedir(d);
  return ids;
}

void writeBundleConfig(const std::string& bundleDir, const bj::object& spec) {
  images::makeDirs(bundleDir, 0700);
  // Made anew for every container instance: no fsync.
  images::writeFileAtomic(bundleDir + "/config.json", bj::serialize(spec),
                          images::FileSync::kNoSync);
}

}  // namespace cube::runtime::crun
