#include "agent/streaming/spdy_framer.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace cube::agent::spdy {
namespace {

constexpr uint32_t kMaxLength = 0xffffff;  // 24-bit frame length
constexpr size_t kFrameHeader = 8;

void putU32(std::string& out, uint32_t v) {
  out.push_back(char(v >> 24));
  out.push_back(char(v >> 16));
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}

uint32_t getU32(std::string_view in, size_t at) {
  auto b = [&](size_t i) { return uint32_t(uint8_t(in[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

void controlHeader(std::string& out, FrameType type, uint8_t flags, size_t length) {
  if (length > kMaxLength) throw std::invalid_argument("spdy: frame longer than 2^24-1 bytes");
  putU32(out, 0x80000000u | 3u << 16 | uint32_t(type));
  putU32(out, uint32_t(flags) << 24 | uint32_t(length));
}

std::string controlFrame(FrameType type, uint8_t flags, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeader + payload.size());
  controlHeader(out, type, flags, payload.size());
  out.append(payload);
  return out;
}

std::string u32s(std::initializer_list<uint32_t> values) {
  std::string out;
  for (uint32_t v : values) putU32(out, v);
  return out;
}

void requireLength(std::string_view payload, size_t atLeast, const char* what) {
  if (payload.size() < atLeast)
    throw FramingError(std::string("spdy: short ") + what + " frame (" +
                       std::to_string(payload.size()) + " bytes)");
}

}  // namespace

std::optional<std::string> headerValue(const HeaderBlock& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v.substr(0, v.find('\0'));
  }
  return std::nullopt;
}

// The spec's dictionary: length-prefixed common header names and values, then common value
// fragments without prefixes. Kept as words so it can be read; its Adler-32 (0xe3c6a7c2, the id
// in every header stream's zlib preamble) is checked by the unit test.
const std::string& headerDictionary() {
  static const std::string dictionary = [] {
    static constexpr std::array<const char*, 65> kWords = {"options",
                                                           "head",
                                                           "post",
                                                           "put",
                                                           "delete",
                                                           "trace",
                                                           "accept",
                                                           "accept-charset",
                                                           "accept-encoding",
                                                           "accept-language",
                                                           "accept-ranges",
                                                           "age",
                                                           "allow",
                                                           "authorization",
                                                           "cache-control",
                                                           "connection",
                                                           "content-base",
                                                           "content-encoding",
                                                           "content-language",
                                                           "content-length",
                                                           "content-location",
                                                           "content-md5",
                                                           "content-range",
                                                           "content-type",
                                                           "date",
                                                           "etag",
                                                           "expect",
                                                           "expires",
                                                           "from",
                                                           "host",
                                                           "if-match",
                                                           "if-modified-since",
                                                           "if-none-match",
                                                           "if-range",
                                                           "if-unmodified-since",
                                                           "last-modified",
                                                           "location",
                                                           "max-forwards",
                                                           "pragma",
                                                           "proxy-authenticate",
                                                           "proxy-authorization",
                                                           "range",
                                                           "referer",
                                                           "retry-after",
                                                           "server",
                                                           "te",
                                                           "trailer",
                                                           "transfer-encoding",
                                                           "upgrade",
                                                           "user-agent",
                                                           "vary",
                                                           "via",
                                                           "warning",
                                                           "www-authenticate",
                                                           "method",
                                                           "get",
                                                           "status",
                                                           "200 OK",
                                                           "version",
                                                           "HTTP/1.1",
                                                           "url",
                                                           "public",
                                                           "set-cookie",
                                                           "keep-alive",
                                                           "origin"};
    static constexpr const char* kTail =
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504"
        "505203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 "
        "Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 "
        "Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, "
        "Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/"
        "xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,"
        "sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
    std::string d;
    for (const char* word : kWords) {
      putU32(d, uint32_t(std::strlen(word)));
      d.append(word);
    }
    d.append(kTail);
    return d;
  }();
  return dictionary;
}

// ---- header compression ----

struct HeaderCompressor::State {
  z_stream z{};
};

HeaderCompressor::HeaderCompressor() : state_(std::make_unique<State>()) {
  if (deflateInit(&state_->z, Z_DEFAULT_COMPRESSION) != Z_OK)
    throw std::runtime_error("spdy: deflateInit failed");
  const std::string& dict = headerDictionary();
  if (deflateSetDictionary(&state_->z, reinterpret_cast<const Bytef*>(dict.data()),
                           uInt(dict.size())) != Z_OK)
    throw std::runtime_error("spdy: deflateSetDictionary failed");
}

HeaderCompressor::~HeaderCompressor() {
  deflateEnd(&state_->z);
}

std::string HeaderCompressor::compress(const HeaderBlock& headers) {
  std::string plain;
  putU32(plain, uint32_t(headers.size()));
  for (const auto& [name, value] : headers) {
    putU32(plain, uint32_t(name.size()));
    plain.append(name);
    putU32(plain, uint32_t(value.size()));
    plain.append(value);
  }
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = uInt(plain.size());
  std::string out;
  std::array<char, 4096> chunk;
  // A sync flush ends each block on a byte boundary, so the peer can decode it on its own.
  do {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = uInt(chunk.size());
    int rc = deflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("spdy: deflate failed");
    out.append(chunk.data(), chunk.size() - z.avail_out);
  } while (z.avail_out == 0);
  return out;
}

struct HeaderDecompressor::State {
  z_stream z{};
};

HeaderDecompressor::HeaderDecompressor() : state_(std::make_unique<State>()) {
  if (inflateInit(&state_->z) != Z_OK) throw std::runtime_error("spdy: inflateInit failed");
}

HeaderDecompressor::~HeaderDecompressor() {
  inflateEnd(&state_->z);
}

HeaderBlock HeaderDecompressor::decompress(std::string_view compressed) {
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = uInt(compressed.size());
  std::string plain;
  std::array<char, 4096> chunk;
  while (z.avail_in > 0) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = uInt(chunk.size());
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      const std::string& dict = headerDictionary();
      if (inflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dict.data()),
                               uInt(dict.size())) != Z_OK)
        throw FramingError("spdy: header block uses an unknown dictionary");
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw FramingError(std::string("spdy: corrupt header block: ") + (z.msg ? z.msg : "zlib"));
    plain.append(chunk.data(), chunk.size() - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_out != 0) break;  // no progress possible
  }
  // Output still held by zlib (the input is all consumed but the window had more to give).
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = uInt(chunk.size());
    int rc = inflate(&z, Z_SYNC_FLUSH);
    plain.append(chunk.data(), chunk.size() - z.avail_out);
    if (rc != Z_OK || z.avail_out != 0) break;
  }

  auto need = [&](size_t at, size_t n) {
    if (plain.size() < at + n) throw FramingError("spdy: truncated header block");
  };
  need(0, 4);
  uint32_t count = getU32(plain, 0);
  size_t at = 4;
  HeaderBlock headers;
  for (uint32_t i = 0; i < count; ++i) {
    need(at, 4);
    uint32_t nameLen = getU32(plain, at);
    at += 4;
    need(at, nameLen);
    std::string name = plain.substr(at, nameLen);
    at += nameLen;
    need(at, 4);
    uint32_t valueLen = getU32(plain, at);
    at += 4;
    need(at, valueLen);
    std::string value = plain.substr(at, valueLen);
    at += valueLen;
    // Names are lowercase on the wire; a peer that sends otherwise is read as if it had not.
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    headers.emplace_back(std::move(name), std::move(value));
  }
  return headers;
}

