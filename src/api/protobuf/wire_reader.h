#pragma once
// A bounds-checked reader of the protobuf wire format (varints, fixed 32/64-bit values and
// length-delimited fields). Request bodies are untrusted: every read checks the remaining length
// and a malformed body throws ApiError::badRequest, never reads past the end.

#include <cstdint>
#include <string_view>

namespace cube::api::protobuf {

enum class WireType : int { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

struct FieldKey {
  int number = 0;
  WireType wireType = WireType::Varint;
};

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool atEnd() const { return pos_ >= data_.size(); }

  // The next field's number and wire type. Rejects field number 0 and the group wire types
  // (3, 4), which Kubernetes' messages never use.
  FieldKey readKey();
  uint64_t readVarint();
  uint64_t readFixed64();
  uint32_t readFixed32();
  // A length-delimited payload: a view into the input, valid as long as the input is.
  std::string_view readLengthDelimited();
  // Skips one value of the given wire type (an unknown field).
  void skip(WireType wireType);

 private:
  std::string_view take(size_t n, const char* what);

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace cube::api::protobuf
