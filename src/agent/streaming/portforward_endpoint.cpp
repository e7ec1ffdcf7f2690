#include "agent/streaming/portforward_endpoint.h"

#include "agent/streaming/netns_dialer.h"
#include "agent/streaming/port_forward_session.h"
#include "agent/streaming/websocket.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "http/socket_io.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace cube::agent::streaming {

namespace {

constexpr const char* kWebSocketTunnel = "SPDY/3.1+portforward.k8s.io";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// SPDY bytes out as WebSocket binary messages.
class WebSocketSink : public ByteSink {
 public:
  explicit WebSocketSink(std::shared_ptr<WebSocket> ws) : ws_(std::move(ws)) {}
  void write(std::string bytes) override { ws_->write(WsOpcode::Binary, bytes); }
  void close() override {
    ws_->close();
    ws_->abort();
  }

 private:
  std::shared_ptr<WebSocket> ws_;
};

// SPDY bytes straight onto the upgraded socket.
class SocketSink : public ByteSink {
 public:
  explicit SocketSink(int fd) : fd_(fd) {}
  void write(std::string bytes) override { http::writeAll(fd_, bytes); }
  void close() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  int fd_;
};

}  // namespace

void servePortForward(const http::Request& request, const LocatedPod& pod,
                      const http::ResponderPtr& responder) {
  std::string upgrade = request.header("Upgrade");
  bool websocket = iequals(upgrade, "websocket");
  if (websocket) {
    std::string offered = request.header("Sec-WebSocket-Protocol");
    if (chooseSubprotocol(offered, {kWebSocketTunnel}).empty()) {
      throw ApiError::badRequest("unsupported WebSocket subprotocols \"" + offered +
                                 "\": " + kWebSocketTunnel);
    }
    if (request.header("Sec-WebSocket-Key").empty()) {
      throw ApiError::badRequest("missing Sec-WebSocket-Key");
    }
  } else if (!iequals(upgrade, "SPDY/3.1")) {
    throw ApiError::badRequest("Upgrade request required: WebSocket (" +
                               std::string(kWebSocketTunnel) + ") or SPDY/3.1");
  }
  // The pod's network namespace: its sandbox's (the newest ready one).
  std::string netns;
  bool found = false;
  TimePoint newest{};
  for (const auto& sandbox : pod.runtime->listSandboxes()) {
    if (sandbox.podUid != pod.uid || sandbox.state != runtime::SandboxState::Ready) continue;
    if (found && sandbox.createdAt < newest) continue;
    found = true;
    newest = sandbox.createdAt;
    netns = pod.runtime->sandboxNetworkNamespace(sandbox.id);
  }
  if (!found) throw ApiError::badRequest("pod " + pod.uid + " has no running sandbox");
  PortDialer dial = [netns](uint16_t port) {
    return netns.empty() ? dialLoopback(port) : dialInNetns(netns, port);
  };
  PortForwardOptions options;
  const auto* meta = json::getObject(*pod.pod, "metadata");
  options.podName = meta ? json::getString(*meta, "name") : "";
  options.podUid = pod.uid;

  http::HijackedConnection conn = responder->hijack();
  std::string answer;
  if (websocket) {
    answer =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        websocketAccept(request.header("Sec-WebSocket-Key")) +
        "\r\nSec-WebSocket-Protocol: " + kWebSocketTunnel + "\r\n\r\n";
  } else {
    // The one port-forward protocol version there is; kubectl refuses an answer without it.
    answer =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n"
        "X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n";
  }
  if (!http::writeAll(conn.fd, answer)) {
    ::close(conn.fd);
    return;
  }
  if (websocket) {
    auto ws = std::make_shared<WebSocket>(conn.fd, std::move(conn.buffered));
    std::thread([ws, dial, options] {
      PortForwardSession session(dial, std::make_shared<WebSocketSink>(ws), options);
      while (auto m = ws->readMessage()) {
        session.onBytes(m->payload);
        if (session.finished()) break;
      }
      session.onClosed();
    }).detach();
    return;
  }
  std::thread([fd = conn.fd, buffered = std::move(conn.buffered), dial, options] {
    {
      PortForwardSession session(dial, std::make_shared<SocketSink>(fd), options);
      if (!buffered.empty()) session.onBytes(buffered);
      char buf[32 * 1024];
      while (!session.finished()) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        session.onBytes(std::string_view(buf, static_cast<size_t>(n)));
      }
      session.onClosed();
    }
    ::close(fd);
  }).detach();
}

}  // namespace cube::agent::streaming
