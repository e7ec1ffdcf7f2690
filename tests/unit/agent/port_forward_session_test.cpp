// PortForwardSession driven by a test-side SPDY client (the same framer) over an in-memory sink,
// forwarding to real loopback TCP servers: kubectl's stream pairs, data both ways, errors on the
// error stream, ping, RST/GOAWAY, flow control and input split at arbitrary points.

#include "agent/streaming/port_forward_session.h"
#include "agent/streaming/netns_dialer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unused_loopback_port.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

namespace cube::agent {
namespace {

using spdy::Frame;
using spdy::FrameType;

// Waiting has a generous limit so a broken session fails the test instead of hanging it; no test
// asserts how long anything takes.
constexpr auto kPatience = std::chrono::seconds(20);

// A TCP server on 127.0.0.1:<ephemeral> running `handler` on each connection in a thread of its
// own; the connection is closed when the handler returns.
class LoopbackServer {
 public:
  using Handler = std::function<void(int fd)>;
  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listenFd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~LoopbackServer() {
    ::shutdown(listenFd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : connections_) t.join();
    ::close(listenFd_);
  }
  uint16_t port() const { return port_; }
  // Waits until `n` connections have ended (their handlers returned).
  bool waitEnded(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return ended_ >= n; });
  }
  int accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

 private:
  void acceptLoop() {
    for (;;) {
      int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      ++accepted_;
      open_.push_back(fd);
      connections_.emplace_back([this, fd] {
        handler_(fd);
        std::lock_guard lock(mutex_);
        std::erase(open_, fd);
        ::close(fd);
        ++ended_;
        changed_.notify_all();
      });
    }
  }

  Handler handler_;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;  // guards open_, accepted_, ended_, connections_
  std::condition_variable changed_;
  std::vector<int> open_;
  std::vector<std::thread> connections_;
  int accepted_ = 0;
  int ended_ = 0;
};

// Echoes everything; passes the peer's half-close on once all is echoed.
void echo(int fd) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::send(fd, buf + off, size_t(n - off), MSG_NOSIGNAL);
      if (w <= 0) return;
      off += w;
    }
  }
  ::shutdown(fd, SHUT_WR);
}

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (char& c : s) c = char(rng());
  return s;
}

// What the session writes, as bytes; the client decodes them.
class MemorySink : public ByteSink {
 public:
  void write(std::string bytes) override {
    std::lock_guard lock(mutex);
    EXPECT_FALSE(closed) << "write after close";
    this->bytes += bytes;
    changed.notify_all();
  }
  void close() override {
    std::lock_guard lock(mutex);
    EXPECT_FALSE(closed) << "closed twice";
    closed = true;
    changed.notify_all();
  }
  std::mutex mutex;  // guards bytes; closed is set under it too
  std::condition_variable changed;
  std::string bytes;
  std::atomic<bool> closed{false};
};

// kubectl's side, built on the same framer: opens stream pairs and reads what comes back.
class Client {
 public:
  explicit Client(PortForwardOptions options = {}, PortDialer dial = dialer())
      : sink_(std::make_shared<MemorySink>()),
        session_(std::make_unique<PortForwardSession>(std::move(dial), sink_, options)) {}

  static PortDialer dialer() {
    return [](uint16_t port) { return dialLoopback(port); };
  }
  static PortForwardOptions podOptions() {
    PortForwardOptions o;
    o.podName = "web";
    o.podUid = "u-1";
    return o;
  }

  PortForwardSession& session() { return *session_; }
  void destroySession() { session_.reset(); }
  // Splits every later send() into pieces of random sizes (1..maxPiece bytes).
  void fragment(size_t maxPiece) { maxPiece_ = maxPiece; }

  void send(const std::string& bytes) {
    if (!maxPiece_) return session_->onBytes(bytes);
    std::uniform_int_distribution<size_t> size(1, maxPiece_);
    for (size_t at = 0; at < bytes.size();) {
      size_t n = std::min(size(rng_), bytes.size() - at);
      session_->onBytes(std::string_view(bytes).substr(at, n));
      at += n;
    }
  }
  spdy::FrameEncoder& encoder() { return encoder_; }

