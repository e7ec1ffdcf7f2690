// The agent's streaming server over real sockets: a WebSocket exec session end to end (stdin,
// its v5 close, stdout, the exit code on the error channel), a terminal's first size, a runtime
// without exec, attach to a container's shim (stdin, its v5 close with stdinOnce, output, the end
// with the container's), and container logs with kubectl's query. The container is a stand-in:
// "crun" is a script that runs the command on this host, so exec_session's pipes are the real
// ones; a terminal (which real crun makes in the container, see test_streams.sh) is a host pty.
#include "agent/streaming/streaming_server.h"
#include "agent/streaming/websocket.h"
#include "one_sandbox_runtime.h"
#include "runtime/crun/attach_session.h"
#include "runtime/crun/container_log.h"
#include "runtime/crun/container_shim.h"
#include "runtime/crun/exec_session.h"
#include "runtime/fake/fake_runtime.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/json/parse.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>

namespace cube::agent::streaming {
namespace {

namespace bj = boost::json;

// A command on a host pseudo-terminal of the size asked for: what crun's console socket gives an
// exec with a terminal, without a container.
class HostTerminalExec : public runtime::Runtime::ExecProcess {
 public:
  explicit HostTerminalExec(const runtime::Runtime::ExecOptions& options) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    EXPECT_GE(master_, 0);
    ::grantpt(master_);
    ::unlockpt(master_);
    std::string slave = ::ptsname(master_);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      int fd = ::open(slave.c_str(), O_RDWR);  // the controlling terminal
      struct winsize ws {};
      ws.ws_col = options.width;
      ws.ws_row = options.height;
      ::ioctl(fd, TIOCSWINSZ, &ws);
      for (int i = 0; i < 3; ++i) ::dup2(fd, i);
      std::vector<char*> argv;
      for (const auto& a : options.command) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~HostTerminalExec() override {
    kill();
    wait();
    ::close(master_);
  }
  int stdinFd() const override { return master_; }
  int stdoutFd() const override { return master_; }
  int stderrFd() const override { return -1; }
  void closeStdin() override {}
  void resize(uint16_t width, uint16_t height) override {
    struct winsize ws {};
    ws.ws_col = width;
    ws.ws_row = height;
    ::ioctl(master_, TIOCSWINSZ, &ws);
  }
  int wait() override {
    if (pid_ <= 0) return code_;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void kill() override {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  int code_ = 0;
};

// A fake runtime with one running container whose exec runs on this host, and whose attach
// connects to a shim of the test's (attachDir).
class HostExecRuntime : public testing::OneSandboxRuntime {
 public:
  HostExecRuntime(std::string crunScript, std::string logPath, bool execSupported)
      : crunScript_(std::move(crunScript)),
        logPath_(std::move(logPath)),
        execSupported_(execSupported) {}

  std::vector<runtime::ContainerStatus> listContainers(const std::string&) override {
    runtime::ContainerStatus c;
    c.id = "fake://c1";
    c.name = "c";
    c.state = state;
    c.logPath = logPath_;
    return {c};
  }
  std::unique_ptr<ExecProcess> startExec(const std::string& id,
                                         const ExecOptions& options) override {
    if (!execSupported_) return FakeRuntime::startExec(id, options);
    if (options.tty) return std::make_unique<HostTerminalExec>(options);
    runtime::crun::ExecTarget target{crunScript_, "/nowhere", false, id};
    target.processFile = crunScript_ + "-process.json";
    return runtime::crun::startCrunExec(target, options);
  }
  std::unique_ptr<AttachSession> attach(const std::string& id,
                                        const AttachOptions& options) override {
    if (!execSupported_) return FakeRuntime::attach(id, options);
    return runtime::crun::connectAttachSocket(std::filesystem::path(logPath_).parent_path(),
                                              options);
  }

  std::atomic<runtime::ContainerState> state{runtime::ContainerState::Running};

 private:
  std::string crunScript_, logPath_;
  bool execSupported_;
};

class StreamingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cube-streaming-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // `crun --root R exec --process=FILE ID` -> FILE's args, run on this host. The tests' args
    // are plain strings (no quotes, backslashes or $), so sed can take them out of the JSON.
    script_ = (dir_ / "crun").string();
    std::ofstream(script_) << R"SH(#!/bin/sh
for a; do case "$a" in --process=*) f="${a#--process=}";; esac; done
args=$(sed -e 's/.*"args":\[\([^]]*\)\].*/\1/' "$f")
eval "set -- $(printf '%s' "$args" | sed -e 's/","/" "/g')"
exec "$@"
)SH";
    ::chmod(script_.c_str(), 0755);
    logPath_ = (dir_ / "0.log").string();
    start(true);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start(bool execSupported) {
    server_.reset();
    auto rt = std::make_shared<HostExecRuntime>(script_, logPath_, execSupported);
    runtime_ = rt;
    auto pod = std::make_shared<bj::object>(
        bj::parse(R"({"metadata":{"name":"p","namespace":"default","uid":"uid-1"},
                      "spec":{"containers":[{"name":"c","stdin":true,"stdinOnce":true}]}})")
            .as_object());
    server_ = std::make_unique<StreamingServer>(
        "127.0.0.1", 0, [rt, pod](const std::string& ns, const std::string& name) {
          std::optional<LocatedPod> found;
          if (ns == "default" && name == "p") found = LocatedPod{pod, "uid-1", rt};
          return found;
        });
  }

