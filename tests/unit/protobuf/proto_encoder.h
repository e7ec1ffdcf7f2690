#pragma once
// A test-only protobuf writer, just enough to hand-build the bodies kubectl's typed clients send.

#include "api/protobuf/protobuf_decoder.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cube::api::testing {

class Msg {
 public:
  Msg& varint(int field, uint64_t v) {
    key(field, 0);
    putVarint(v);
    return *this;
  }
  Msg& sint(int field, int64_t v) { return varint(field, static_cast<uint64_t>(v)); }
  Msg& str(int field, std::string_view s) {
    key(field, 2);
    putVarint(s.size());
    bytes_.append(s);
    return *this;
  }
  Msg& msg(int field, const Msg& m) { return str(field, m.bytes()); }
  Msg& fixed64(int field, uint64_t v) {
    key(field, 1);
    for (int i = 0; i < 8; ++i) bytes_ += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  Msg& dbl(int field, double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    return fixed64(field, v);
  }
  Msg& fixed32(int field, uint32_t v) {
    key(field, 5);
    for (int i = 0; i < 4; ++i) bytes_ += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  // A map entry {1: key, 2: string value}.
  Msg& entry(int field, std::string_view k, std::string_view v) {
    return msg(field, Msg().str(1, k).str(2, v));
  }
  Msg& entry(int field, std::string_view k, const Msg& v) {
    return msg(field, Msg().str(1, k).msg(2, v));
  }
  Msg& rawBytes(std::string_view b) {
    bytes_.append(b);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void key(int field, int wire) { putVarint(static_cast<uint64_t>(field) << 3 | wire); }
  void putVarint(uint64_t v) {
    while (v >= 0x80) {
      bytes_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes_ += static_cast<char>(v);
  }
  std::string bytes_;
};

// magic + runtime.Unknown{1: TypeMeta{apiVersion, kind}, 2: raw object}
inline std::string envelope(std::string_view apiVersion, std::string_view kind, const Msg& obj) {
  return std::string(kKubernetesProtobufMagic) +
         Msg().msg(1, Msg().str(1, apiVersion).str(2, kind)).msg(2, obj).str(4, "").bytes();
}

inline Msg timeMsg(int64_t seconds, int32_t nanos = 0) {
  Msg m;
  if (seconds != 0) m.sint(1, seconds);
  if (nanos != 0) m.sint(2, nanos);
  return m;
}

}  // namespace cube::api::testing