// ---- encoding ----

std::string FrameEncoder::encode(const Frame& f) {
  switch (f.type) {
    case FrameType::Data:
      return data(f.streamId, f.data, f.fin());
    case FrameType::SynStream: {
      std::string payload = u32s({f.streamId & 0x7fffffff, f.associatedStreamId & 0x7fffffff});
      payload.push_back(char((f.priority & 0x7) << 5));
      payload.push_back(0);  // credential slot
      payload.append(compressor_.compress(f.headers));
      return controlFrame(f.type, f.flags, payload);
    }
    case FrameType::SynReply:
    case FrameType::Headers: {
      std::string payload = u32s({f.streamId & 0x7fffffff});
      payload.append(compressor_.compress(f.headers));
      return controlFrame(f.type, f.flags, payload);
    }
    case FrameType::RstStream:
      return controlFrame(f.type, 0, u32s({f.streamId & 0x7fffffff, f.status}));
    case FrameType::Settings: {
      std::string payload = u32s({uint32_t(f.settings.size())});
      for (const Setting& s : f.settings)
        putU32(payload, uint32_t(s.flags) << 24 | s.id), putU32(payload, s.value);
      return controlFrame(f.type, f.flags, payload);
    }
    case FrameType::Ping:
      return controlFrame(f.type, 0, u32s({f.pingId}));
    case FrameType::GoAway:
      return controlFrame(f.type, 0, u32s({f.lastGoodStreamId & 0x7fffffff, f.status}));
    case FrameType::WindowUpdate:
      return controlFrame(f.type, 0,
                          u32s({f.streamId & 0x7fffffff, f.deltaWindowSize & 0x7fffffff}));
  }
  throw std::invalid_argument("spdy: cannot encode frame type " + std::to_string(int(f.type)));
}