  int connectToServer() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(server_->port());
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    // A session that never ends fails the test instead of hanging it.
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
  }

  // Sends an upgrade request; returns the response head, and what came after it in `rest`.
  std::string upgrade(int fd, const std::string& target, std::string* rest) {
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                          "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: "
                          "v5.channel.k8s.io\r\n\r\n";
    EXPECT_EQ(::send(fd, request.data(), request.size(), 0), ssize_t(request.size()));
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, n);
    }
    size_t end = in.find("\r\n\r\n");
    if (end == std::string::npos) return in;
    *rest = in.substr(end + 4);
    return in.substr(0, end + 4);
  }

  // Reads channel messages until the server closes: stdout, stderr and the error channel.
  struct Outcome {
    std::string out, err, status;
  };
  Outcome readSession(int fd, std::string rest) {
    WsFrameParser parser;
    parser.feed(rest);
    Outcome o;
    char buf[4096];
    for (;;) {
      while (auto m = parser.next()) {
        if (m->opcode == WsOpcode::Close) return o;
        if (m->payload.empty()) continue;
        std::string data = m->payload.substr(1);
        switch (m->payload[0]) {
          case 1:
            o.out += data;
            break;
          case 2:
            o.err += data;
            break;
          case 3:
            o.status += data;
            break;
        }
      }
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return o;
      parser.feed(std::string_view(buf, n));
    }
  }

  void sendChannel(int fd, uint8_t channel, std::string_view data) {
    std::string payload(1, static_cast<char>(channel));
    payload += data;
    std::string frame = encodeWsFrame(WsOpcode::Binary, payload, 0x01020304u);
    ASSERT_EQ(::send(fd, frame.data(), frame.size(), 0), ssize_t(frame.size()));
  }

  std::filesystem::path dir_;
  std::string script_, logPath_;
  std::unique_ptr<StreamingServer> server_;
  std::shared_ptr<HostExecRuntime> runtime_;
};

TEST_F(StreamingServerTest, ExecCarriesStdinOutputAndTheExitCode) {
  int fd = connectToServer();
  std::string rest;
  std::string head =
      upgrade(fd,
              "/exec/default/p/c?command=sh&command=-c&command=cat;echo%20e%3E%262;exit%203"
              "&stdin=true&stdout=true&stderr=true",
              &rest);
  ASSERT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos);
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: v5.channel.k8s.io"), std::string::npos);
  sendChannel(fd, 0, "hello\n");
  sendChannel(fd, 255, std::string(1, '\0'));  // v5: stdin is closed; cat ends
  Outcome o = readSession(fd, rest);
  ::close(fd);
  EXPECT_EQ(o.out, "hello\n");
  EXPECT_EQ(o.err, "e\n");
  auto status = bj::parse(o.status).as_object();
  EXPECT_EQ(status.at("reason"), "NonZeroExitCode");
  EXPECT_EQ(status.at("details").at("causes").at(0).at("message"), "3");
}

TEST_F(StreamingServerTest, ATerminalHasTheSizeOfTheFirstResize) {
  int fd = connectToServer();
  std::string rest;
  std::string head =
      upgrade(fd, "/exec/default/p/c?command=stty&command=size&stdout=true&tty=true", &rest);
  ASSERT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
  sendChannel(fd, 4, R"({"Width":101,"Height":33})");
  Outcome o = readSession(fd, rest);
  ::close(fd);
  EXPECT_EQ(o.out, "33 101\r\n");
  EXPECT_EQ(bj::parse(o.status).as_object().at("status"), "Success");
}

TEST_F(StreamingServerTest, ARuntimeWithoutExecSaysSoBeforeTheUpgrade) {
  start(false);
  int fd = connectToServer();
  std::string rest;
  std::string head = upgrade(fd, "/exec/default/p/c?command=true&stdout=true", &rest);
  ::close(fd);
  EXPECT_NE(head.find("HTTP/1.1 500"), std::string::npos) << head;
}

