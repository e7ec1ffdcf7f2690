#include "json/patch/merge_patch.h"

#include "common/api_error.h"

namespace cube::json {

namespace {

namespace bj = boost::json;

// Removes null-valued keys from objects, recursively (also inside arrays' objects).
bj::value pruneNulls(const bj::value& v) {
  if (v.is_object()) {
    bj::object out;
    for (const auto& kv : v.get_object()) {
      if (!kv.value().is_null()) out.emplace(kv.key(), pruneNulls(kv.value()));
    }
    return out;
  }
  if (v.is_array()) {
    bj::array out;
    for (const auto& e : v.get_array()) out.push_back(pruneNulls(e));
    return out;
  }
  return v;
}

void mergeInto(bj::object& target, const bj::object& patch) {
  for (const auto& kv : patch) {
    if (kv.value().is_null()) {
      target.erase(kv.key());
      continue;
    }
    auto it = target.find(kv.key());
    if (it != target.end() && it->value().is_object() && kv.value().is_object()) {
      mergeInto(it->value().as_object(), kv.value().get_object());
    } else {
      target[kv.key()] = pruneNulls(kv.value());
    }
  }
}

}  // namespace

bj::value jsonMergePatch(const bj::value& target, const bj::value& patch) {
  if (patch.is_null()) throw ApiError::badRequest("Invalid JSON Patch");
  if (!patch.is_object()) return pruneNulls(patch);
  bj::object result = target.is_object() ? target.get_object() : bj::object{};
  mergeInto(result, patch.get_object());
  return result;
}

}  // namespace cube::json