std::string FrameEncoder::synStream(uint32_t streamId, const HeaderBlock& headers, uint8_t flags) {
  Frame f;
  f.type = FrameType::SynStream;
  f.streamId = streamId;
  f.headers = headers;
  f.flags = flags;
  return encode(f);
}

std::string FrameEncoder::synReply(uint32_t streamId, const HeaderBlock& headers, uint8_t flags) {
  Frame f;
  f.type = FrameType::SynReply;
  f.streamId = streamId;
  f.headers = headers;
  f.flags = flags;
  return encode(f);
}

std::string FrameEncoder::data(uint32_t streamId, std::string_view payload, bool fin) {
  if (payload.size() > kMaxLength)
    throw std::invalid_argument("spdy: data frame longer than 2^24-1 bytes");
  std::string out;
  out.reserve(kFrameHeader + payload.size());
  putU32(out, streamId & 0x7fffffff);
  putU32(out, uint32_t(fin ? kFlagFin : 0) << 24 | uint32_t(payload.size()));
  out.append(payload);
  return out;
}

std::string FrameEncoder::rstStream(uint32_t streamId, RstStatus status) {
  return controlFrame(FrameType::RstStream, 0, u32s({streamId & 0x7fffffff, uint32_t(status)}));
}

std::string FrameEncoder::ping(uint32_t id) {
  return controlFrame(FrameType::Ping, 0, u32s({id}));
}

std::string FrameEncoder::goAway(uint32_t lastGoodStreamId, GoAwayStatus status) {
  return controlFrame(FrameType::GoAway, 0,
                      u32s({lastGoodStreamId & 0x7fffffff, uint32_t(status)}));
}

std::string FrameEncoder::windowUpdate(uint32_t streamId, uint32_t delta) {
  return controlFrame(FrameType::WindowUpdate, 0,
                      u32s({streamId & 0x7fffffff, delta & 0x7fffffff}));
}

std::string FrameEncoder::settings(const std::vector<Setting>& settings) {
  Frame f;
  f.type = FrameType::Settings;
  f.settings = settings;
  return encode(f);
}

// ---- decoding ----