  // Opens the error stream then the data stream of one forwarded connection, as kubectl does
  // (including half-closing the error stream at once). Returns the data stream's id.
  uint32_t open(uint16_t port, const std::string& requestId) {
    uint32_t error = nextStream_, data = nextStream_ + 2;
    nextStream_ += 4;
    std::string p = std::to_string(port);
    send(encoder_.synStream(error,
                            {{"streamtype", "error"}, {"port", p}, {"requestid", requestId}}));
    send(encoder_.data(error, "", true));
    send(encoder_.synStream(data, {{"streamtype", "data"}, {"port", p}, {"requestid", requestId}}));
    return data;
  }
  uint32_t nextStream() const { return nextStream_; }
  void useStream(uint32_t id) { nextStream_ = id; }

  // Waits until `done` holds over the frames decoded so far; false if it never does.
  bool waitFor(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    std::unique_lock lock(sink_->mutex);
    for (;;) {
      decoder_.feed(sink_->bytes);
      sink_->bytes.clear();
      while (auto f = decoder_.next()) frames_.push_back(std::move(*f));
      if (done()) return true;
      // Also wakes now and then: some conditions (finished()) change without a write.
      if (sink_->changed.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                                 std::chrono::milliseconds(20))) ==
              std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= deadline)
        return done();
    }
  }
  bool closed() const { return sink_->closed; }
  const std::vector<Frame>& frames() const { return frames_; }

  std::string dataOn(uint32_t stream) const {
    std::string s;
    for (const Frame& f : frames_)
      if (f.type == FrameType::Data && f.unknownType == 0 && f.streamId == stream) s += f.data;
    return s;
  }
  bool finOn(uint32_t stream) const {
    for (const Frame& f : frames_)
      if (f.type == FrameType::Data && f.streamId == stream && f.fin()) return true;
    return false;
  }
  int count(FrameType type, uint32_t stream) const {
    int n = 0;
    for (const Frame& f : frames_) n += f.type == type && f.streamId == stream;
    return n;
  }
  uint64_t windowUpdates(uint32_t stream) const {
    uint64_t sum = 0;
    for (const Frame& f : frames_)
      if (f.type == FrameType::WindowUpdate && f.streamId == stream) sum += f.deltaWindowSize;
    return sum;
  }
  const Frame* find(FrameType type, uint32_t stream) const {
    for (const Frame& f : frames_)
      if (f.type == type && f.streamId == stream) return &f;
    return nullptr;
  }
  // Sends a PING and waits for its echo: everything the session did before has been written.
  bool barrier() {
    uint32_t id = nextPing_;
    nextPing_ += 2;
    send(encoder_.ping(id));
    return waitFor([&] {
      for (const Frame& f : frames_)
        if (f.type == FrameType::Ping && f.pingId == id) return true;
      return false;
    });
  }

 private:
  std::shared_ptr<MemorySink> sink_;
  std::unique_ptr<PortForwardSession> session_;
  spdy::FrameEncoder encoder_;
  spdy::FrameDecoder decoder_;
  std::vector<Frame> frames_;
  uint32_t nextStream_ = 1;
  uint32_t nextPing_ = 1001;
  size_t maxPiece_ = 0;
  std::mt19937 rng_{42};
};

TEST(PortForwardSession, RepliesToBothStreamsAndEchoesBothWays) {
  LoopbackServer server(echo);
  Client c(Client::podOptions());
  uint32_t data = c.open(server.port(), "0");
  uint32_t error = data - 2;
  ASSERT_TRUE(c.waitFor([&] {
    return c.count(FrameType::SynReply, error) == 1 && c.count(FrameType::SynReply, data) == 1;
  }));
  c.send(c.encoder().data(data, "hello "));
  c.send(c.encoder().data(data, "pod"));
  ASSERT_TRUE(c.waitFor([&] { return c.dataOn(data) == "hello pod"; }));
  // The client's half-close reaches the pod; the pod's close ends both streams.
  c.send(c.encoder().data(data, "", true));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(data) && c.finOn(error); }));
  EXPECT_EQ(c.dataOn(error), "");  // no error
  EXPECT_EQ(c.dataOn(data), "hello pod");
  EXPECT_TRUE(server.waitEnded(1));
  EXPECT_FALSE(c.session().finished());  // the connection stays for the next forward
}

TEST(PortForwardSession, PodThatSpeaksFirstAndCloses) {
  const std::string banner = pattern(100000, 7);
  LoopbackServer server([&](int fd) { ::send(fd, banner.data(), banner.size(), MSG_NOSIGNAL); });
  Client c;
  uint32_t data = c.open(server.port(), "0");
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(data) && c.finOn(data - 2); }));
  EXPECT_EQ(c.dataOn(data), banner);
  // No frame carries more than the session reads at once.
  for (const Frame& f : c.frames()) EXPECT_LE(f.data.size(), 32u * 1024);
}

