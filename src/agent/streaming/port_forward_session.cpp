#include "agent/streaming/port_forward_session.h"

#include "common/log.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <variant>
#include <vector>

namespace cube::agent {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 32 * 1024;
// Acknowledge received bytes once half the initial window is consumed, as SPDY peers do.
constexpr uint32_t kAckThreshold = spdy::kInitialWindow / 2;

struct DialResult {
  uint64_t serial = 0;  // the pair that asked
  int fd = -1;
  std::string error;  // set when fd < 0
};
struct TransportClosed {};
struct ProtocolError {
  std::string message;
};
using Event = std::variant<spdy::Frame, DialResult, TransportClosed, ProtocolError>;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "8080" -> 8080; nullopt for anything that is not a port number in 1..65535.
std::optional<uint16_t> parsePort(const std::string& s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint32_t(c - '0');
  }
  if (v < 1 || v > 65535) return std::nullopt;
  return uint16_t(v);
}

}  // namespace

// The mailbox between the transport's thread, dial threads and the I/O thread. Dial threads hold
// it by shared_ptr, so it outlives the session if a dial does.
struct PortForwardSession::Shared {
  std::mutex mutex;                 // guards events, stopping, closed
  std::condition_variable drained;  // bufferedToPods went down, or the session ended
  std::deque<Event> events;
  bool stopping = false;  // the session is being destroyed: the I/O thread returns
  bool closed = false;    // the I/O thread is gone: dial results are closed, not delivered
  int wakeFd = -1;        // eventfd the I/O thread polls
  std::atomic<size_t> bufferedToPods{0};  // client bytes queued for pods, for backpressure

  Shared() {
    wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakeFd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  }
  ~Shared() { ::close(wakeFd); }

  void wake() {
    uint64_t one = 1;
    (void)!::write(wakeFd, &one, sizeof one);
  }
  // Client bytes leave the backpressure count: written to a pod, or dropped.
  void release(size_t bytes) {
    if (bytes == 0) return;
    {
      std::lock_guard lock(mutex);  // so a waiter cannot miss the notification
      bufferedToPods -= bytes;
    }
    drained.notify_all();
  }
  void post(Event event) {
    {
      std::lock_guard lock(mutex);
      if (closed) {
        if (auto* dial = std::get_if<DialResult>(&event); dial && dial->fd >= 0) ::close(dial->fd);
        return;
      }
      events.push_back(std::move(event));
    }
    wake();
  }
};

// Everything the I/O thread owns. No locks: only that thread touches it.
class PortForwardSession::Loop {
 public:
  Loop(PortDialer dial, std::shared_ptr<ByteSink> out, PortForwardOptions options,
       std::shared_ptr<Shared> shared, std::atomic<bool>& finished)
      : dial_(std::move(dial)),
        out_(std::move(out)),
        options_(std::move(options)),
        shared_(std::move(shared)),
        finished_(finished) {}

  void run();

 private:
  enum class State { Waiting, Dialing, Connected };
  // One forwarded connection: the error and data streams that share a request id.
  struct Pair {
    uint64_t serial = 0;
    std::string requestId;
    uint32_t errorStream = 0;
    uint32_t dataStream = 0;
    uint16_t port = 0;
    State state = State::Waiting;
    Clock::time_point deadline;  // while Waiting
    int fd = -1;
    std::string toPod;  // client bytes not yet written to the pod, from toPodOffset on
    size_t toPodOffset = 0;
    bool clientFin = false;                     // the client ended its half of the data stream
    bool shutWrite = false;                     // ... and the pod has been told (shutdown SHUT_WR)
    int64_t sendWindow = spdy::kInitialWindow;  // data stream, towards the client
    uint32_t unacked = 0;  // bytes written to the pod not yet acknowledged by WINDOW_UPDATE
  };

  void handle(Event& event);
  void handleFrame(spdy::Frame& frame);
  void onSynStream(const spdy::Frame& frame);
  void onData(spdy::Frame& frame);
  void onReset(const spdy::Frame& frame);
  void onSettings(const spdy::Frame& frame);
  void onWindowUpdate(const spdy::Frame& frame);
  void onDialResult(DialResult& result);
  void checkDeadlines();

