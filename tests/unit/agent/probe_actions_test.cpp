// The probe actions against real sockets on loopback (httpGet status codes, headers, timeout;
// tcpSocket accepted and refused; HTTPS and redirects: http_probe_test.cpp), probe spec
// defaults, lifecycle hook grace and the log tail of
// FallbackToLogsOnError (plain and CRI log lines).

#include "agent/probes/http_probe.h"
#include "agent/probes/lifecycle_hooks.h"
#include "agent/probes/probe_spec.h"
#include "agent/probes/tcp_dial.h"
#include "agent/probes/termination_message.h"
#include "common/json_util.h"

#include "unused_loopback_port.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace cube::agent::probes {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

// A listener on 127.0.0.1 (an ephemeral port) that answers each connection with `reply` (or
// nothing, holding it open, when `silent`) and keeps the requests it read.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string reply, bool silent = false)
      : reply_(std::move(reply)), silent_(silent) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::string request() {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      {
        std::lock_guard lock(mu_);
        if (n > 0) request_.assign(buf, static_cast<size_t>(n));
      }
      if (silent_) {
        while (!stop_) std::this_thread::sleep_for(10ms);
      } else {
        (void)!::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }
  std::string reply_;
  bool silent_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string request_;
  std::thread thread_;
};

TEST(HttpProbe, SuccessFor2xxWithTheKubeletsHeaders) {
  LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  HttpGet get{"HTTP",
              "127.0.0.1",
              server.port(),
              "/healthz",
              {{"X-Custom", "yes"}, {"accept", "text/plain"}}};
  ProbeResult r = httpProbe(get, 1s);
  EXPECT_TRUE(r.success) << r.message;
  std::string req = server.request();
  EXPECT_EQ(req.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(req.find("User-Agent: kube-probe/1.32\r\n"), std::string::npos);
  EXPECT_NE(req.find("X-Custom: yes\r\n"), std::string::npos);
  EXPECT_NE(req.find("Accept: text/plain\r\n"), std::string::npos);  // replaced, not added
  EXPECT_EQ(req.find("*/*"), std::string::npos);
  // Redirects and HTTPS: http_probe_test.cpp.
}

TEST(HttpProbe, FailureMessagesAsTheKubeletWords) {
  LoopbackServer server("HTTP/1.1 500 Internal Server Error\r\n\r\n");
  ProbeResult r = httpProbe({"HTTP", "127.0.0.1", server.port(), "/", {}}, 1s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "HTTP probe failed with statuscode: 500");

  int port = testing::unusedLoopbackPort();
  r = httpProbe({"HTTP", "127.0.0.1", port, "/healthz", {}}, 1s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "Get \"http://127.0.0.1:" + std::to_string(port) +
                           "/healthz\": dial tcp 127.0.0.1:" + std::to_string(port) +
                           ": connect: connection refused");
}

TEST(HttpProbe, ASilentServerTimesOut) {
  LoopbackServer server("", /*silent=*/true);
  auto began = std::chrono::steady_clock::now();
  ProbeResult r = httpProbe({"HTTP", "127.0.0.1", server.port(), "/", {}}, 300ms);
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.message.find("Client.Timeout exceeded while awaiting headers"), std::string::npos)
      << r.message;
  EXPECT_GE(std::chrono::steady_clock::now() - began, 300ms);
}

TEST(TcpProbe, AcceptedOrRefused) {
  LoopbackServer server("");
  EXPECT_TRUE(tcpProbe("127.0.0.1", server.port(), 1s).success);
  int port = testing::unusedLoopbackPort();
  ProbeResult r = tcpProbe("127.0.0.1", port, 1s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message,
            "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST(ProbeSpec, DefaultsAndLimits) {
  auto c = json::parse(R"({"name":"c","ports":[{"name":"http","containerPort":8080}],
      "livenessProbe":{"httpGet":{"path":"/h","port":"http","httpHeaders":[{"name":"A","value":"b"}]},
                       "successThreshold":5},
      "readinessProbe":{"tcpSocket":{"port":81},"periodSeconds":3,"timeoutSeconds":2,
                        "successThreshold":2,"failureThreshold":7,"initialDelaySeconds":4}})")
               .as_object();
  auto live = parseProbe(c, ProbeType::Liveness);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->action.kind, ActionKind::HttpGet);
  EXPECT_EQ(live->period, 10s);
  EXPECT_EQ(live->timeout, 1s);
  EXPECT_EQ(live->failureThreshold, 3);
  EXPECT_EQ(live->successThreshold, 1);  // liveness: always 1
  EXPECT_EQ(live->action.headers.size(), 1u);
  EXPECT_EQ(resolvePort(c, live->action.port), 8080);
  auto ready = parseProbe(c, ProbeType::Readiness);
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->action.kind, ActionKind::TcpSocket);
  EXPECT_EQ(ready->period, 3s);
  EXPECT_EQ(ready->timeout, 2s);
  EXPECT_EQ(ready->successThreshold, 2);
  EXPECT_EQ(ready->failureThreshold, 7);
  EXPECT_EQ(ready->initialDelay, 4s);
  EXPECT_EQ(resolvePort(c, ready->action.port), 81);
  EXPECT_FALSE(parseProbe(c, ProbeType::Startup));
  EXPECT_FALSE(resolvePort(c, "nope"));
  EXPECT_FALSE(resolvePort(c, "70000"));
}

TEST(LifecycleHooks, PreStopLeavesTheRestOfTheGraceAtLeastTwoSeconds) {
  EXPECT_EQ(graceAfterPreStop(30s, 10500ms), 20s);
  EXPECT_EQ(graceAfterPreStop(5s, 5s), 2s);
  auto c =
      json::parse(R"({"lifecycle":{"preStop":{"exec":{"command":["sh","-c","x"]}}}})").as_object();
  ASSERT_TRUE(lifecycleHook(c, "preStop"));
  EXPECT_EQ(lifecycleHook(c, "preStop")->command.size(), 3u);
  EXPECT_FALSE(lifecycleHook(c, "postStart"));
}

class LogTail : public ::testing::Test {
 protected:
  std::string path_ = (std::filesystem::temp_directory_path() /
                       ("cube-logtail-" + std::to_string(::getpid()) + ".log"))
                          .string();
  void TearDown() override { std::filesystem::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
};

TEST_F(LogTail, LastEightyLinesOfAPlainLog) {
  std::string text;
  for (int i = 1; i <= 100; ++i) text += "line " + std::to_string(i) + "\n";
  write(text);
  std::string tail = logTail(path_);
  EXPECT_EQ(tail.rfind("line 21\n", 0), 0u) << tail.substr(0, 20);
  EXPECT_EQ(tail.substr(tail.size() - 9), "line 100\n");
}

TEST_F(LogTail, AtMost2048Bytes) {
  write(std::string(5000, 'x') + "\n");
  EXPECT_EQ(logTail(path_).size(), 2048u);
}

TEST_F(LogTail, CriLinesLoseTheirPrefixAndPartialsJoin) {
  write(
      "2026-11-22T07:00:00.123456789Z stdout F hello\n"
      "2026-11-22T07:00:00.2Z stderr P par\n"
      "2026-11-22T07:00:00.3Z stderr F tial\n"
      "2026-11-22T07:00:00.4+01:00 stdout F bye\n");
  EXPECT_EQ(logTail(path_), "hello\npartial\nbye\n");
}

TEST_F(LogTail, NoFileNoMessage) {
  EXPECT_EQ(logTail(path_ + ".none"), "");
}

}  // namespace
}  // namespace cube::agent::probes
