#include "json/patch/json_patch.h"

#include <boost/json/parse.hpp>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

#include "common/api_error.h"

namespace cube::json {

namespace {

namespace bj = boost::json;

// An operation that cannot be applied; becomes Kubernetes' generic 422.
struct PatchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string goTypeName(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::object:
      return "object";
    case bj::kind::array:
      return "array";
    case bj::kind::string:
      return "string";
    case bj::kind::bool_:
      return "bool";
    case bj::kind::null:
      return "null";
    default:
      return "number";
  }
}

std::vector<std::string> parsePointer(std::string_view path) {
  std::vector<std::string> tokens;
  if (path.empty()) return tokens;
  if (path[0] != '/')
    throw PatchFailure("JSON pointer must be empty or start with /: " + std::string(path));
  size_t pos = 1;
  while (true) {
    size_t slash = path.find('/', pos);
    std::string_view raw = path.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        throw PatchFailure("invalid escape in JSON pointer: " + std::string(path));
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return tokens;
}

// An array index as evanphx/json-patch reads it: a decimal integer, negative counting from the
// end. `allowEnd` accepts len (insertion point for add).
size_t arrayIndex(const std::string& token, size_t len, bool allowEnd) {
  int64_t idx = 0;
  std::string_view s = token;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), idx);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    throw PatchFailure("invalid array index: " + token);
  }
  auto n = static_cast<int64_t>(len);
  if (idx < 0) {
    if (idx < -n) throw PatchFailure("index out of bounds: " + token);
    idx += n;
  }
  if (idx > n || (!allowEnd && idx == n)) throw PatchFailure("index out of bounds: " + token);
  return static_cast<size_t>(idx);
}

// The value at `tokens`, or nullptr when some step is missing.
bj::value* find(bj::value& doc, const std::vector<std::string>& tokens, size_t count) {
  bj::value* cur = &doc;
  for (size_t i = 0; i < count; ++i) {
    const std::string& t = tokens[i];
    if (cur->is_object()) {
      cur = cur->as_object().if_contains(t);
      if (!cur) return nullptr;
    } else if (cur->is_array()) {
      auto& arr = cur->as_array();
      try {
        cur = &arr[arrayIndex(t, arr.size(), false)];
      } catch (const PatchFailure&) {
        return nullptr;
      }
    } else {
      return nullptr;
    }
  }
  return cur;
}

bj::value& parentOf(bj::value& doc, const std::vector<std::string>& tokens, const char* op,
                    std::string_view path) {
  bj::value* parent = find(doc, tokens, tokens.size() - 1);
  if (!parent || !(parent->is_object() || parent->is_array())) {
    throw PatchFailure(std::string(op) +
                       " operation does not apply: doc is missing path: " + std::string(path));
  }
  return *parent;
}

void addAt(bj::value& doc, std::string_view path, bj::value value) {
  auto tokens = parsePointer(path);
  if (tokens.empty()) {
    doc = std::move(value);
    return;
  }
  bj::value& parent = parentOf(doc, tokens, "add", path);
  const std::string& last = tokens.back();
  if (parent.is_object()) {
    parent.as_object()[last] = std::move(value);
  } else {
    auto& arr = parent.as_array();
    size_t idx = last == "-" ? arr.size() : arrayIndex(last, arr.size(), true);
    arr.insert(arr.begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
  }
}

bj::value removeAt(bj::value& doc, std::string_view path, const char* op) {
  auto tokens = parsePointer(path);
  if (tokens.empty()) throw PatchFailure(std::string(op) + " operation cannot remove the root");
  bj::value& parent = parentOf(doc, tokens, op, path);
  const std::string& last = tokens.back();
  if (parent.is_object()) {
    auto& obj = parent.as_object();
    auto it = obj.find(last);
    if (it == obj.end()) {
      throw PatchFailure("Unable to remove nonexistent key: " + last + ": missing value");
    }
    bj::value removed = std::move(it->value());
    obj.erase(it);
    return removed;
  }
  auto& arr = parent.as_array();
  size_t idx = arrayIndex(last, arr.size(), false);
  bj::value removed = std::move(arr[idx]);
  arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(idx));
  return removed;
}