  void startDial(Pair& pair);
  void readPod(Pair& pair);
  void writePod(Pair& pair);
  void acknowledge(Pair* pair, size_t bytes);
  bool mayRead(const Pair& pair) const;

  Pair* pairOfStream(uint32_t streamId);
  void writeError(Pair& pair, const std::string& text);
  std::string forwardingError(const Pair& pair, const std::string& cause) const;
  // Ends both streams (FIN) unless the client reset them, closes the pod socket, forgets the pair.
  void finishPair(uint64_t serial, uint32_t resetStream = 0);
  // The session is over; sends `goAway` first when set, closes the sink when `closeSink`.
  void endSession(std::optional<spdy::GoAwayStatus> goAway, bool closeSink);
  void send(std::string bytes);

  PortDialer dial_;
  std::shared_ptr<ByteSink> out_;
  PortForwardOptions options_;
  std::shared_ptr<Shared> shared_;
  std::atomic<bool>& finished_;

  spdy::FrameEncoder encoder_;
  std::map<uint64_t, Pair> pairs_;  // by serial
  std::unordered_map<std::string, uint64_t> pairOfRequest_;
  std::unordered_map<uint32_t, uint64_t> pairOfStream_;
  uint64_t nextSerial_ = 1;
  uint32_t lastStreamId_ = 0;  // highest stream id the client opened
  bool ended_ = false;
  bool outClosed_ = false;
  // Flow control towards the client is enforced only once it shows it does flow control (a
  // WINDOW_UPDATE or an initial window SETTING): kubectl's SPDY library never sends
  // WINDOW_UPDATE, so enforcing the 64 KiB window against it would stall every forward.
  bool peerFlowControl_ = false;
  int64_t initialWindow_ = spdy::kInitialWindow;
  int64_t sessionSendWindow_ = spdy::kInitialWindow;  // SPDY/3.1's connection-level window
  uint32_t sessionUnacked_ = 0;
};

void PortForwardSession::Loop::run() {
  std::vector<pollfd> fds;
  std::vector<uint64_t> serials;  // fds[i + 1] belongs to pairs_[serials[i]]
  for (;;) {
    std::deque<Event> events;
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->stopping) break;
      events.swap(shared_->events);
    }
    for (Event& event : events) handle(event);
    if (outClosed_ && !ended_) endSession(std::nullopt, false);  // the sink failed
    if (ended_) {
      std::lock_guard lock(shared_->mutex);
      if (shared_->stopping) break;
    }
    checkDeadlines();

    fds.assign(1, pollfd{shared_->wakeFd, POLLIN, 0});
    serials.clear();
    int timeoutMs = -1;
    auto now = Clock::now();
    for (auto& [serial, pair] : pairs_) {
      if (pair.state == State::Waiting) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(pair.deadline - now).count();
        int ms = int(std::clamp<int64_t>(left, 0, 60'000));
        timeoutMs = timeoutMs < 0 ? ms : std::min(timeoutMs, ms);
      }
      if (pair.state != State::Connected) continue;
      short want = 0;
      if (mayRead(pair)) want |= POLLIN;
      if (pair.toPodOffset < pair.toPod.size()) want |= POLLOUT;
      if (!want) continue;  // nothing to do until the client acknowledges or sends
      fds.push_back(pollfd{pair.fd, want, 0});
      serials.push_back(serial);
    }
    int n = ::poll(fds.data(), fds.size(), timeoutMs);
    if (n < 0 && errno != EINTR) {
      CUBE_LOG(Error) << "port-forward: poll: " << std::strerror(errno);
      break;
    }
    if (n <= 0) continue;
    if (fds[0].revents) {
      uint64_t count;
      (void)!::read(shared_->wakeFd, &count, sizeof count);
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      // Each step may finish the pair, so look it up again.
      auto it = pairs_.find(serials[i - 1]);
      if (it != pairs_.end() && (fds[i].revents & (POLLOUT | POLLERR))) writePod(it->second);
      it = pairs_.find(serials[i - 1]);
      if (it != pairs_.end() && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        readPod(it->second);
    }
    if (outClosed_ && !ended_) endSession(std::nullopt, false);
  }
  // Stopped: the sockets go with the session; the client hears nothing more.
  for (auto& [serial, pair] : pairs_) {
    if (pair.fd >= 0) ::close(pair.fd);
  }
  pairs_.clear();
}

