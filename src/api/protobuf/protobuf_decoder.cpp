#include "api/protobuf/protobuf_decoder.h"

#include "api/protobuf/wire_reader.h"
#include "common/api_error.h"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <optional>
#include <vector>

namespace cube::api {

namespace json = boost::json;
using protobuf::FieldKey;
using protobuf::WireReader;
using protobuf::WireType;

namespace {

// Far more than any real object needs (a pod is about 8 levels deep), small enough that the
// recursion cannot exhaust the stack.
constexpr int kMaxDepth = 100;

[[noreturn]] void malformed(const std::string& what) {
  throw ApiError::badRequest("unable to decode the protobuf body: " + what);
}

const char* wireTypeName(WireType w) {
  switch (w) {
    case WireType::Varint:
      return "varint";
    case WireType::Fixed64:
      return "fixed64";
    case WireType::LengthDelimited:
      return "length-delimited";
    case WireType::Fixed32:
      return "fixed32";
  }
  return "?";
}

void expectWire(const FieldKey& key, WireType want, const std::string& path) {
  if (key.wireType != want) {
    malformed(std::string("wrong wire type ") + wireTypeName(key.wireType) + " for field " + path +
              " (want " + wireTypeName(want) + ")");
  }
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                 static_cast<uint8_t>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// metav1.Time / MicroTime as Go's JSON encoder writes them (UTC; Time truncated to seconds,
// MicroTime to microseconds). Go refuses to encode years outside 0..9999, so do we.
std::string formatTime(int64_t seconds, int64_t nanos, bool micro, const std::string& path) {
  constexpr int64_t kFirst = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr int64_t kLast = 253402300799;   // 9999-12-31T23:59:59Z
  if (seconds < kFirst - 1 || seconds > kLast + 1) malformed("time out of range in " + path);
  // Normalise nanos into [0, 1e9) as Go's time.Unix does.
  seconds += nanos / 1000000000;
  nanos %= 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --seconds;
  }
  if (seconds < kFirst || seconds > kLast) malformed("time out of range in " + path);
  using namespace std::chrono;
  sys_seconds tp{std::chrono::seconds{seconds}};
  sys_days day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[40];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                    static_cast<int>(hms.seconds().count()));
  std::string out(buf, n);
  if (micro) {
    std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(nanos / 1000));
    out += buf;
  }
  out += 'Z';
  return out;
}

bool isZero(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return v.get_string().empty();
    case json::kind::int64:
      return v.get_int64() == 0;
    case json::kind::uint64:
      return v.get_uint64() == 0;
    case json::kind::double_:
      return v.get_double() == 0;
    case json::kind::bool_:
      return !v.get_bool();
    default:
      return false;
  }
}

// The value a map entry without a value field stands for (proto: the value type's default).
json::value zeroValue(const Type& t) {
  switch (t.kind) {
    case TypeKind::Object:
    case TypeKind::Map:
      return json::object();
    case TypeKind::Array:
      return json::array();
    case TypeKind::String:
    case TypeKind::Bytes:
      return "";
    case TypeKind::Integer:
    case TypeKind::IntOrString:
      return 0;
    case TypeKind::Number:
      return 0.0;
    case TypeKind::Boolean:
      return false;
    case TypeKind::Quantity:
      return "0";
    default:
      return nullptr;
  }
}

// What a wire field numbered `tag` stands for inside the message at `prefix` (the tag path of
// an inlined message within `type`; empty for the type's own message).
struct TagMatch {
  const Field* field = nullptr;  // the field itself: its path is prefix + tag
  bool inlined = false;          // a message holding inlined fields: paths begin prefix + tag
};

TagMatch matchTag(const Type& type, const std::vector<int>& prefix, int tag) {
  TagMatch match;
  for (const Field& f : type.fields) {
    const std::vector<int>& p = f.protoPath;
    if (p.size() <= prefix.size() || p[prefix.size()] != tag ||
        !std::equal(prefix.begin(), prefix.end(), p.begin())) {
      continue;
    }
    // The parser keeps a path from beginning another, so a match is one or the other.
    if (p.size() == prefix.size() + 1) return {&f, false};
    match.inlined = true;
  }
  return match;
}

class Decoder {
 public:
  explicit Decoder(const ProtobufTypeResolver& typeFor) : typeFor_(typeFor) {}