TEST(PortForwardSession, TwoConcurrentConnections) {
  LoopbackServer server(echo);
  Client c;
  uint32_t a = c.open(server.port(), "0");
  uint32_t b = c.open(server.port(), "1");
  const std::string pa = pattern(300000, 1), pb = pattern(300000, 2);
  for (size_t at = 0; at < pa.size(); at += 10000) {
    c.send(c.encoder().data(a, pa.substr(at, 10000)));
    c.send(c.encoder().data(b, pb.substr(at, 10000)));
  }
  c.send(c.encoder().data(a, "", true));
  c.send(c.encoder().data(b, "", true));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(a) && c.finOn(b); }));
  EXPECT_EQ(c.dataOn(a), pa);
  EXPECT_EQ(c.dataOn(b), pb);
  EXPECT_EQ(server.accepted(), 2);
  // Consumed bytes are given back: per stream and for the session (SPDY/3.1), at least all but
  // the last half window.
  for (uint32_t s : {a, b}) {
    EXPECT_GE(c.windowUpdates(s), pa.size() - 32 * 1024);
    EXPECT_LE(c.windowUpdates(s), pa.size());
  }
  EXPECT_GE(c.windowUpdates(0), 2 * pa.size() - 32 * 1024);
}

// More than maxBufferedToPods in flight, so onBytes() has to wait for the pod: the transfer must
// still complete intact. Prints the rate (measured, not asserted).
TEST(PortForwardSession, LargeTransferThroughBackpressure) {
  LoopbackServer server(echo);
  PortForwardOptions options;
  options.maxBufferedToPods = 1 << 20;
  Client c(options);
  uint32_t data = c.open(server.port(), "0");
  const std::string chunk = pattern(32 * 1024, 5);
  constexpr size_t kChunks = 1024;  // 32 MiB
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < kChunks; ++i) c.send(c.encoder().data(data, chunk));
  c.send(c.encoder().data(data, "", true));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(data); }));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string echoed = c.dataOn(data);
  ASSERT_EQ(echoed.size(), kChunks * chunk.size());
  for (size_t i = 0; i < kChunks; ++i)
    ASSERT_EQ(echoed.compare(i * chunk.size(), chunk.size(), chunk), 0) << "chunk " << i;
  std::printf("32 MiB through the session and back in %.3f s (%.0f MiB/s each way)\n", seconds,
              32 / seconds);
}

TEST(PortForwardSession, ConnectionRefusedIsTextOnTheErrorStream) {
  uint16_t port = testing::unusedLoopbackPort();
  Client c(Client::podOptions());
  uint32_t data = c.open(port, "0");
  c.send(c.encoder().data(data, "lost"));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(data - 2) && c.finOn(data); }));
  EXPECT_EQ(c.dataOn(data - 2), "error forwarding port " + std::to_string(port) +
                                    " to pod web, uid u-1: dial tcp 127.0.0.1:" +
                                    std::to_string(port) + ": connect: connection refused");
  EXPECT_EQ(c.dataOn(data), "");
  // The session serves the next connection.
  LoopbackServer server(echo);
  uint32_t next = c.open(server.port(), "1");
  c.send(c.encoder().data(next, "still here"));
  ASSERT_TRUE(c.waitFor([&] { return c.dataOn(next) == "still here"; }));
}

TEST(PortForwardSession, DialerMessageIsPassedOn) {
  Client c(Client::podOptions(), [](uint16_t) -> int { throw DialError("no such pod sandbox"); });
  uint32_t data = c.open(80, "0");
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(data - 2); }));
  EXPECT_EQ(c.dataOn(data - 2),
            "error forwarding port 80 to pod web, uid u-1: no such pod sandbox");
}

TEST(PortForwardSession, EchoesClientPingsOnly) {
  Client c;
  c.send(c.encoder().ping(2));  // even: a reply to a ping of ours, which we never sent
  c.send(c.encoder().ping(7));
  ASSERT_TRUE(c.waitFor([&] { return c.count(FrameType::Ping, 0) >= 1; }));
  ASSERT_EQ(c.count(FrameType::Ping, 0), 1);
  EXPECT_EQ(c.find(FrameType::Ping, 0)->pingId, 7u);
}