void PortForwardSession::Loop::send(std::string bytes) {
  if (outClosed_) return;
  try {
    out_->write(std::move(bytes));
  } catch (const std::exception& e) {
    // A sink that cannot write is a transport that is gone.
    // Ended by the run loop, not here: callers may be holding a pair.
    CUBE_LOG(Warn) << "port-forward: write to client: " << e.what();
    outClosed_ = true;
  }
}

void PortForwardSession::Loop::handle(Event& event) {
  if (auto* frame = std::get_if<spdy::Frame>(&event)) {
    if (!ended_) return handleFrame(*frame);
    if (frame->type == spdy::FrameType::Data) shared_->release(frame->data.size());
  } else if (auto* dial = std::get_if<DialResult>(&event)) {
    onDialResult(*dial);
  } else if (auto* error = std::get_if<ProtocolError>(&event)) {
    CUBE_LOG(Warn) << "port-forward: " << error->message;
    if (!ended_) endSession(spdy::GoAwayStatus::ProtocolError, true);
  } else if (std::holds_alternative<TransportClosed>(event)) {
    outClosed_ = true;  // nothing can be written any more
    if (!ended_) endSession(std::nullopt, false);
  }
}

void PortForwardSession::Loop::handleFrame(spdy::Frame& frame) {
  if (frame.unknownType != 0) return;  // the spec says to ignore unknown control frames
  switch (frame.type) {
    case spdy::FrameType::SynStream:
      return onSynStream(frame);
    case spdy::FrameType::Data:
      return onData(frame);
    case spdy::FrameType::RstStream:
      return onReset(frame);
    case spdy::FrameType::Settings:
      return onSettings(frame);
    case spdy::FrameType::Ping:
      // Odd ids are the client's pings: echo them. Even ids would answer our own; we send none.
      if (frame.pingId & 1) send(encoder_.ping(frame.pingId));
      return;
    case spdy::FrameType::GoAway:
      // The client is leaving (kubectl sends GOAWAY when it closes the connection).
      return endSession(std::nullopt, true);
    case spdy::FrameType::WindowUpdate:
      return onWindowUpdate(frame);
    case spdy::FrameType::SynReply:
    case spdy::FrameType::Headers:
      return;  // the server opens no streams; extra headers mean nothing to port-forward
  }
}

void PortForwardSession::Loop::onSynStream(const spdy::Frame& frame) {
  uint32_t id = frame.streamId;
  // Client streams are odd and increasing; anything else is a protocol error on that stream.
  if (id == 0 || (id & 1) == 0 || id <= lastStreamId_) {
    send(encoder_.rstStream(id, spdy::RstStatus::ProtocolError));
    return;
  }
  lastStreamId_ = id;

  // The kubelet's checks, in its order and words; a rejected stream is reset (CANCEL).
  auto reject = [&](const std::string& why) {
    CUBE_LOG(Warn) << "port-forward: stream " << id << " rejected: " << why;
    send(encoder_.rstStream(id, spdy::RstStatus::Cancel));
  };
  auto portHeader = spdy::headerValue(frame.headers, "port");
  if (!portHeader || portHeader->empty()) return reject("\"port\" header is required");
  auto port = parsePort(*portHeader);
  if (!port) return reject("unable to parse \"" + *portHeader + "\" as a port");
  auto streamType = spdy::headerValue(frame.headers, "streamtype");
  if (!streamType || streamType->empty()) return reject("\"streamType\" header is required");
  if (*streamType != "error" && *streamType != "data")
    return reject("invalid stream type \"" + *streamType + "\"");

  send(encoder_.synReply(id));

  // Old clients send no request id; the kubelet then pairs consecutive streams (error, data).
  std::string requestId = spdy::headerValue(frame.headers, "requestid").value_or("");
  if (requestId.empty())
    requestId = std::to_string(*streamType == "error" ? int64_t(id) : int64_t(id) - 2);

  auto [it, created] = pairOfRequest_.try_emplace(requestId, nextSerial_);
  if (created) {
    Pair& pair = pairs_[nextSerial_];
    pair.serial = nextSerial_++;
    pair.requestId = requestId;
    pair.deadline = Clock::now() + options_.streamPairTimeout;
    pair.sendWindow = initialWindow_;
  }
  Pair& pair = pairs_.at(it->second);
  uint32_t& slot = *streamType == "error" ? pair.errorStream : pair.dataStream;
  if (slot != 0 || pair.state != State::Waiting) {
    writeError(pair, "error processing stream for request " + requestId + ": " + *streamType +
                         " stream already assigned");
    send(encoder_.rstStream(id, spdy::RstStatus::Cancel));
    return;
  }
  slot = id;
  pairOfStream_[id] = pair.serial;
  if (*streamType == "data") pair.port = *port;
  if (frame.fin() && *streamType == "data") pair.clientFin = true;
  if (pair.errorStream && pair.dataStream) startDial(pair);
}