std::optional<Frame> FrameDecoder::next() {
  if (buffered() < kFrameHeader) {
    // Compact now and then so the buffer does not grow with everything ever fed.
    if (offset_ > 0) buffer_.erase(0, offset_), offset_ = 0;
    return std::nullopt;
  }
  std::string_view in(buffer_);
  in.remove_prefix(offset_);
  uint32_t first = getU32(in, 0);
  uint32_t second = getU32(in, 4);
  uint8_t flags = uint8_t(second >> 24);
  size_t length = second & kMaxLength;
  if (in.size() < kFrameHeader + length) return std::nullopt;
  std::string_view payload = in.substr(kFrameHeader, length);

  Frame f;
  if (first & 0x80000000u) {
    f = decodeControl(uint16_t(first >> 16 & 0x7fff), uint16_t(first & 0xffff), flags, payload);
  } else {
    f.type = FrameType::Data;
    f.streamId = first & 0x7fffffff;
    f.flags = flags;
    f.data.assign(payload);
  }
  offset_ += kFrameHeader + length;
  if (offset_ >= buffer_.size() / 2) buffer_.erase(0, offset_), offset_ = 0;
  return f;
}

Frame FrameDecoder::decodeControl(uint16_t version, uint16_t type, uint8_t flags,
                                  std::string_view payload) {
  if (version != 3) throw FramingError("spdy: unsupported version " + std::to_string(version));
  Frame f;
  f.flags = flags;
  switch (type) {
    case uint16_t(FrameType::SynStream):
      requireLength(payload, 10, "SYN_STREAM");
      f.type = FrameType::SynStream;
      f.streamId = getU32(payload, 0) & 0x7fffffff;
      f.associatedStreamId = getU32(payload, 4) & 0x7fffffff;
      f.priority = uint8_t(payload[8]) >> 5;
      f.headers = decompressor_.decompress(payload.substr(10));
      break;
    case uint16_t(FrameType::SynReply):
    case uint16_t(FrameType::Headers):
      requireLength(payload, 4, "SYN_REPLY/HEADERS");
      f.type = FrameType(type);
      f.streamId = getU32(payload, 0) & 0x7fffffff;
      f.headers = decompressor_.decompress(payload.substr(4));
      break;
    case uint16_t(FrameType::RstStream):
      requireLength(payload, 8, "RST_STREAM");
      f.type = FrameType::RstStream;
      f.streamId = getU32(payload, 0) & 0x7fffffff;
      f.status = getU32(payload, 4);
      break;
    case uint16_t(FrameType::Settings): {
      requireLength(payload, 4, "SETTINGS");
      f.type = FrameType::Settings;
      uint32_t count = getU32(payload, 0);
      if (payload.size() < 4 + size_t(count) * 8) throw FramingError("spdy: short SETTINGS frame");
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t flagsAndId = getU32(payload, 4 + i * 8);
        f.settings.push_back(
            {uint8_t(flagsAndId >> 24), flagsAndId & 0xffffff, getU32(payload, 8 + i * 8)});
      }
      break;
    }
    case uint16_t(FrameType::Ping):
      requireLength(payload, 4, "PING");
      f.type = FrameType::Ping;
      f.pingId = getU32(payload, 0);
      break;
    case uint16_t(FrameType::GoAway):
      requireLength(payload, 4, "GOAWAY");
      f.type = FrameType::GoAway;
      f.lastGoodStreamId = getU32(payload, 0) & 0x7fffffff;
      // SPDY/3 added the status; a 4-byte GOAWAY (SPDY/2 style) reads as OK.
      f.status = payload.size() >= 8 ? getU32(payload, 4) : 0;
      break;
    case uint16_t(FrameType::WindowUpdate):
      requireLength(payload, 8, "WINDOW_UPDATE");
      f.type = FrameType::WindowUpdate;
      f.streamId = getU32(payload, 0) & 0x7fffffff;
      f.deltaWindowSize = getU32(payload, 4) & 0x7fffffff;
      break;
    default:
      // The spec says to ignore control frames of unknown types (NOOP, CREDENTIAL, ...).
      f.type = FrameType::Data;
      f.unknownType = type;
      break;
  }
  return f;
}

}  // namespace cube::agent::spdy
