#pragma once
// The server side of `kubectl port-forward`'s protocol (portforward.k8s.io) over SPDY/3.1, on an
// abstract byte transport: the binary messages of a WebSocket tunnelling SPDY
// (`SPDY/3.1+portforward.k8s.io`) or the raw socket after an `Upgrade: SPDY/3.1`.
//
// For each local connection kubectl opens two streams with the same `requestid` header: an
// error stream (`streamtype: error`) and a data stream (`streamtype: data`, `port: N`). When
// both are there the session dials the port (inside the pod), copies bytes both ways on the data
// stream, writes a failure as text on the error stream, and ends both streams (FIN) when the
// pod's side of the connection ends. See docs/dev/spdy.md.
//
// Threads: onBytes()/onClosed() come from the transport's thread, one call at a time; they only
// decode frames and post them to the session's own I/O thread, which owns every stream, every
// dialled socket (one poll loop for all of them) and every write to the sink.

#include "agent/streaming/spdy_framer.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace cube::agent {

// Where the session's bytes go. write() and close() are called from the session's I/O thread
// only, never after close().
struct ByteSink {
  virtual ~ByteSink() = default;
  virtual void write(std::string bytes) = 0;
  virtual void close() = 0;
};

// Returns a connected TCP socket fd to `port` inside the pod, or throws; what() becomes the
// error stream's text. It runs on a thread of its own and may outlive the session, so whatever
// it captures must stay valid (capture by value or shared_ptr).
using PortDialer = std::function<int(uint16_t port)>;

struct PortForwardOptions {
  // For the error text, as the kubelet writes it: "error forwarding port P to pod NAME, uid UID:
  // ...".
  std::string podName;
  std::string podUid;
  // How long the first stream of a pair waits for the other (the kubelet's streamCreationTimeout).
  std::chrono::milliseconds streamPairTimeout = std::chrono::seconds(30);
  // Bytes from the client not yet written to pods above which onBytes() waits: kubectl's SPDY
  // library ignores flow control, so this is what stops a slow pod from growing memory.
  size_t maxBufferedToPods = 4 << 20;
};

class PortForwardSession {
 public:
  PortForwardSession(PortDialer dial, std::shared_ptr<ByteSink> out,
                     PortForwardOptions options = {});
  // Stops the I/O thread and closes every dialled socket; calls nothing on the sink.
  ~PortForwardSession();
  PortForwardSession(const PortForwardSession&) = delete;
  PortForwardSession& operator=(const PortForwardSession&) = delete;

  // Bytes from the client, split anywhere. May wait while pods are slower than the client (see
  // maxBufferedToPods). Input after a framing error or GOAWAY is dropped.
  void onBytes(std::string_view in);
  // The transport is gone: every forwarded connection is closed; the sink is not written again.
  void onClosed();
  // True once the session has ended: GOAWAY from the client, a framing error, or onClosed().
  bool finished() const { return finished_.load(); }

 private:
  struct Shared;
  class Loop;

  spdy::FrameDecoder decoder_;      // the transport's thread only
  std::shared_ptr<Shared> shared_;  // mailbox between the transport, dialers and the I/O thread
  size_t maxBuffered_;              // options.maxBufferedToPods
  std::unique_ptr<Loop> loop_;      // runs on thread_
  std::atomic<bool> finished_{false};
  bool broken_ = false;  // the transport's thread only: stop decoding after a framing error
  std::thread thread_;
};

}  // namespace cube::agent