void PortForwardSession::Loop::onData(spdy::Frame& frame) {
  Pair* pair = pairOfStream(frame.streamId);
  if (!pair || frame.streamId != pair->dataStream) {
    // The error stream carries nothing from the client; data for gone streams is dropped.
    // Either way the session window is given back at once.
    shared_->release(frame.data.size());
    acknowledge(nullptr, frame.data.size());
    return;
  }
  if (pair->clientFin) {
    shared_->release(frame.data.size());
    acknowledge(nullptr, frame.data.size());
    return;  // data after FIN: ignore, as spdystream does
  }
  if (!frame.data.empty()) {
    if (pair->toPodOffset == pair->toPod.size()) {
      pair->toPod = std::move(frame.data);
      pair->toPodOffset = 0;
    } else {
      pair->toPod.append(frame.data);
    }
  }
  if (frame.fin()) pair->clientFin = true;
  // Write what can be written now; the rest waits for POLLOUT.
  if (pair->state == State::Connected) writePod(*pair);
}

void PortForwardSession::Loop::onReset(const spdy::Frame& frame) {
  if (auto* pair = pairOfStream(frame.streamId)) finishPair(pair->serial, frame.streamId);
}

void PortForwardSession::Loop::onSettings(const spdy::Frame& frame) {
  for (const spdy::Setting& s : frame.settings) {
    if (s.id != spdy::kSettingsInitialWindowSize) continue;
    // A new initial window moves every open stream's window by the difference (spec 2.6.8).
    int64_t delta = int64_t(s.value) - initialWindow_;
    initialWindow_ = s.value;
    for (auto& [serial, pair] : pairs_) pair.sendWindow += delta;
    peerFlowControl_ = true;
  }
}

void PortForwardSession::Loop::onWindowUpdate(const spdy::Frame& frame) {
  peerFlowControl_ = true;
  if (frame.streamId == 0) {
    sessionSendWindow_ += frame.deltaWindowSize;
  } else if (Pair* pair = pairOfStream(frame.streamId);
             pair && frame.streamId == pair->dataStream) {
    pair->sendWindow += frame.deltaWindowSize;
  }
}

