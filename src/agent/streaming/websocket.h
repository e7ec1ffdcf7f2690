#pragma once
// A server-side WebSocket (RFC 6455) over a blocking socket taken from the HTTP server, and the
// channel framing kubectl's exec/attach speak over it (v4/v5.channel.k8s.io): every binary
// message starts with one byte naming its channel — 0 stdin, 1 stdout, 2 stderr, 3 error (a
// Status as JSON, the last thing sent), 4 resize (JSON {"Width":w,"Height":h}); v5 adds 255,
// "close": [255, c] says channel c has ended (kubectl half-closes stdin so).
//
// One thread reads (readMessage), any thread writes (writes are serialized).

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cube::agent::streaming {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string websocketAccept(std::string_view key);

// The subprotocol to answer with from a Sec-WebSocket-Protocol header offer ("a, b"): the first
// of `supported` (in our order of preference) that is offered, or "".
std::string chooseSubprotocol(std::string_view offered, const std::vector<std::string>& supported);

enum class WsOpcode : uint8_t {
  Continuation = 0,
  Text = 1,
  Binary = 2,
  Close = 8,
  Ping = 9,
  Pong = 10,
};

// Encodes one unfragmented frame (server frames are not masked; `mask` set makes a client frame,
// for tests and clients).
std::string encodeWsFrame(WsOpcode opcode, std::string_view payload,
                          std::optional<uint32_t> mask = std::nullopt);

// Incremental frame parser: feed bytes, take whole messages (fragments joined, client masks
// removed). Control frames come out as messages too.
class WsFrameParser {
 public:
  struct Message {
    WsOpcode opcode;
    std::string payload;
  };
  // Appends data; false on a protocol error (too large, bad opcode).
  bool feed(std::string_view data);
  std::optional<Message> next();

 private:
  std::string buffer_;
  std::string fragments_;
  WsOpcode fragmentOpcode_ = WsOpcode::Binary;
  bool failed_ = false;
};

class WebSocket {
 public:
  // `buffered`: bytes already read from the socket after the handshake request.
  WebSocket(int fd, std::string buffered);
  // Closes the socket.
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // The next data message (pings are answered, pongs skipped); nullopt once the peer closed or
  // the connection failed, or (with `timeoutMs` >= 0) when nothing came in that time, which
  // `*timedOut` then says.
  std::optional<WsFrameParser::Message> readMessage(int timeoutMs = -1, bool* timedOut = nullptr);
  bool write(WsOpcode opcode, std::string_view payload);
  // One channel message: the channel byte, then `data`.
  bool writeChannel(uint8_t channel, std::string_view data);
  // Sends a close frame (once) and shuts the socket down for writing.
  void close();
  // Unblocks a reader (shutdown of both directions).
  void abort();
  int fd() const { return fd_; }

 private:
  int fd_;
  WsFrameParser parser_;
  std::mutex writeMutex_;  // guards writes to fd_ and closed_
  bool closed_ = false;
};

}  // namespace cube::agent::streaming
