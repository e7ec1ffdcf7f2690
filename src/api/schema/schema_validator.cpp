#include "api/schema/schema_validator.h"

#include "common/quantity.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

namespace cube::api {

namespace json = boost::json;

namespace {

// The Go spelling of a schema type, as Kubernetes' decoding errors name it (`int32`,
// `[]v1.Container`, `map[string]string`, `v1.PodSpec`).
std::string goTypeName(const Type& t) {
  switch (t.kind) {
    case TypeKind::Object: {
      // io.k8s.api.core.v1.PodSpec -> v1.PodSpec
      size_t last = t.name.rfind('.');
      size_t prev =
          last == std::string::npos || last == 0 ? std::string::npos : t.name.rfind('.', last - 1);
      return prev == std::string::npos ? t.name : t.name.substr(prev + 1);
    }
    case TypeKind::Map:
      return "map[string]" + (t.elem ? goTypeName(*t.elem) : std::string("interface {}"));
    case TypeKind::Array:
      return "[]" + (t.elem ? goTypeName(*t.elem) : std::string("interface {}"));
    case TypeKind::String:
      return "string";
    case TypeKind::Integer:
      return t.format == "int32" ? "int32" : "int64";
    case TypeKind::Number:
      return "float64";
    case TypeKind::Boolean:
      return "bool";
    case TypeKind::IntOrString:
      return "intstr.IntOrString";
    case TypeKind::Quantity:
      return "resource.Quantity";
    case TypeKind::Time:
      return "v1.Time";
    case TypeKind::MicroTime:
      return "v1.MicroTime";
    case TypeKind::Bytes:
      return "[]uint8";
    case TypeKind::Any:
      return "interface {}";
  }
  return "interface {}";
}

// How Go's decoder describes the JSON value it could not store: "string", "number 1.5", ...
// Go names the literal only when it was aiming for an integer ("number 1.5", "number 1e10").
std::string jsonValueWord(const json::value& v, bool integerTarget) {
  switch (v.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    case json::kind::double_: {
      if (!integerTarget) return "number";
      // Shortest round-trip form ("1.5"), closer to the literal Go quotes than "1.5E0".
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, v.get_double());
      return "number " + std::string(buf, res.ptr);
    }
    case json::kind::int64:
    case json::kind::uint64:
      return integerTarget ? "number " + json::serialize(v) : std::string("number");
    case json::kind::null:
      return "null";
  }
  return "value";
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 3339 as Go's time.RFC3339 parser accepts it: 2006-01-02T15:04:05[.frac](Z|+07:00).
bool isRfc3339(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) {
    if (pos + n > s.size()) return false;
    for (size_t i = pos; i < pos + n; ++i) {
      if (!isDigit(s[i])) return false;
    }
    return true;
  };
  if (!digits(0, 4) || s.size() < 20 || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' ||
      !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
    return false;
  }
  auto num = [&](size_t pos) { return (s[pos] - '0') * 10 + (s[pos + 1] - '0'); };
  int month = num(5), day = num(8), hour = num(11), minute = num(14), second = num(17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && isDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return pos + 1 == s.size();
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    return pos + 6 == s.size() && digits(pos + 1, 2) && s[pos + 3] == ':' && digits(pos + 4, 2) &&
           num(pos + 1) <= 23 && num(pos + 4) <= 59;
  }
  return false;
}

// Standard padded base64 (Go's encoding of []byte); returns the offset of the first bad byte or
// npos when valid.
size_t badBase64At(std::string_view s) {
  auto isB64 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '+' || c == '/';
  };
  size_t n = s.size();
  size_t pad = 0;
  while (pad < 2 && pad < n && s[n - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < n - pad; ++i) {
    if (!isB64(s[i])) return i;
  }
  if (n % 4 != 0) return (n / 4) * 4;
  return std::string_view::npos;
}

constexpr std::string_view kQuantityMessage =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

class Checker {
 public:
  explicit Checker(const SchemaCheckOptions& options) : options_(options) {}

  void check(const Type& type, const json::value& value, const Field* field) {
    if (value.is_null()) return;  // null decodes to the zero value
    switch (type.kind) {
      case TypeKind::Object:
        checkObject(type, value);
        return;
      case TypeKind::Array:
        if (!value.is_array()) return typeError(type, value);
        for (size_t i = 0; i < value.get_array().size(); ++i) {
          size_t mark = path_.size();
          path_ += "[" + std::to_string(i) + "]";
          if (type.elem) check(*type.elem, value.get_array()[i], nullptr);
          path_.resize(mark);
        }
        return;
      case TypeKind::Map:
        if (!value.is_object()) return typeError(type, value);
        for (const auto& kv : value.get_object()) {
          size_t mark = path_.size();
          path_ += ".";
          path_.append(kv.key().data(), kv.key().size());
          if (type.elem) check(*type.elem, kv.value(), nullptr);
          path_.resize(mark);
        }
        return;
      case TypeKind::String:
        if (!value.is_string()) return typeError(type, value);
        break;
      case TypeKind::Integer:
        if (!fitsInteger(value, type.format == "int32")) return typeError(type, value);
        break;
      case TypeKind::Number:
        if (!value.is_number()) return typeError(type, value);
        break;
      case TypeKind::Boolean:
        if (!value.is_bool()) return typeError(type, value);
        break;
      case TypeKind::IntOrString:
        if (!value.is_string() && !fitsInteger(value, true)) {
          return invalid("json: cannot unmarshal " + jsonValueWord(value, true) +
                         " into Go value of type int32");
        }
        break;
      case TypeKind::Quantity:
        if (value.is_string()) {
          if (!canonicalQuantity(value.get_string())) invalid(std::string(kQuantityMessage));
        } else if (!value.is_number()) {
          invalid(std::string(kQuantityMessage));
        }
        return;
      case TypeKind::Time:
      case TypeKind::MicroTime:
        if (!value.is_string()) {
          return invalid("json: cannot unmarshal " + jsonValueWord(value, false) +
                         " into Go value of type string");
        }
        if (!isRfc3339(value.get_string())) {
          std::string s(value.get_string());
          invalid("parsing time \"" + s + "\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"" +
                  s + "\" as RFC 3339");
        }
        return;
      case TypeKind::Bytes:
        if (!value.is_string()) return typeError(type, value);
        if (size_t at = badBase64At(value.get_string()); at != std::string_view::npos) {
          invalid("illegal base64 data at input byte " + std::to_string(at));
        }
        return;
      case TypeKind::Any:
        return;
    }
    if (field != nullptr && !field->enumValues.empty()) checkEnum(*field, value);
  }

