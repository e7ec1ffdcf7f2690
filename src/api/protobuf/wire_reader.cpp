#include "api/protobuf/wire_reader.h"

#include "common/api_error.h"

#include <string>

namespace cube::api::protobuf {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw ApiError::badRequest("unable to decode the protobuf body: " + what);
}

}  // namespace

std::string_view WireReader::take(size_t n, const char* what) {
  if (n > data_.size() - pos_) malformed(std::string(what) + " runs past the end of the data");
  std::string_view out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

uint64_t WireReader::readVarint() {
  uint64_t value = 0;
  // At most 10 bytes carry 64 bits; a longer run is corrupt rather than a bigger number.
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size()) malformed("truncated varint");
    auto byte = static_cast<uint8_t>(data_[pos_++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  malformed("varint longer than 10 bytes");
}

uint64_t WireReader::readFixed64() {
  std::string_view b = take(8, "fixed64 value");
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i]);  // little-endian
  return v;
}

uint32_t WireReader::readFixed32() {
  std::string_view b = take(4, "fixed32 value");
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

std::string_view WireReader::readLengthDelimited() {
  uint64_t length = readVarint();
  if (length > data_.size() - pos_) malformed("length-delimited field runs past the end");
  return take(static_cast<size_t>(length), "length-delimited field");
}

FieldKey WireReader::readKey() {
  uint64_t key = readVarint();
  uint64_t number = key >> 3;
  int wire = static_cast<int>(key & 7);
  if (number == 0 || number > 536870911)
    malformed("invalid field number " + std::to_string(number));
  if (wire != 0 && wire != 1 && wire != 2 && wire != 5) {
    malformed("unsupported wire type " + std::to_string(wire) + " for field " +
              std::to_string(number));
  }
  return {static_cast<int>(number), static_cast<WireType>(wire)};
}

void WireReader::skip(WireType wireType) {
  switch (wireType) {
    case WireType::Varint:
      readVarint();
      return;
    case WireType::Fixed64:
      take(8, "fixed64 value");
      return;
    case WireType::LengthDelimited:
      readLengthDelimited();
      return;
    case WireType::Fixed32:
      take(4, "fixed32 value");
      return;
  }
}

}  // namespace cube::api::protobuf