TEST(PortForwardSession, ClientResetClosesThePodConnection) {
  LoopbackServer server(echo);
  Client c;
  uint32_t data = c.open(server.port(), "0");
  c.send(c.encoder().data(data, "x"));
  ASSERT_TRUE(c.waitFor([&] { return c.dataOn(data) == "x"; }));
  c.send(c.encoder().rstStream(data, spdy::RstStatus::Cancel));
  EXPECT_TRUE(server.waitEnded(1));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(data - 2); }));
  ASSERT_TRUE(c.barrier());
  EXPECT_FALSE(c.finOn(data));  // nothing more on a stream the client reset
  EXPECT_FALSE(c.session().finished());
}

TEST(PortForwardSession, GoAwayEndsEverything) {
  LoopbackServer server(echo);
  Client c;
  uint32_t data = c.open(server.port(), "0");
  c.send(c.encoder().data(data, "x"));
  ASSERT_TRUE(c.waitFor([&] { return c.dataOn(data) == "x"; }));
  c.send(c.encoder().goAway(data, spdy::GoAwayStatus::Ok));
  ASSERT_TRUE(c.waitFor([&] { return c.closed() && c.session().finished(); }));
  EXPECT_TRUE(server.waitEnded(1));
  c.send(c.encoder().ping(9));  // dropped: the session is over
  EXPECT_EQ(c.count(FrameType::Ping, 0), 0);
}

TEST(PortForwardSession, FramingErrorSendsGoAwayAndCloses) {
  Client c;
  c.send(c.encoder().synStream(1, {{"streamtype", "error"}, {"port", "80"}, {"requestid", "0"}}));
  c.send(std::string("\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12));  // SPDY/2
  ASSERT_TRUE(c.waitFor([&] { return c.closed(); }));
  const Frame* goAway = c.find(FrameType::GoAway, 0);
  ASSERT_NE(goAway, nullptr);
  EXPECT_EQ(goAway->status, uint32_t(spdy::GoAwayStatus::ProtocolError));
  EXPECT_EQ(goAway->lastGoodStreamId, 1u);
  EXPECT_TRUE(c.session().finished());
}

TEST(PortForwardSession, TransportClosedClosesPodConnections) {
  LoopbackServer server(echo);
  Client c;
  uint32_t data = c.open(server.port(), "0");
  c.send(c.encoder().data(data, "x"));
  ASSERT_TRUE(c.waitFor([&] { return c.dataOn(data) == "x"; }));
  c.session().onClosed();
  EXPECT_TRUE(server.waitEnded(1));
  ASSERT_TRUE(c.waitFor([&] { return c.session().finished(); }));
  EXPECT_FALSE(c.closed());  // the transport closed itself; the sink is not told again
}

TEST(PortForwardSession, DestroyingTheSessionClosesPodConnections) {
  LoopbackServer server(echo);
  Client c;
  uint32_t data = c.open(server.port(), "0");
  c.send(c.encoder().data(data, "x"));
  ASSERT_TRUE(c.waitFor([&] { return c.dataOn(data) == "x"; }));
  c.destroySession();
  EXPECT_TRUE(server.waitEnded(1));
}

TEST(PortForwardSession, InputSplitAtArbitraryPoints) {
  LoopbackServer server(echo);
  for (size_t piece : {size_t(1), size_t(5), size_t(300)}) {
    Client c;
    c.fragment(piece);
    uint32_t a = c.open(server.port(), "0");
    uint32_t b = c.open(server.port(), "1");
    const std::string pa = pattern(20000, 3), pb = pattern(7000, 4);
    c.send(c.encoder().data(a, pa));
    c.send(c.encoder().ping(5));
    c.send(c.encoder().data(b, pb, true));
    c.send(c.encoder().data(a, "", true));
    ASSERT_TRUE(c.waitFor([&] { return c.finOn(a) && c.finOn(b); })) << "pieces of " << piece;
    EXPECT_EQ(c.dataOn(a), pa);
    EXPECT_EQ(c.dataOn(b), pb);
    ASSERT_NE(c.find(FrameType::Ping, 0), nullptr);
  }
}

TEST(PortForwardSession, RejectsStreamsWithBadHeaders) {
  Client c;
  auto& e = c.encoder();
  c.send(e.synStream(1, {{"streamtype", "data"}, {"requestid", "0"}}));  // no port
  c.send(e.synStream(3, {{"streamtype", "data"}, {"port", "http"}, {"requestid", "0"}}));
  c.send(e.synStream(5, {{"streamtype", "data"}, {"port", "0"}, {"requestid", "0"}}));
  c.send(e.synStream(7, {{"port", "80"}, {"requestid", "0"}}));  // no stream type
  c.send(e.synStream(9, {{"streamtype", "stdin"}, {"port", "80"}, {"requestid", "0"}}));
  c.send(e.synStream(10, {{"streamtype", "data"}, {"port", "80"}}));  // even: not a client id
  ASSERT_TRUE(c.barrier());
  for (uint32_t id : {1u, 3u, 5u, 7u, 9u}) {
    const Frame* rst = c.find(FrameType::RstStream, id);
    ASSERT_NE(rst, nullptr) << "stream " << id;
    EXPECT_EQ(rst->status, uint32_t(spdy::RstStatus::Cancel));
    EXPECT_EQ(c.count(FrameType::SynReply, id), 0);
  }
  const Frame* rst = c.find(FrameType::RstStream, 10);
  ASSERT_NE(rst, nullptr);
  EXPECT_EQ(rst->status, uint32_t(spdy::RstStatus::ProtocolError));
  EXPECT_FALSE(c.session().finished());
}

TEST(PortForwardSession, DuplicateStreamTypeIsReportedOnTheErrorStream) {
  Client c;
  auto& e = c.encoder();
  c.send(e.synStream(1, {{"streamtype", "error"}, {"port", "80"}, {"requestid", "4"}}));
  c.send(e.synStream(3, {{"streamtype", "error"}, {"port", "80"}, {"requestid", "4"}}));
  ASSERT_TRUE(c.waitFor([&] { return c.find(FrameType::RstStream, 3) != nullptr; }));
  EXPECT_EQ(c.dataOn(1), "error processing stream for request 4: error stream already assigned");
}

TEST(PortForwardSession, OldClientsWithoutRequestIdPairByStreamId) {
  LoopbackServer server(echo);
  Client c;
  auto& e = c.encoder();
  std::string port = std::to_string(server.port());
  c.send(e.synStream(1, {{"streamtype", "error"}, {"port", port}}));
  c.send(e.synStream(3, {{"streamtype", "data"}, {"port", port}}));
  c.send(e.data(3, "old", true));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(3) && c.finOn(1); }));
  EXPECT_EQ(c.dataOn(3), "old");
}