// Numbers compare by value (Go decodes them all to float64); the rest structurally.
bool jsonEqual(const bj::value& a, const bj::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!jsonEqual(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const bj::value* other = y.if_contains(kv.key());
      if (!other || !jsonEqual(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::string stringMember(const bj::object& op, std::string_view name) {
  const bj::value* v = op.if_contains(name);
  if (!v || !v->is_string()) throw PatchFailure("operation missing \"" + std::string(name) + "\"");
  return std::string(v->get_string());
}

const bj::value& valueMember(const bj::object& op) {
  const bj::value* v = op.if_contains("value");
  if (!v) throw PatchFailure("operation missing \"value\"");
  return *v;
}

void applyOperation(bj::value& doc, const bj::object& op) {
  const bj::value* kind = op.if_contains("op");
  std::string name = kind && kind->is_string() ? std::string(kind->get_string()) : "";
  if (name == "add") {
    addAt(doc, stringMember(op, "path"), valueMember(op));
  } else if (name == "remove") {
    removeAt(doc, stringMember(op, "path"), "remove");
  } else if (name == "replace") {
    std::string path = stringMember(op, "path");
    auto tokens = parsePointer(path);
    bj::value* target = find(doc, tokens, tokens.size());
    if (!target) {
      throw PatchFailure("replace operation does not apply: doc is missing key: " + path);
    }
    *target = valueMember(op);
  } else if (name == "move") {
    std::string from = stringMember(op, "from");
    std::string path = stringMember(op, "path");
    if (path != from && path.starts_with(from + "/")) {
      throw PatchFailure("move operation cannot move a value into one of its children: " + path);
    }
    bj::value moved = removeAt(doc, from, "move");
    addAt(doc, path, std::move(moved));
  } else if (name == "copy") {
    std::string from = stringMember(op, "from");
    auto tokens = parsePointer(from);
    bj::value* source = find(doc, tokens, tokens.size());
    if (!source)
      throw PatchFailure("copy operation does not apply: doc is missing from path: " + from);
    bj::value copied = *source;
    addAt(doc, stringMember(op, "path"), std::move(copied));
  } else if (name == "test") {
    std::string path = stringMember(op, "path");
    auto tokens = parsePointer(path);
    bj::value* actual = find(doc, tokens, tokens.size());
    const bj::value* expected = op.if_contains("value");
    bool ok = actual ? expected && jsonEqual(*actual, *expected) : !expected || expected->is_null();
    if (!ok) throw PatchFailure("testing value " + path + " failed: test failed");
  } else {
    throw PatchFailure("Unexpected kind: " + name);
  }
}

// Checks the document is an array of objects (what decoding into jsonpatch.Patch requires).
void checkDecodable(const bj::value& patch) {
  if (!patch.is_array()) {
    throw ApiError::badRequest("json: cannot unmarshal " + goTypeName(patch) +
                               " into Go value of type jsonpatch.Patch");
  }
  for (const auto& op : patch.get_array()) {
    if (!op.is_object() && !op.is_null()) {
      throw ApiError::badRequest("json: cannot unmarshal " + goTypeName(op) +
                                 " into Go value of type jsonpatch.Operation");
    }
  }
  if (patch.get_array().size() > kMaxJsonPatchOperations) {
    throw ApiError::tooLarge("The allowed maximum operations in a JSON patch is " +
                             std::to_string(kMaxJsonPatchOperations) +
                             ", got: " + std::to_string(patch.get_array().size()));
  }
}

bj::value applyAll(const bj::value& doc, const bj::value& patch) {
  bj::value result = doc;
  for (const auto& op : patch.get_array()) {
    applyOperation(result, op.is_object() ? op.get_object() : bj::object{});
  }
  return result;
}

}  // namespace

bj::value applyJsonPatch(const bj::value& doc, const bj::value& patch) {
  checkDecodable(patch);
  try {
    return applyAll(doc, patch);
  } catch (const PatchFailure&) {
    throw ApiError(422, "Invalid",
                   "the server rejected our request due to an error in our request");
  }
}

bj::value applyJsonPatch(const bj::value& doc, std::string_view patchBody) {
  boost::system::error_code ec;
  bj::value patch = bj::parse(patchBody, ec);
  if (ec) throw ApiError::badRequest("invalid JSON in patch: " + ec.message());
  return applyJsonPatch(doc, patch);
}

std::string jsonPatchFailure(const bj::value& doc, const bj::value& patch) {
  try {
    checkDecodable(patch);
    applyAll(doc, patch);
    return "";
  } catch (const PatchFailure& e) {
    return e.what();
  } catch (const ApiError& e) {
    return e.message();
  }
}

}  // namespace cube::json