  json::object decodeEnvelope(std::string_view body, int depth) {
    if (depth > kMaxDepth) malformed("nesting deeper than " + std::to_string(kMaxDepth));
    if (!body.starts_with(kKubernetesProtobufMagic)) {
      malformed("the body does not start with the Kubernetes protobuf prefix");
    }
    WireReader r(body.substr(kKubernetesProtobufMagic.size()));
    std::string apiVersion, kind, encoding;
    std::string_view raw;
    while (!r.atEnd()) {
      FieldKey key = r.readKey();
      if (key.number == 1) {
        expectWire(key, WireType::LengthDelimited, "typeMeta");
        WireReader meta(r.readLengthDelimited());
        while (!meta.atEnd()) {
          FieldKey k = meta.readKey();
          if (k.number == 1 || k.number == 2) {
            expectWire(k, WireType::LengthDelimited, k.number == 1 ? "apiVersion" : "kind");
            (k.number == 1 ? apiVersion : kind) = meta.readLengthDelimited();
          } else {
            meta.skip(k.wireType);
          }
        }
      } else if (key.number == 2) {
        expectWire(key, WireType::LengthDelimited, "raw");
        raw = r.readLengthDelimited();
      } else if (key.number == 3) {
        expectWire(key, WireType::LengthDelimited, "contentEncoding");
        encoding = r.readLengthDelimited();
      } else {
        r.skip(key.wireType);  // contentType and anything newer
      }
    }
    if (!encoding.empty()) malformed("unsupported content encoding \"" + encoding + "\"");
    if (kind.empty()) throw ApiError::badRequest("Object 'Kind' is missing in the protobuf body");
    const Type* type = typeFor_(apiVersion, kind);
    if (type == nullptr || type->kind != TypeKind::Object) {
      throw ApiError::badRequest("no kind \"" + kind + "\" is registered for version \"" +
                                 apiVersion + "\"");
    }
    json::object out;
    out["apiVersion"] = apiVersion;
    out["kind"] = kind;
    decodeMessage(raw, *type, out, depth + 1, "");
    return out;
  }

 private:
  void decodeMessage(std::string_view data, const Type& type, json::object& into, int depth,
                     const std::string& path) {
    std::vector<int> prefix;
    decodeFields(data, type, prefix, into, depth, path);
  }

  // The fields of `type` whose tag paths begin `prefix`, from the message `data`. Go's inline
  // embedding flattens a nested message into its parent's JSON object, so an inlined message is
  // decoded into the same `into`.
  void decodeFields(std::string_view data, const Type& type, std::vector<int>& prefix,
                    json::object& into, int depth, const std::string& path) {
    if (depth > kMaxDepth) malformed("nesting deeper than " + std::to_string(kMaxDepth));
    WireReader r(data);
    while (!r.atEnd()) {
      FieldKey key = r.readKey();
      TagMatch match = matchTag(type, prefix, key.number);
      if (match.field != nullptr && match.field->type != nullptr) {
        const std::string& name = match.field->name;
        decodeField(*match.field, key, r, into, depth, path.empty() ? name : path + "." + name);
      } else if (match.inlined) {
        expectWire(
            key, WireType::LengthDelimited,
            (path.empty() ? "" : path + " ") + "(inlined " + std::to_string(key.number) + ")");
        prefix.push_back(key.number);
        decodeFields(r.readLengthDelimited(), type, prefix, into, depth + 1, path);
        prefix.pop_back();
      } else {
        r.skip(key.wireType);
      }
    }
  }

  void decodeField(const Field& f, const FieldKey& key, WireReader& r, json::object& into,
                   int depth, const std::string& path) {
    const Type& t = *f.type;
    switch (t.kind) {
      case TypeKind::Array: {
        // Each occurrence appends (a packed run appends several).
        json::value& slot = into[f.name];
        if (!slot.is_array()) slot = json::array();
        if (t.elem != nullptr)
          appendElements(*t.elem, key, r, slot.get_array(), depth, path);
        else
          r.skip(key.wireType);
        return;
      }
      case TypeKind::Map: {
        expectWire(key, WireType::LengthDelimited, path);
        json::value& slot = into[f.name];
        if (!slot.is_object()) slot = json::object();
        decodeMapEntry(t, r.readLengthDelimited(), slot.get_object(), depth + 1, path);
        return;
      }
      case TypeKind::Object: {
        // A repeated occurrence of a message field merges into the first, as protobuf does.
        expectWire(key, WireType::LengthDelimited, path);
        json::value& slot = into[f.name];
        if (!slot.is_object()) slot = json::object();
        decodeMessage(r.readLengthDelimited(), t, slot.get_object(), depth + 1, path);
        return;
      }
      default: {
        std::optional<json::value> v = decodeScalar(t, key, r, depth, path);
        if (!v || (isZero(*v) && !f.required && !f.pointer)) {
          into.erase(f.name);
        } else {
          into[f.name] = std::move(*v);
        }
        return;
      }
    }
  }