TEST(PortForwardSession, UnpairedStreamTimesOut) {
  PortForwardOptions options;
  options.streamPairTimeout = std::chrono::milliseconds(50);
  Client c(options);
  c.send(c.encoder().synStream(1, {{"streamtype", "error"}, {"port", "80"}, {"requestid", "0"}}));
  ASSERT_TRUE(c.waitFor([&] { return c.finOn(1); }));
  EXPECT_NE(c.dataOn(1).find("request=0) timed out waiting for streams"), std::string::npos)
      << c.dataOn(1);
}

TEST(PortForwardSession, RespectsTheWindowOfAPeerThatDoesFlowControl) {
  const std::string body = pattern(200000, 9);
  LoopbackServer server([&](int fd) { ::send(fd, body.data(), body.size(), MSG_NOSIGNAL); });
  Client c;
  constexpr uint32_t kWindow = 16384;
  // A peer that announces a small initial window (kubectl's library never does).
  c.send(c.encoder().settings({{0, spdy::kSettingsInitialWindowSize, kWindow}}));
  uint32_t data = c.open(server.port(), "0");
  uint64_t granted = kWindow;       // for the stream
  uint64_t sessionGranted = 65536;  // for the session, which starts at 64 KiB
  for (;;) {
    ASSERT_TRUE(c.waitFor([&] {
      size_t got = c.dataOn(data).size();
      return got >= granted || got >= sessionGranted || c.finOn(data);
    }));
    size_t got = c.dataOn(data).size();
    ASSERT_LE(got, granted) << "sent past the stream window";
    ASSERT_LE(got, sessionGranted) << "sent past the session window";
    if (c.finOn(data)) break;
    if (got == granted) {
      c.send(c.encoder().windowUpdate(data, kWindow));
      granted += kWindow;
    }
    if (got == sessionGranted) {
      c.send(c.encoder().windowUpdate(0, 65536));
      sessionGranted += 65536;
    }
  }
  EXPECT_EQ(c.dataOn(data), body);
}

}  // namespace
}  // namespace cube::agent
