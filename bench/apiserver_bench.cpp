// apiserver_bench: starts a real `cube server` (SQLite store, temp dir, free port) and measures it
// over HTTP on loopback: pod creates/s, GET latency, LIST time, watch fan-out latency and server
// RSS, at growing object counts. Prints figures; asserts nothing.
//
//   apiserver_bench --cube build/cube [--counts 1000,10000,100000] [--writers 32] [--watchers 1000]

#include "client/http_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;
using cube::client::HttpConnection;

namespace {

struct Options {
  std::string cube = "build/cube";
  std::vector<int> counts = {1000, 10000, 100000};
  int writers = 32;
  int watchers = 1000;
};

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

long rssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string podJson(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","labels":{"app":"bench"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}})";
}

struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string dir;
};

Server startServer(const std::string& cube) {
  Server s;
  char tmpl[] = "/tmp/cube-bench.XXXXXX";
  s.dir = mkdtemp(tmpl);
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  s.pid = fork();
  if (s.pid == 0) {
    dup2(out[1], 1);
    int log = open((s.dir + "/server.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log, 2);
    close(out[0]);
    execl(cube.c_str(), cube.c_str(), "server", "--data-dir", (s.dir + "/data").c_str(), "--port",
          "0", "--write-kubeconfig", (s.dir + "/kubeconfig").c_str(), "--disable-agent",
          "--log-level", "warn", nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[512];
  while (text.find("ready at") == std::string::npos ||
         text.find('\n', text.find("ready at")) == std::string::npos) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("server did not start; see " + s.dir + "/server.log");
    text.append(buf, static_cast<size_t>(n));
  }
  auto colon = text.find(':', text.find("127.0.0.1"));
  s.port = static_cast<uint16_t>(std::stoi(text.substr(colon + 1)));
  return s;
}

void stopServer(Server& s) {
  if (s.pid > 0) {
    kill(s.pid, SIGTERM);
    auto start = Clock::now();
    while (waitpid(s.pid, nullptr, WNOHANG) == 0) {
      if (Clock::now() - start > std::chrono::seconds(10)) {
        std::printf("server did not stop within 10 s of SIGTERM; killed\n");
        kill(s.pid, SIGKILL);
        waitpid(s.pid, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::filesystem::remove_all(s.dir);
}

std::string listRevision(HttpConnection& c) {
  auto r = c.request("GET", "/api/v1/namespaces/default/pods?limit=1");
  auto p = r.body.find("\"resourceVersion\":\"");
  if (p == std::string::npos) return "0";
  p += 19;
  return r.body.substr(p, r.body.find('"', p) - p);
}

// Creates pods bench-<from>..bench-<to-1> with `writers` threads; returns creates/s.
double createPods(uint16_t port, int from, int to, int writers) {
  std::atomic<int> next{from};
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      HttpConnection c("127.0.0.1", port);
      for (int i = next++; i < to; i = next++) {
        auto r = c.request("POST", "/api/v1/namespaces/default/pods",
                           podJson("bench-" + std::to_string(i)));
        if (r.status != 201) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures) std::printf("  (%d creates failed)\n", failures.load());
  return (to - from) / secs;
}

// Opens `n` watch streams from `rv` on raw sockets; returns their fds.
std::vector<int> openWatchers(uint16_t port, int n, const std::string& rv) {
  std::vector<int> fds;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string req = "GET /api/v1/namespaces/default/pods?watch=true&resourceVersion=" + rv +
                    "&labelSelector=app%3Dfanout HTTP/1.1\r\nHost: bench\r\nAccept: "
                    "application/json\r\n\r\n";
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::printf("  watcher %d: connect failed: %s\n", i, std::strerror(errno));
      if (fd >= 0) close(fd);
      break;
    }
    if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
      close(fd);
      break;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fds.push_back(fd);
  }
  return fds;
}

// Creates one pod the watchers select and returns each watcher's delay (ms) until it saw it.
std::vector<double> fanOutRound(uint16_t port, std::vector<int>& fds, const std::string& name) {
  std::vector<std::string> seen(fds.size());
  std::vector<double> delays(fds.size(), -1);
  HttpConnection c("127.0.0.1", port);
  std::string body =
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
      R"(","labels":{"app":"fanout"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";
  auto start = Clock::now();
  c.request("POST", "/api/v1/namespaces/default/pods", body);
  size_t remaining = fds.size();
  std::vector<pollfd> pfds(fds.size());
  char buf[65536];
  while (remaining > 0 && Clock::now() - start < std::chrono::seconds(10)) {
    for (size_t i = 0; i < fds.size(); ++i) pfds[i] = {fds[i], POLLIN, 0};
    if (poll(pfds.data(), pfds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(pfds[i].revents & POLLIN)) continue;
      ssize_t n;
      while ((n = read(fds[i], buf, sizeof buf)) > 0) seen[i].append(buf, static_cast<size_t>(n));
      if (delays[i] < 0 && seen[i].find("\"" + name + "\"") != std::string::npos) {
        delays[i] = ms(Clock::now() - start);
        --remaining;
        seen[i].clear();
      }
    }
  }
  delays.erase(std::remove(delays.begin(), delays.end(), -1.0), delays.end());
  return delays;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--cube") o.cube = v;
    if (k == "--writers") o.writers = std::stoi(v);
    if (k == "--watchers") o.watchers = std::stoi(v);
    if (k == "--counts") {
      o.counts.clear();
      std::stringstream ss(v);
      std::string part;
      while (std::getline(ss, part, ',')) o.counts.push_back(std::stoi(part));
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  signal(SIGPIPE, SIG_IGN);

  Server server = startServer(o.cube);
  std::printf("cube server pid %d on 127.0.0.1:%u, data in %s\n", server.pid, server.port,
              server.dir.c_str());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::printf("idle RSS: %.1f MB\n", rssKb(server.pid) / 1024.0);

  HttpConnection conn("127.0.0.1", server.port);
  std::mt19937 rng(42);
  int have = 0;
  std::printf("%8s %12s %10s %10s %12s %12s %10s\n", "pods", "creates/s", "GET p50", "GET p99",
              "LIST json", "LIST table", "RSS MB");
  for (int target : o.counts) {
    double rate = createPods(server.port, have, target, o.writers);
    have = target;
    std::vector<double> gets;
    std::uniform_int_distribution<int> pick(0, have - 1);
    for (int i = 0; i < 2000; ++i) {
      std::string path = "/api/v1/namespaces/default/pods/bench-" + std::to_string(pick(rng));
      auto t0 = Clock::now();
      conn.request("GET", path);
      gets.push_back(ms(Clock::now() - t0));
    }
    std::vector<double> lists, tables;
    for (int i = 0; i < 3; ++i) {
      auto t0 = Clock::now();
      auto r = conn.request("GET", "/api/v1/namespaces/default/pods");
      lists.push_back(ms(Clock::now() - t0));
      t0 = Clock::now();
      conn.request("GET", "/api/v1/namespaces/default/pods", "", "",
                   "application/json;as=Table;v=v1;g=meta.k8s.io");
      tables.push_back(ms(Clock::now() - t0));
    }
    std::printf("%8d %12.0f %8.2fms %8.2fms %10.1fms %10.1fms %10.1f\n", have, rate,
                percentile(gets, 0.5), percentile(gets, 0.99), percentile(lists, 0.5),
                percentile(tables, 0.5), rssKb(server.pid) / 1024.0);
    std::fflush(stdout);
  }

  std::string rv = listRevision(conn);
  std::vector<int> fds = openWatchers(server.port, o.watchers, rv);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::vector<double> all;
  size_t minSeen = fds.size();
  for (int round = 0; round < 20; ++round) {
    auto delays = fanOutRound(server.port, fds, "fanout-" + std::to_string(round));
    minSeen = std::min(minSeen, delays.size());
    all.insert(all.end(), delays.begin(), delays.end());
  }
  std::printf(
      "watch fan-out: %zu watchers, 20 events: delivered to >= %zu each round, p50 %.1f ms, "
      "p99 %.1f ms, max %.1f ms\n",
      fds.size(), minSeen, percentile(all, 0.5), percentile(all, 0.99), percentile(all, 1.0));
  std::printf("RSS with %zu watchers: %.1f MB\n", fds.size(), rssKb(server.pid) / 1024.0);
  std::fflush(stdout);
  for (int fd : fds) close(fd);
  stopServer(server);
  return 0;
}