  void appendElements(const Type& elem, const FieldKey& key, WireReader& r, json::array& out,
                      int depth, const std::string& path) {
    bool packable = elem.kind == TypeKind::Integer || elem.kind == TypeKind::Number ||
                    elem.kind == TypeKind::Boolean;
    if (packable && key.wireType == WireType::LengthDelimited) {
      WireReader packed(r.readLengthDelimited());
      FieldKey one{key.number,
                   elem.kind == TypeKind::Number ? WireType::Fixed64 : WireType::Varint};
      while (!packed.atEnd()) out.push_back(*decodeScalar(elem, one, packed, depth, path));
      return;
    }
    out.push_back(
        decodeContained(elem, key, r, depth, path + "[" + std::to_string(out.size()) + "]"));
  }

  // A value inside a list or map: kept even when zero. Lists and maps nested in a list or map
  // travel in a wrapper message whose field 1 holds the elements (or entries).
  json::value decodeContained(const Type& t, const FieldKey& key, WireReader& r, int depth,
                              const std::string& path) {
    switch (t.kind) {
      case TypeKind::Object: {
        expectWire(key, WireType::LengthDelimited, path);
        json::object o;
        decodeMessage(r.readLengthDelimited(), t, o, depth + 1, path);
        return o;
      }
      case TypeKind::Array:
      case TypeKind::Map: {
        expectWire(key, WireType::LengthDelimited, path);
        if (depth + 1 > kMaxDepth) malformed("nesting deeper than " + std::to_string(kMaxDepth));
        WireReader wrapper(r.readLengthDelimited());
        json::array items;
        json::object entries;
        while (!wrapper.atEnd()) {
          FieldKey k = wrapper.readKey();
          if (k.number != 1 || t.elem == nullptr) {
            wrapper.skip(k.wireType);
          } else if (t.kind == TypeKind::Array) {
            appendElements(*t.elem, k, wrapper, items, depth + 1, path);
          } else {
            expectWire(k, WireType::LengthDelimited, path);
            decodeMapEntry(t, wrapper.readLengthDelimited(), entries, depth + 2, path);
          }
        }
        if (t.kind == TypeKind::Array) return items;
        return entries;
      }
      default: {
        std::optional<json::value> v = decodeScalar(t, key, r, depth, path);
        return v ? std::move(*v) : json::value(nullptr);
      }
    }
  }

  // One map entry message {1: key string, 2: value}.
  void decodeMapEntry(const Type& mapType, std::string_view entry, json::object& out, int depth,
                      const std::string& path) {
    if (depth > kMaxDepth) malformed("nesting deeper than " + std::to_string(kMaxDepth));
    WireReader e(entry);
    std::string key;
    std::optional<json::value> value;
    while (!e.atEnd()) {
      FieldKey k = e.readKey();
      if (k.number == 1) {
        expectWire(k, WireType::LengthDelimited, path + " (map key)");
        key = e.readLengthDelimited();
      } else if (k.number == 2 && mapType.elem != nullptr) {
        value = decodeContained(*mapType.elem, k, e, depth, path + "." + key);
      } else {
        e.skip(k.wireType);
      }
    }
    if (!value) value = mapType.elem != nullptr ? zeroValue(*mapType.elem) : json::value(nullptr);
    out[key] = std::move(*value);
  }