void PortForwardSession::Loop::startDial(Pair& pair) {
  pair.state = State::Dialing;
  // Dials block (connect, setns), so each runs on a thread of its own and posts its result.
  std::thread([dial = dial_, shared = shared_, serial = pair.serial, port = pair.port] {
    DialResult result;
    result.serial = serial;
    try {
      result.fd = dial(port);
      if (result.fd < 0) result.error = "dial returned no socket";
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    shared->post(std::move(result));
  }).detach();
}

void PortForwardSession::Loop::onDialResult(DialResult& result) {
  auto it = pairs_.find(result.serial);
  if (it == pairs_.end() || ended_) {
    if (result.fd >= 0) ::close(result.fd);  // the client gave up on it meanwhile
    return;
  }
  Pair& pair = it->second;
  if (result.fd < 0) {
    CUBE_LOG(Info) << "port-forward: " << forwardingError(pair, result.error);
    writeError(pair, forwardingError(pair, result.error));
    finishPair(pair.serial);
    return;
  }
  pair.fd = result.fd;
  ::fcntl(pair.fd, F_SETFL, ::fcntl(pair.fd, F_GETFL) | O_NONBLOCK);
  pair.state = State::Connected;
  writePod(pair);  // what the client sent while the dial ran
}

void PortForwardSession::Loop::checkDeadlines() {
  auto now = Clock::now();
  std::vector<uint64_t> expired;
  for (auto& [serial, pair] : pairs_) {
    if (pair.state == State::Waiting && pair.deadline <= now) expired.push_back(serial);
  }
  for (uint64_t serial : expired) {
    Pair& pair = pairs_.at(serial);
    writeError(pair, "(conn=" + std::to_string(reinterpret_cast<uintptr_t>(this)) +
                         ", request=" + pair.requestId + ") timed out waiting for streams");
    finishPair(serial);
  }
}

bool PortForwardSession::Loop::mayRead(const Pair& pair) const {
  return !peerFlowControl_ || (pair.sendWindow > 0 && sessionSendWindow_ > 0);
}

void PortForwardSession::Loop::readPod(Pair& pair) {
  size_t want = kReadChunk;
  if (peerFlowControl_) {
    if (!mayRead(pair)) return;
    want = size_t(std::min<int64_t>({int64_t(want), pair.sendWindow, sessionSendWindow_}));
  }
  std::string buffer(want, '\0');
  ssize_t n = ::recv(pair.fd, buffer.data(), buffer.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    // As the kubelet does when copying from the pod fails: say why, then end the streams.
    writeError(pair,
               forwardingError(pair, std::string("read from pod: ") + lower(std::strerror(errno))));
    return finishPair(pair.serial);
  }
  if (n == 0) return finishPair(pair.serial);  // the pod closed its side: end the forward
  buffer.resize(size_t(n));
  pair.sendWindow -= n;
  sessionSendWindow_ -= n;
  send(encoder_.data(pair.dataStream, buffer));
}

void PortForwardSession::Loop::writePod(Pair& pair) {
  while (pair.toPodOffset < pair.toPod.size()) {
    ssize_t n = ::send(pair.fd, pair.toPod.data() + pair.toPodOffset,
                       pair.toPod.size() - pair.toPodOffset, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      writeError(
          pair, forwardingError(pair, std::string("write to pod: ") + lower(std::strerror(errno))));
      return finishPair(pair.serial);
    }
    pair.toPodOffset += size_t(n);
    acknowledge(&pair, size_t(n));
  }
  if (pair.toPodOffset == pair.toPod.size()) {
    pair.toPod.clear();
    pair.toPodOffset = 0;
    // The client is done sending: pass its half-close on, and keep reading the pod's answer.
    if (pair.clientFin && !pair.shutWrite) {
      ::shutdown(pair.fd, SHUT_WR);
      pair.shutWrite = true;
    }
  }
}

void PortForwardSession::Loop::acknowledge(Pair* pair, size_t bytes) {
  if (pair) {
    shared_->release(bytes);
    pair->unacked += uint32_t(bytes);
    if (pair->unacked >= kAckThreshold) {
      send(encoder_.windowUpdate(pair->dataStream, pair->unacked));
      pair->unacked = 0;
    }
  }
  sessionUnacked_ += uint32_t(bytes);
  if (sessionUnacked_ >= kAckThreshold) {
    send(encoder_.windowUpdate(0, sessionUnacked_));
    sessionUnacked_ = 0;
  }
}

PortForwardSession::Loop::Pair* PortForwardSession::Loop::pairOfStream(uint32_t streamId) {
  auto it = pairOfStream_.find(streamId);
  if (it == pairOfStream_.end()) return nullptr;
  auto pair = pairs_.find(it->second);
  return pair == pairs_.end() ? nullptr : &pair->second;
}

void PortForwardSession::Loop::writeError(Pair& pair, const std::string& text) {
  if (pair.errorStream) send(encoder_.data(pair.errorStream, text));
}

std::string PortForwardSession::Loop::forwardingError(const Pair& pair,
                                                      const std::string& cause) const {
  return "error forwarding port " + std::to_string(pair.port) + " to pod " + options_.podName +
         ", uid " + options_.podUid + ": " + cause;
}

void PortForwardSession::Loop::finishPair(uint64_t serial, uint32_t resetStream) {
  auto it = pairs_.find(serial);
  if (it == pairs_.end()) return;
  Pair& pair = it->second;
  // The kubelet closes the error stream, then the data stream.
  if (pair.errorStream && pair.errorStream != resetStream)
    send(encoder_.data(pair.errorStream, "", true));
  if (pair.dataStream && pair.dataStream != resetStream)
    send(encoder_.data(pair.dataStream, "", true));
  if (pair.fd >= 0) ::close(pair.fd);
  shared_->release(pair.toPod.size() - pair.toPodOffset);
  pairOfStream_.erase(pair.errorStream);
  pairOfStream_.erase(pair.dataStream);
  pairOfRequest_.erase(pair.requestId);
  pairs_.erase(it);
}

void PortForwardSession::Loop::endSession(std::optional<spdy::GoAwayStatus> goAway,
                                          bool closeSink) {
  ended_ = true;
  for (auto& [serial, pair] : pairs_) {
    if (pair.fd >= 0) ::close(pair.fd);
    shared_->release(pair.toPod.size() - pair.toPodOffset);
  }
  pairs_.clear();
  pairOfRequest_.clear();
  pairOfStream_.clear();
  // Finished before the sink hears of it, so a transport that stops on close sees it so.
  {
    std::lock_guard lock(shared_->mutex);  // so a waiting onBytes() cannot miss it
    finished_ = true;
  }
  shared_->drained.notify_all();
  if (goAway) send(encoder_.goAway(lastStreamId_, *goAway));
  if (closeSink && !outClosed_) {
    outClosed_ = true;
    try {
      out_->close();
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << "port-forward: closing the client connection: " << e.what();
    }
  }
}

// ---- PortForwardSession ----

PortForwardSession::PortForwardSession(PortDialer dial, std::shared_ptr<ByteSink> out,
                                       PortForwardOptions options)
    : shared_(std::make_shared<Shared>()),
      maxBuffered_(options.maxBufferedToPods),
      loop_(std::make_unique<Loop>(std::move(dial), std::move(out), std::move(options), shared_,
                                   finished_)) {
  thread_ = std::thread([this] { loop_->run(); });
}

PortForwardSession::~PortForwardSession() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->wake();
  shared_->drained.notify_all();
  thread_.join();
  std::lock_guard lock(shared_->mutex);
  shared_->closed = true;
  for (Event& event : shared_->events) {
    if (auto* dial = std::get_if<DialResult>(&event); dial && dial->fd >= 0) ::close(dial->fd);
  }
  shared_->events.clear();
}

void PortForwardSession::onBytes(std::string_view in) {
  if (broken_ || finished_) return;
  decoder_.feed(in);
  try {
    while (auto frame = decoder_.next()) {
      // Counted here, before the I/O thread sees them, so a burst cannot overrun the limit.
      if (frame->type == spdy::FrameType::Data && frame->unknownType == 0)
        shared_->bufferedToPods += frame->data.size();
      shared_->post(std::move(*frame));
    }
  } catch (const spdy::FramingError& e) {
    broken_ = true;
    shared_->post(ProtocolError{e.what()});
    return;
  }
  // Backpressure: hold the transport while pods lag too far behind the client.
  std::unique_lock lock(shared_->mutex);
  shared_->drained.wait(lock, [&] {
    return shared_->bufferedToPods.load() <= maxBuffered_ || shared_->stopping || finished_;
  });
}

void PortForwardSession::onClosed() {
  shared_->post(TransportClosed{});
}

}  // namespace cube::agent