  SchemaCheck result;

 private:
  void checkObject(const Type& type, const json::value& value) {
    if (!value.is_object()) return typeError(type, value);
    const Type* outerStruct = struct_;
    size_t goMark = goPath_.size();
    struct_ = &type;
    bool root = path_.empty() && outerStruct == nullptr;
    for (const auto& kv : value.get_object()) {
      std::string_view key(kv.key().data(), kv.key().size());
      size_t mark = path_.size();
      if (!path_.empty()) path_ += ".";
      path_ += key;
      if (!goPath_.empty()) goPath_ += ".";
      goPath_ += key;
      const Field* f = type.field(key);
      if (f != nullptr && f->type != nullptr) {
        check(*f->type, kv.value(), f);
      } else if (f == nullptr &&
                 !(root && options_.allowTypeMeta && (key == "apiVersion" || key == "kind"))) {
        result.unknownFields.push_back(path_);
      } else if (f == nullptr && !kv.value().is_string() && !kv.value().is_null()) {
        typeError(*stringType(), kv.value());
      }
      path_.resize(mark);
      goPath_.resize(goMark);
    }
    if (options_.checkRequired) {
      const json::object& obj = value.get_object();
      for (const Field& f : type.fields) {
        if (!f.required) continue;
        auto it = obj.find(f.name);
        if (it != obj.end() && !it->value().is_null()) continue;
        result.errors.push_back({"FieldValueRequired", "Required value",
                                 path_.empty() ? f.name : path_ + "." + f.name});
      }
    }
    struct_ = outerStruct;
  }

  static const Type* stringType() {
    static const Type t = [] {
      Type s;
      s.kind = TypeKind::String;
      return s;
    }();
    return &t;
  }

  static bool fitsInteger(const json::value& v, bool int32) {
    int64_t lo = int32 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int64_t>::min();
    int64_t hi = int32 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max();
    if (v.is_int64()) return v.get_int64() >= lo && v.get_int64() <= hi;
    if (v.is_uint64()) return v.get_uint64() <= static_cast<uint64_t>(hi);
    return false;
  }

  void checkEnum(const Field& field, const json::value& value) {
    std::string text = value.is_string() ? std::string(value.get_string()) : json::serialize(value);
    if (std::find(field.enumValues.begin(), field.enumValues.end(), text) !=
        field.enumValues.end()) {
      return;
    }
    result.errors.push_back(
        {"FieldValueNotSupported", unsupportedValueMessage(value, field.enumValues), path_});
  }

  // Go's "json: cannot unmarshal X into Go struct field S.a.b of type T".
  void typeError(const Type& expected, const json::value& value) {
    std::string msg =
        "json: cannot unmarshal " + jsonValueWord(value, expected.kind == TypeKind::Integer);
    if (struct_ != nullptr && !goPath_.empty()) {
      std::string structName = goTypeName(*struct_);
      structName = structName.substr(structName.find('.') + 1);
      msg += " into Go struct field " + structName + "." + goPath_;
    } else {
      msg += " into Go value";
    }
    msg += " of type " + goTypeName(expected);
    invalid(std::move(msg));
  }

  void invalid(std::string message) {
    result.errors.push_back({"FieldValueInvalid", std::move(message), path_});
  }

  const SchemaCheckOptions& options_;
  std::string path_;    // kubectl path of the value being checked
  std::string goPath_;  // the same without indices and map keys, as Go's decoder reports it
  const Type* struct_ = nullptr;  // innermost object type around the value
};

}  // namespace

std::string unsupportedValueMessage(const json::value& value,
                                    const std::vector<std::string>& supported) {
  std::string msg = "Unsupported value: ";
  msg += json::serialize(value);  // strings come out quoted, as Go's %q prints them
  msg += ": supported values: ";
  for (size_t i = 0; i < supported.size(); ++i) {
    if (i > 0) msg += ", ";
    msg += json::serialize(json::value(supported[i]));
  }
  return msg;
}

SchemaCheck checkAgainstSchema(const Type& type, const json::value& value,
                               const SchemaCheckOptions& options) {
  Checker checker(options);
  checker.check(type, value, nullptr);
  return std::move(checker.result);
}

}  // namespace cube::api