  // A scalar-like value (everything but objects, lists and maps); nullopt when Go would write
  // null (a zero time, an empty raw extension).
  std::optional<json::value> decodeScalar(const Type& t, const FieldKey& key, WireReader& r,
                                          int depth, const std::string& path) {
    switch (t.kind) {
      case TypeKind::String:
        expectWire(key, WireType::LengthDelimited, path);
        return json::value(json::string(r.readLengthDelimited()));
      case TypeKind::Integer: {
        expectWire(key, WireType::Varint, path);
        // Go writes negative int32/int64 as the 64-bit two's complement; int32 keeps the low half.
        uint64_t u = r.readVarint();
        if (t.format == "int32") return json::value(static_cast<int32_t>(static_cast<uint32_t>(u)));
        return json::value(static_cast<int64_t>(u));
      }
      case TypeKind::Number:
        expectWire(key, WireType::Fixed64, path);
        return json::value(std::bit_cast<double>(r.readFixed64()));
      case TypeKind::Boolean:
        expectWire(key, WireType::Varint, path);
        return json::value(r.readVarint() != 0);
      case TypeKind::Bytes:
        expectWire(key, WireType::LengthDelimited, path);
        return json::value(base64(r.readLengthDelimited()));
      case TypeKind::Quantity: {
        expectWire(key, WireType::LengthDelimited, path);
        std::string s = "0";  // an empty Quantity message is the zero quantity
        WireReader q(r.readLengthDelimited());
        while (!q.atEnd()) {
          FieldKey k = q.readKey();
          if (k.number == 1) {
            expectWire(k, WireType::LengthDelimited, path);
            s = q.readLengthDelimited();
          } else {
            q.skip(k.wireType);
          }
        }
        return json::value(s);
      }
      case TypeKind::IntOrString: {
        expectWire(key, WireType::LengthDelimited, path);
        int64_t which = 0;
        int32_t intVal = 0;
        std::string strVal;
        WireReader m(r.readLengthDelimited());
        while (!m.atEnd()) {
          FieldKey k = m.readKey();
          if (k.number == 1 || k.number == 2) {
            expectWire(k, WireType::Varint, path);
            uint64_t u = m.readVarint();
            if (k.number == 1)
              which = static_cast<int64_t>(u);
            else
              intVal = static_cast<int32_t>(static_cast<uint32_t>(u));
          } else if (k.number == 3) {
            expectWire(k, WireType::LengthDelimited, path);
            strVal = m.readLengthDelimited();
          } else {
            m.skip(k.wireType);
          }
        }
        if (which == 1) return json::value(strVal);
        return json::value(intVal);
      }
      case TypeKind::Time:
      case TypeKind::MicroTime: {
        expectWire(key, WireType::LengthDelimited, path);
        int64_t seconds = 0;
        int32_t nanos = 0;
        WireReader m(r.readLengthDelimited());
        while (!m.atEnd()) {
          FieldKey k = m.readKey();
          if (k.number == 1 || k.number == 2) {
            expectWire(k, WireType::Varint, path);
            uint64_t u = m.readVarint();
            if (k.number == 1)
              seconds = static_cast<int64_t>(u);
            else
              nanos = static_cast<int32_t>(static_cast<uint32_t>(u));
          } else {
            m.skip(k.wireType);
          }
        }
        if (seconds == 0 && nanos == 0) return std::nullopt;  // Go's zero time encodes as null
        return json::value(formatTime(seconds, nanos, t.kind == TypeKind::MicroTime, path));
      }
      case TypeKind::Any:
        return decodeRaw(key, r, depth, path);
      default:
        r.skip(key.wireType);
        return std::nullopt;
    }
  }

  // runtime.RawExtension / metav1.FieldsV1: {1: raw bytes}. Clients put JSON there; a nested
  // protobuf envelope is decoded too. Anything else is refused: guessing (base64, a string)
  // would store something the client did not mean.
  std::optional<json::value> decodeRaw(const FieldKey& key, WireReader& r, int depth,
                                       const std::string& path) {
    expectWire(key, WireType::LengthDelimited, path);
    std::string_view raw;
    WireReader m(r.readLengthDelimited());
    while (!m.atEnd()) {
      FieldKey k = m.readKey();
      if (k.number == 1) {
        expectWire(k, WireType::LengthDelimited, path);
        raw = m.readLengthDelimited();
      } else {
        m.skip(k.wireType);
      }
    }
    if (raw.empty()) return std::nullopt;
    if (raw.starts_with(kKubernetesProtobufMagic))
      return json::value(decodeEnvelope(raw, depth + 1));
    json::parse_options options;
    options.max_depth = kMaxDepth;
    boost::system::error_code ec;
    json::value v = json::parse(raw, ec, {}, options);
    if (ec)
      malformed("field " + path + " holds neither JSON nor a protobuf object: " + ec.message());
    return v;
  }

  const ProtobufTypeResolver& typeFor_;
};

}  // namespace

json::object decodeKubernetesProtobuf(std::string_view body, const TypeRegistry& types,
                                      const ProtobufTypeResolver& typeFor) {
  (void)types;  // the resolver answers from it; kept so callers state which registry they mean
  return Decoder(typeFor).decodeEnvelope(body, 0);
}

}  // namespace cube::api
