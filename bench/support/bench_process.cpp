#include "support/bench_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace cube::bench {

namespace {

volatile sig_atomic_t gInterrupted = 0;
constexpr int kMaxChildren = 8;
volatile pid_t gChildren[kMaxChildren] = {};

void onSignal(int) {
  if (gInterrupted) {  // second signal: do not wait for the orderly path
    for (int i = 0; i < kMaxChildren; ++i) {
      if (gChildren[i] > 0) kill(gChildren[i], SIGKILL);
    }
    _exit(130);
  }
  gInterrupted = 1;
}

}  // namespace

void installProcessHandling() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void checkInterrupted() {
  if (gInterrupted) throw Interrupted();
}

// Sleeps in small steps so SIGINT is noticed.
void sleepFor(std::chrono::milliseconds d) {
  auto end = Clock::now() + d;
  while (Clock::now() < end) {
    checkInterrupted();
    std::this_thread::sleep_for(
        std::min<Clock::duration>(end - Clock::now(), std::chrono::milliseconds(100)));
  }
  checkInterrupted();
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Forks `argv`; its stderr (and stdout unless `stdoutPipe`) goes to `logPath`. The child dies
// with us (PR_SET_PDEATHSIG), so even a SIGKILLed bench leaves no cluster behind.
pid_t spawn(const std::vector<std::string>& argv, const std::string& logPath, int* stdoutPipe) {
  int out[2] = {-1, -1};
  if (stdoutPipe && pipe(out) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(stdoutPipe ? out[1] : log, 1);
    dup2(log, 2);
    if (stdoutPipe) close(out[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  if (stdoutPipe) {
    close(out[1]);
    *stdoutPipe = out[0];
  }
  for (int i = 0; i < kMaxChildren; ++i) {
    if (gChildren[i] == 0) {
      gChildren[i] = pid;
      break;
    }
  }
  return pid;
}

// SIGTERM, up to 15 s for an orderly exit, then SIGKILL.
void stopChild(pid_t& pid, const char* what) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  auto start = Clock::now();
  while (waitpid(pid, nullptr, WNOHANG) == 0) {
    if (secondsSince(start) > 15) {
      std::printf("  %s (pid %d) did not stop within 15 s of SIGTERM; killed\n", what, pid);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int i = 0; i < kMaxChildren; ++i) {
    if (gChildren[i] == pid) gChildren[i] = 0;
  }
  pid = -1;
}

bool alive(pid_t pid) {
  return pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0;
}

ProcSample sample(pid_t pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(text.substr(close + 2));
    std::vector<std::string> f;
    std::string x;
    while (fields >> x && f.size() < 15) f.push_back(x);
    // Fields after "(comm)" start at 3 (state): utime is field 14, stime 15, then the reaped
    // children's cutime 16 and cstime 17.
    if (f.size() >= 15) {
      s.cpuSeconds = (std::stod(f[11]) + std::stod(f[12])) / sysconf(_SC_CLK_TCK);
      s.childrenCpuSeconds = (std::stod(f[13]) + std::stod(f[14])) / sysconf(_SC_CLK_TCK);
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rssMB = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) s.hwmMB = std::stod(line.substr(6)) / 1024;
    if (line.rfind("RssAnon:", 0) == 0) s.anonMB = std::stod(line.substr(8)) / 1024;
    if (line.rfind("RssFile:", 0) == 0) s.fileMB = std::stod(line.substr(8)) / 1024;
    if (line.rfind("Threads:", 0) == 0) s.threads = std::stoi(line.substr(8));
  }
  return s;
}

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "    " + all[i] + "\n";
  }
  return out;
}

ServerProcess startServer(const std::string& cube, const std::string& dir,
                          const std::vector<std::string>& extraArgs) {
  std::vector<std::string> argv = {cube,     "server", "--data-dir",         dir + "/data",
                                   "--port", "0",      "--write-kubeconfig", dir + "/kubeconfig"};
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  int out = -1;
  ServerProcess server;
  server.pid = spawn(argv, dir + "/server.log", &out);
  std::string text;
  char buf[512];
  while (text.find("ready at") == std::string::npos ||
         text.find('\n', text.find("ready at")) == std::string::npos) {
    ssize_t n = read(out, buf, sizeof buf);
    if (n <= 0) {
      close(out);
      throw std::runtime_error("server did not start:\n" + tail(dir + "/server.log", 20));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  close(out);  // the server's later stdout writes are ignored (SIGPIPE is ignored there)
  auto at = text.find("http://", text.find("ready at"));
  server.url = text.substr(at, text.find('\n', at) - at);
  return server;
}

}  // namespace cube::bench
