#include "agent/streaming/websocket.h"

#include <openssl/sha.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace cube::agent::streaming {

namespace {

constexpr size_t kMaxMessageBytes = 16 * 1024 * 1024;

std::string base64(const unsigned char* data, size_t n) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = data[i] << 16;
    if (i + 1 < n) v |= data[i + 1] << 8;
    if (i + 2 < n) v |= data[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? alphabet[v & 63] : '=';
  }
  return out;
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string websocketAccept(std::string_view key) {
  std::string input(trimSpaces(key));
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455's fixed GUID
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(digest, sizeof digest);
}

std::string chooseSubprotocol(std::string_view offered, const std::vector<std::string>& supported) {
  std::vector<std::string_view> offers;
  while (!offered.empty()) {
    size_t comma = offered.find(',');
    offers.push_back(trimSpaces(offered.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  for (const auto& s : supported) {
    for (auto o : offers) {
      if (o == s) return s;
    }
  }
  return "";
}

std::string encodeWsFrame(WsOpcode opcode, std::string_view payload, std::optional<uint32_t> mask) {
  std::string out;
  out += static_cast<char>(0x80 | static_cast<uint8_t>(opcode));
  uint8_t maskBit = mask ? 0x80 : 0;
  size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(maskBit | n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(maskBit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(maskBit | 127);
    for (int i = 7; i >= 0; --i)
      out += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  if (!mask) {
    out += payload;
    return out;
  }
  char key[4] = {static_cast<char>(*mask >> 24), static_cast<char>(*mask >> 16),
                 static_cast<char>(*mask >> 8), static_cast<char>(*mask)};
  out.append(key, 4);
  for (size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ key[i % 4]);
  return out;
}

bool WsFrameParser::feed(std::string_view data) {
  buffer_.append(data);
  return !failed_;
}

std::optional<WsFrameParser::Message> WsFrameParser::next() {
  for (;;) {
    if (failed_ || buffer_.size() < 2) return std::nullopt;
    auto b0 = static_cast<uint8_t>(buffer_[0]);
    auto b1 = static_cast<uint8_t>(buffer_[1]);
    bool fin = b0 & 0x80;
    auto opcode = static_cast<WsOpcode>(b0 & 0x0f);
    bool masked = b1 & 0x80;
    uint64_t len = b1 & 0x7f;
    size_t pos = 2;
    if (len == 126) {
      if (buffer_.size() < 4) return std::nullopt;
      len = (static_cast<uint8_t>(buffer_[2]) << 8) | static_cast<uint8_t>(buffer_[3]);
      pos = 4;
    } else if (len == 127) {
      if (buffer_.size() < 10) return std::nullopt;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(buffer_[2 + i]);
      pos = 10;
    }
    if (len > kMaxMessageBytes) {
      failed_ = true;
      return std::nullopt;
    }
    size_t maskPos = pos;
    if (masked) pos += 4;
    if (buffer_.size() < pos + len) return std::nullopt;
    std::string payload = buffer_.substr(pos, len);
    if (masked) {
      for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= buffer_[maskPos + i % 4];
    }
    buffer_.erase(0, pos + len);
    uint8_t code = static_cast<uint8_t>(opcode);
    if (code >= 8) return Message{opcode, std::move(payload)};  // control frames are whole
    if (code > 2) {
      failed_ = true;
      return std::nullopt;
    }
    if (opcode != WsOpcode::Continuation) {
      fragmentOpcode_ = opcode;
      fragments_.clear();
    }
    fragments_ += payload;
    if (fragments_.size() > kMaxMessageBytes) {
      failed_ = true;
      return std::nullopt;
    }
    if (fin) {
      Message m{fragmentOpcode_, std::move(fragments_)};
      fragments_.clear();
      return m;
    }
  }
}

WebSocket::WebSocket(int fd, std::string buffered) : fd_(fd) {
  parser_.feed(buffered);
}

WebSocket::~WebSocket() {
  ::close(fd_);
}

std::optional<WsFrameParser::Message> WebSocket::readMessage(int timeoutMs, bool* timedOut) {
  char buf[16 * 1024];
  if (timedOut) *timedOut = false;
  for (;;) {
    while (auto m = parser_.next()) {
      switch (m->opcode) {
        case WsOpcode::Ping:
          write(WsOpcode::Pong, m->payload);
          continue;
        case WsOpcode::Pong:
          continue;
        case WsOpcode::Close:
          close();
          return std::nullopt;
        default:
          return m;
      }
    }
    if (timeoutMs >= 0) {
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, timeoutMs);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {
        if (timedOut) *timedOut = true;
        return std::nullopt;
      }
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    if (!parser_.feed(std::string_view(buf, static_cast<size_t>(n)))) return std::nullopt;
  }
}

bool WebSocket::write(WsOpcode opcode, std::string_view payload) {
  std::string frame = encodeWsFrame(opcode, payload);
  std::lock_guard lock(writeMutex_);
  if (closed_) return false;
  std::string_view data = frame;
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool WebSocket::writeChannel(uint8_t channel, std::string_view data) {
  std::string payload;
  payload.reserve(data.size() + 1);
  payload += static_cast<char>(channel);
  payload += data;
  return write(WsOpcode::Binary, payload);
}

void WebSocket::close() {
  write(WsOpcode::Close, std::string("\x03\xe8", 2));  // 1000: normal closure
  std::lock_guard lock(writeMutex_);
  if (closed_) return;
  closed_ = true;
  ::shutdown(fd_, SHUT_WR);
}

void WebSocket::abort() {
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace cube::agent::streaming
