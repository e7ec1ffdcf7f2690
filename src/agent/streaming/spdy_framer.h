#pragma once
// SPDY/3.1 framing: the byte format `kubectl port-forward` (and exec/attach over SPDY) speaks
// after the HTTP upgrade. Frames are encoded and decoded here; what they mean to a session is
// PortForwardSession's business.
//
// Header blocks are zlib streams primed with the SPDY/3 dictionary, one compression context per
// direction for the whole connection: a FrameEncoder and a FrameDecoder each own one, so a
// connection needs exactly one of each, used in wire order.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cube::agent::spdy {

enum class FrameType : uint16_t {
  Data = 0,  // not a control frame type: data frames carry no type on the wire
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
};

constexpr uint8_t kFlagFin = 0x01;             // data frames, SYN_STREAM, SYN_REPLY, HEADERS
constexpr uint8_t kFlagUnidirectional = 0x02;  // SYN_STREAM only

// RST_STREAM status codes.
enum class RstStatus : uint32_t {
  ProtocolError = 1,
  InvalidStream = 2,
  RefusedStream = 3,
  UnsupportedVersion = 4,
  Cancel = 5,
  InternalError = 6,
  FlowControlError = 7,
  StreamInUse = 8,
  StreamAlreadyClosed = 9,
};

// GOAWAY status codes.
enum class GoAwayStatus : uint32_t { Ok = 0, ProtocolError = 1, InternalError = 2 };

// SETTINGS ids this project reads.
constexpr uint32_t kSettingsInitialWindowSize = 7;

// The window every stream (and, in 3.1, the session) starts with.
constexpr int64_t kInitialWindow = 64 * 1024;

// Name/value pairs in wire order. Names are lowercase on the wire; a value holding several
// values separates them with NUL, as the spec says.
using HeaderBlock = std::vector<std::pair<std::string, std::string>>;

// The first value of `name` in `headers`, or nullopt.
std::optional<std::string> headerValue(const HeaderBlock& headers, std::string_view name);

struct Setting {
  uint8_t flags = 0;
  uint32_t id = 0;
  uint32_t value = 0;
};

// One frame, decoded or to encode. Only the fields of its type mean anything.
struct Frame {
  FrameType type = FrameType::Data;
  uint8_t flags = 0;
  uint32_t streamId = 0;  // data, SYN_STREAM/REPLY, RST, HEADERS, WINDOW_UPDATE (0: session)
  uint32_t associatedStreamId = 0;  // SYN_STREAM
  uint8_t priority = 0;             // SYN_STREAM, 0 (highest) to 7
  HeaderBlock headers;              // SYN_STREAM, SYN_REPLY, HEADERS
  std::string data;                 // data frames
  uint32_t status = 0;              // RST_STREAM (RstStatus), GOAWAY (GoAwayStatus)
  uint32_t pingId = 0;              // PING
  uint32_t lastGoodStreamId = 0;    // GOAWAY
  uint32_t deltaWindowSize = 0;     // WINDOW_UPDATE
  std::vector<Setting> settings;    // SETTINGS
  uint16_t unknownType = 0;         // a control frame type this framer does not know (then ignored)

  bool fin() const { return flags & kFlagFin; }
};

// Input that is not SPDY/3: the connection cannot go on (the session answers with GOAWAY).
class FramingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The SPDY/3 header compression dictionary (a protocol constant from the spec).
const std::string& headerDictionary();

// Compresses header blocks for one direction of one connection.
class HeaderCompressor {
 public:
  HeaderCompressor();
  ~HeaderCompressor();
  HeaderCompressor(const HeaderCompressor&) = delete;
  HeaderCompressor& operator=(const HeaderCompressor&) = delete;
  std::string compress(const HeaderBlock& headers);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Decompresses the header blocks of one direction of one connection, in wire order.
class HeaderDecompressor {
 public:
  HeaderDecompressor();
  ~HeaderDecompressor();
  HeaderDecompressor(const HeaderDecompressor&) = delete;
  HeaderDecompressor& operator=(const HeaderDecompressor&) = delete;
  // Throws FramingError on a corrupt stream or a malformed block.
  HeaderBlock decompress(std::string_view compressed);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Encodes frames for one direction of one connection (it owns that direction's compressor).
class FrameEncoder {
 public:
  std::string encode(const Frame& frame);

  std::string synStream(uint32_t streamId, const HeaderBlock& headers, uint8_t flags = 0);
  std::string synReply(uint32_t streamId, const HeaderBlock& headers = {}, uint8_t flags = 0);
  std::string data(uint32_t streamId, std::string_view payload, bool fin = false);
  std::string rstStream(uint32_t streamId, RstStatus status);
  std::string ping(uint32_t id);
  std::string goAway(uint32_t lastGoodStreamId, GoAwayStatus status);
  std::string windowUpdate(uint32_t streamId, uint32_t delta);
  std::string settings(const std::vector<Setting>& settings);

 private:
  HeaderCompressor compressor_;
};

// Decodes frames from bytes that arrive in pieces of any size.
class FrameDecoder {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame, or nullopt until more bytes come. Throws FramingError.
  std::optional<Frame> next();
  // Bytes fed but not yet decoded (part of a frame).
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  Frame decodeControl(uint16_t version, uint16_t type, uint8_t flags, std::string_view payload);

  std::string buffer_;
  size_t offset_ = 0;  // start of the first undecoded frame in buffer_
  HeaderDecompressor decompressor_;
};

}  // namespace cube::agent::spdy
