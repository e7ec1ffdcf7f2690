#include "api/kinds/core/data_size.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

void validateDataKey(std::string_view field, const std::string& k, v::Causes& out) {
  for (auto& m : v::isConfigMapKey(k))
    out.push_back(v::invalid(v::key(field, k), json::value(k), m));
}

int64_t base64DecodedSize(std::string_view text) {
  int64_t n = static_cast<int64_t>(text.size());
  int64_t padding = 0;
  if (n > 0 && text[n - 1] == '=') ++padding;
  if (n > 1 && text[n - 2] == '=') ++padding;
  return n / 4 * 3 + (n % 4 ? (n % 4) - 1 : 0) - padding;
}

std::string base64Encode(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

v::Causes validateImmutableData(const json::object& obj, const json::object& old,
                                std::initializer_list<std::string_view> fields) {
  v::Causes out;
  if (!v::getBool(old, "immutable").value_or(false)) return out;
  if (!v::getBool(obj, "immutable").value_or(false))
    out.push_back(v::forbidden("immutable", "field is immutable when `immutable` is set"));
  for (auto f : fields) {
    const json::value* a = obj.if_contains(f);
    const json::value* b = old.if_contains(f);
    // An absent map and an empty one are the same.
    auto empty = [](const json::value* x) {
      return !x || x->is_null() || (x->is_object() && x->as_object().empty());
    };
    if (empty(a) && empty(b)) continue;
    if (!a || !b || *a != *b)
      out.push_back(v::forbidden(std::string(f), "field is immutable when `immutable` is set"));
  }
  return out;
}

}  // namespace cube::api::kinds::core