// The kubelet's answer for a container that does not run, whatever the protocol: kubectl's SPDY
// fallback prints it as "unable to upgrade connection: container not found ("c")".
TEST_F(StreamingServerTest, AContainerThatDoesNotRunIsNotFoundBeforeTheUpgrade) {
  runtime_->state = runtime::ContainerState::Exited;
  for (const char* target :
       {"/exec/default/p/c?command=true&stdout=true", "/attach/default/p/c?stdout=true"}) {
    int fd = connectToServer();
    std::string rest;
    std::string head = upgrade(fd, target, &rest);
    ::close(fd);
    EXPECT_NE(head.find("HTTP/1.1 500"), std::string::npos) << head;
    EXPECT_NE(rest.find("container not found (\"c\")"), std::string::npos) << rest;
  }
}

TEST_F(StreamingServerTest, AttachReachesTheContainersShim) {
  using runtime::images::UniqueFd;
  // The container: three pipes and a shim (stdinOnce, as the pod's spec says) over them.
  int out[2], err[2], in[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  UniqueFd outWrite(out[1]), errWrite(err[1]), inRead(in[0]);
  UniqueFd listen = runtime::crun::listenAttachSocket(dir_.string());
  UniqueFd log(::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  runtime::crun::ShimFds fds;
  fds.stdoutFd = out[0];
  fds.stderrFd = err[0];
  fds.stdinFd = in[1];
  fds.logFd = log.get();
  fds.attachFd = listen.get();
  fds.stdinOnce = true;
  pid_t shim = runtime::crun::startLogShim(fds);
  for (int fd : {out[0], err[0], in[1]}) ::close(fd);

  int fd = connectToServer();
  std::string rest;
  std::string head = upgrade(fd, "/attach/default/p/c?stdin=true&stdout=true&stderr=true", &rest);
  ASSERT_NE(head.find("101 Switching Protocols"), std::string::npos) << head;
  sendChannel(fd, 0, "typed\n");
  char buf[64];
  ssize_t n = ::read(inRead.get(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "typed\n");
  sendChannel(fd, 255, std::string(1, '\0'));  // kubectl's stdin ended: with stdinOnce, EOF
  EXPECT_EQ(::read(inRead.get(), buf, sizeof buf), 0);
  ASSERT_EQ(::write(outWrite.get(), "out\n", 4), 4);
  ASSERT_EQ(::write(errWrite.get(), "err\n", 4), 4);
  outWrite.reset();
  errWrite.reset();  // the container ends: so does the session
  Outcome o = readSession(fd, rest);
  ::close(fd);
  EXPECT_EQ(o.out, "out\n");
  EXPECT_EQ(o.err, "err\n");
  EXPECT_EQ(bj::parse(o.status).as_object().at("status"), "Success");
  int status = 0;
  EXPECT_EQ(::waitpid(shim, &status, 0), shim);
}

TEST_F(StreamingServerTest, ARuntimeWithoutAttachSaysSoBeforeTheUpgrade) {
  start(false);
  int fd = connectToServer();
  std::string rest;
  std::string head = upgrade(fd, "/attach/default/p/c?stdin=true&stdout=true", &rest);
  ::close(fd);
  EXPECT_NE(head.find("HTTP/1.1 500"), std::string::npos) << head;
}

TEST_F(StreamingServerTest, ContainerLogsWithKubectlsQuery) {
  using runtime::crun::formatLogLine;
  auto t = runtime::crun::LogClock::now();
  std::ofstream(logPath_) << formatLogLine(t, "stdout", false, "one")
                          << formatLogLine(t, "stderr", false, "two");
  int fd = connectToServer();
  std::string request =
      "GET /containerLogs/default/p/c?tailLines=1 HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), 0);
  std::string in;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, n);
  ::close(fd);
  EXPECT_NE(in.find("HTTP/1.1 200"), std::string::npos) << in;
  EXPECT_NE(in.find("\r\n4\r\ntwo\n\r\n"), std::string::npos) << in;  // one chunk: the last line
  EXPECT_EQ(in.find("one"), std::string::npos) << in;

  fd = connectToServer();
  request = "GET /containerLogs/default/nope/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), 0);
  in.clear();
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, n);
  ::close(fd);
  EXPECT_NE(in.find("HTTP/1.1 404"), std::string::npos) << in;
}

TEST_F(StreamingServerTest, APortInUseIsAClearError) {
  try {
    StreamingServer second("127.0.0.1", server_->port(), nullptr);
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot serve logs and exec on 127.0.0.1:"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace cube::agent::streaming
