#include "json/patch/strategic_merge_patch.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api_error.h"
#include "json/patch/go_format.h"

// Deliberate differences from apimachinery (which inserts patch fragments verbatim and relies on
// decoding into Go structs to drop what is left of directives and nulls):
//  * Values taken from the patch as a whole (a new key, a replaced list, a "$patch: replace"
//    map, a new list element) are cleaned of directives and null-valued keys, so no "$patch" or
//    "$setElementOrder/..." key can end up stored in a schemaless JSON document.
//  * "$deleteFromPrimitiveList/<f>" for a field the original lacks is ignored (Kubernetes would
//    add the values it was asked to delete), and on a list without merge strategy (schemaless)
//    it still deletes rather than replacing the list with the values to delete.

namespace cube::json {

namespace {

namespace bj = boost::json;

constexpr std::string_view kDirectiveMarker = "$patch";
constexpr std::string_view kRetainKeysDirective = "$retainKeys";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";

// --- Errors, with the status the API server gives each strategicpatch error -----------------

[[noreturn]] void badRequest(const std::string& message) {
  throw ApiError::badRequest(message);
}

// Errors the API server does not classify become 500 with reason "" (StatusReasonUnknown).
[[noreturn]] void unclassified(const std::string& message) {
  throw ApiError(500, "", message);
}

[[noreturn]] void noListOfLists() {
  // NewGenericServerResponse(422, ...) keeps only its generic message.
  throw ApiError(422, "Invalid", "the server rejected our request due to an error in our request");
}

std::string goKindName(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::object:
      return "map";
    case bj::kind::array:
      return "slice";
    case bj::kind::string:
      return "string";
    case bj::kind::bool_:
      return "bool";
    case bj::kind::int64:
    case bj::kind::uint64:
      return "int64";
    case bj::kind::double_:
      return "float64";
    case bj::kind::null:
      return "invalid";
  }
  return "invalid";
}

[[noreturn]] void badArgType(std::string_view expected, const bj::value& actual) {
  unclassified("expected a " + std::string(expected) + ", but received a " + goKindName(actual));
}

[[noreturn]] void noMergeKey(const bj::value& m, std::string_view key) {
  unclassified("map: " + goFormat(m) + " does not contain declared merge key: " + std::string(key));
}

[[noreturn]] void badPatchType(const bj::value& type, const bj::value& m) {
  unclassified("unknown patch type: " + goFormat(type) + " in map: " + goFormat(m));
}

// --- Schema look-up ------------------------------------------------------------------------

struct FieldMeta {
  const api::Type* type = nullptr;
  std::string strategy;  // "merge", "replace" or "" (retainKeys is a directive, not a strategy)
  std::string mergeKey;
};

std::string listStrategy(std::string_view strategies) {
  std::string result;
  size_t start = 0;
  while (start <= strategies.size()) {
    size_t comma = strategies.find(',', start);
    if (comma == std::string_view::npos) comma = strategies.size();
    std::string_view s = strategies.substr(start, comma - start);
    if (!s.empty() && s != "retainKeys") result = std::string(s);
    start = comma + 1;
  }
  return result;
}

// Own linear look-up rather than Type::field(): keeps this engine usable with hand-built types.
FieldMeta lookupField(const api::Type* t, std::string_view key) {
  if (!t) return {};
  if (t->kind == api::TypeKind::Object) {
    for (const auto& f : t->fields) {
      if (f.name == key) return {f.type, listStrategy(f.patchStrategy), f.patchMergeKey};
    }
    return {};
  }
  if (t->kind == api::TypeKind::Map) return {t->elem, "", ""};
  return {};
}

const api::Type* elemType(const api::Type* t) {
  return t && t->kind == api::TypeKind::Array ? t->elem : nullptr;
}

// --- Go value semantics --------------------------------------------------------------------

// The Go dynamic type a decoded JSON value has (integers and floats differ, as the API server
// decodes with PreserveInts).
enum class GoKind { Map, Slice, String, Int, Float, Bool, Nil };

GoKind goKind(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::object:
      return GoKind::Map;
    case bj::kind::array:
      return GoKind::Slice;
    case bj::kind::string:
      return GoKind::String;
    case bj::kind::int64:
    case bj::kind::uint64:
      return GoKind::Int;
    case bj::kind::double_:
      return GoKind::Float;
    case bj::kind::bool_:
      return GoKind::Bool;
    case bj::kind::null:
      return GoKind::Nil;
  }
  return GoKind::Nil;
}

// Go's == on two interface{} values holding decoded JSON (deep equality for the composite kinds
// Go could not compare at all).
bool goEqual(const bj::value& a, const bj::value& b) {
  if (goKind(a) != goKind(b)) return false;
  if (goKind(a) == GoKind::Int) {
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const bj::value& s = a.is_int64() ? a : b;
    const bj::value& u = a.is_int64() ? b : a;
    return s.get_int64() >= 0 && static_cast<uint64_t>(s.get_int64()) == u.get_uint64();
  }
  return a == b;
}

bool isDirective(const bj::value& v, std::string_view name) {
  return v.is_string() && v.get_string() == name;
}

bool hasDirectiveMarker(const bj::value& v) {
  return v.is_object() && v.get_object().contains(kDirectiveMarker);
}

// "$setElementOrder/containers" -> "containers"; a malformed key is a 400 like Kubernetes'.
std::string extractKey(std::string_view key, std::string_view prefix) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos || key.substr(0, slash) != prefix) {
    if (prefix == kDeleteFromPrimitiveListPrefix) {
      badRequest("invalid patch format of primitive list");
    }
    badRequest("invalid patch format of setElementOrder list");
  }
  return std::string(key.substr(slash + 1));
}

// Removes what is left of directives (and null-valued keys) from a fragment taken from the
// patch as a whole.
bj::value clean(const bj::value& v) {
  if (v.is_object()) {
    bj::object out;
    for (const auto& kv : v.get_object()) {
      std::string_view k = kv.key();
      if (kv.value().is_null() || k == kDirectiveMarker || k == kRetainKeysDirective ||
          k.starts_with(kSetElementOrderPrefix) || k.starts_with(kDeleteFromPrimitiveListPrefix)) {
        continue;
      }
      out.emplace(k, clean(kv.value()));
    }
    return out;
  }
  if (v.is_array()) {
    bj::array out;
    for (const auto& e : v.get_array()) {
      if (e.is_object()) {
        auto it = e.get_object().find(kDirectiveMarker);
        if (it != e.get_object().end() && isDirective(it->value(), "delete")) continue;
      }
      out.push_back(clean(e));
    }
    return out;
  }
  return v;
}

// The element kind shared by all elements of the given lists (sliceElementType).
GoKind sliceElementKind(std::initializer_list<const bj::array*> lists) {
  std::optional<GoKind> kind;
  for (const bj::array* list : lists) {
    if (!list) continue;
    for (const auto& v : *list) {
      GoKind k = goKind(v);
      if (!kind) {
        if (k == GoKind::Slice) noListOfLists();
        kind = k;
      } else if (*kind != k) {
        std::string all = "[";
        bool first = true;
        for (const bj::array* l : lists) {
          if (!first) all += ' ';
          first = false;
          all += l ? goFormat(*l) : "[]";
        }
        unclassified("list element types are not identical: " + all + "]");
      }
    }
  }
  if (!kind) unclassified("no elements in any of the given slices");
  return *kind;
}

// The value an element is identified by: its merge key for maps (nullptr when absent, like
// Go's nil), the element itself otherwise.
const bj::value* identity(const bj::value& item, const std::string& mergeKey, GoKind kind) {
  if (kind != GoKind::Map) return &item;
  if (!item.is_object()) return nullptr;
  const bj::value* v = item.get_object().if_contains(mergeKey);
  return v && !v->is_null() ? v : nullptr;
}

bool sameIdentity(const bj::value* a, const bj::value* b) {
  if (!a || !b) return a == b;
  return goEqual(*a, *b);
}

int indexIn(const bj::array& list, const bj::value& item, const std::string& mergeKey,
            GoKind kind) {
  const bj::value* id = identity(item, mergeKey, kind);
  for (size_t i = 0; i < list.size(); ++i) {
    if (sameIdentity(id, identity(list[i], mergeKey, kind))) return static_cast<int>(i);
  }
  return -1;
}

// Index of the first map in `list` whose `key` equals `value`; every element must be a map.
int findMapByKey(const bj::array& list, const std::string& key, const bj::value& value) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) {
      unclassified("value for key " + std::to_string(i) + " is not a map.");
    }
    const bj::value* v = list[i].get_object().if_contains(key);
    if (v && goEqual(*v, value)) return static_cast<int>(i);
  }
  return -1;
}

const bj::value& requireMergeKey(const bj::value& item, const std::string& mergeKey) {
  if (!item.is_object()) badArgType("map", item);
  const bj::value* v = item.get_object().if_contains(mergeKey);
  if (!v) noMergeKey(item, mergeKey);
  return *v;
}

// --- Ordering ----------------------------------------------------------------------------------

// Sorts `toSort` by the position of each element in `order` (items with "$patch: delete" go
// last). Kubernetes' comparator treats an element missing from `order` as "less", so the exact
// insertion sort Go's stable sort runs on short lists is used to give the same results.
bj::array normalizeSliceOrder(const bj::array& toSort, const bj::array& order,
                              const std::string& mergeKey, GoKind kind) {
  std::vector<bj::value> items;
  std::vector<bj::value> toDelete;
  if (kind == GoKind::Map) {
    for (const auto& v : toSort) requireMergeKey(v, mergeKey);
    for (const auto& v : order) requireMergeKey(v, mergeKey);
    for (const auto& v : toSort) {
      const bj::value* d = v.get_object().if_contains(kDirectiveMarker);
      (d && isDirective(*d, "delete") ? toDelete : items).push_back(v);
    }
  } else {
    items.assign(toSort.begin(), toSort.end());
  }
  auto less = [&](const bj::value& a, const bj::value& b) {
    int ia = indexIn(order, a, mergeKey, kind);
    int ib = indexIn(order, b, mergeKey, kind);
    if (ia >= 0 && ib >= 0) return ia < ib;
    return true;
  };
  for (size_t i = 1; i < items.size(); ++i) {
    for (size_t j = i; j > 0 && less(items[j], items[j - 1]); --j)
      std::swap(items[j], items[j - 1]);
  }
  bj::array out;
  for (auto& v : items) out.push_back(std::move(v));
  for (auto& v : toDelete) out.push_back(std::move(v));
  return out;
}

// Interleaves server-only items (`left`) into patch items (`right`), keeping each list's own
// order; a server-only item goes first only when both are known to the server's order and it
// came earlier there. So items new to the server come before the server-only items after them.
bj::array mergeSortedSlice(const bj::array& left, const bj::array& right,
                           const bj::array& serverOrder, const std::string& mergeKey, GoKind kind) {
  bj::array out;
  size_t i = 0, j = 0;
  while (i < left.size() || j < right.size()) {
    if (i >= left.size()) {
      out.push_back(right[j++]);
    } else if (j >= right.size()) {
      out.push_back(left[i++]);
    } else {
      int li = indexIn(serverOrder, left[i], mergeKey, kind);
      int ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(left[i++]);
      } else {
        out.push_back(right[j++]);
      }
    }
  }
  return out;
}

bj::array normalizeElementOrder(const bj::array& patchItems, const bj::array& serverOnly,
                                const bj::array& patchOrder, const bj::array& serverOrder,
                                const std::string& mergeKey, GoKind kind) {
  bj::array sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  bj::array sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}

// Splits `merged` into items present in `by` and the rest (server-only items).
void partition(const bj::array& merged, const bj::array& by, const std::string& mergeKey,
               bj::array& present, bj::array& absent) {
  for (const auto& v : merged) {
    bool found = false;
    if (mergeKey.empty()) {
      for (const auto& b : by) {
        if (goEqual(v, b)) {
          found = true;
          break;
        }
      }
    } else {
      if (!v.is_object()) badArgType("map", v);
      found = findMapByKey(by, mergeKey, requireMergeKey(v, mergeKey)) >= 0;
    }
    (found ? present : absent).push_back(v);
  }
}

// Checks that the patch list's items appear in the $setElementOrder list in the same relative
// order (deletions and other directive items ignored).
void validatePatchWithSetOrderList(const bj::array& patchList, const bj::array& order,
                                   const std::string& mergeKey) {
  if (patchList.empty() || order.empty()) return;
  std::vector<const bj::value*> nonDelete;
  for (const auto& v : patchList) {
    if (!mergeKey.empty()) {
      if (!v.is_object()) badArgType("map", v);
      const bj::value* d = v.get_object().if_contains(kDirectiveMarker);
      if (d && isDirective(*d, "delete")) continue;
    }
    nonDelete.push_back(&v);
  }
  size_t p = 0, s = 0;
  while (p < nonDelete.size() && s < order.size()) {
    if (hasDirectiveMarker(*nonDelete[p])) {
      ++p;
      continue;
    }
    bool equal;
    if (mergeKey.empty()) {
      equal = goEqual(*nonDelete[p], order[s]);
    } else {
      equal =
          goEqual(requireMergeKey(*nonDelete[p], mergeKey), requireMergeKey(order[s], mergeKey));
    }
    if (equal) ++p;
    ++s;
  }
  if (p < nonDelete.size() && s >= order.size()) {
    unclassified("The order in patch list:\n" + goFormat(patchList) +
                 "\n doesn't match $setElementOrder list:\n" + goFormat(order) + "\n");
  }
}

// --- Merging -------------------------------------------------------------------------------------

bj::object mergeMap(bj::object original, bj::object patch, const api::Type* t);

// Go's in-place de-duplication: a later duplicate is overwritten by the last element.
void deduplicateScalars(std::vector<bj::value>& s) {
  if (s.empty()) return;
  size_t length = s.size() - 1;
  for (size_t i = 0; i < length; ++i) {
    for (size_t j = i + 1; j <= length; ++j) {
      if (goEqual(s[i], s[j])) {
        s[j] = s[length];
        s.pop_back();
        --length;
        --j;
      }
    }
  }
}

bj::array deleteFromSlice(const bj::array& current, const bj::array& toDelete) {
  bj::array out;
  for (const auto& v : current) {
    bool drop = false;
    for (const auto& d : toDelete) {
      if (goEqual(v, d)) {
        drop = true;
        break;
      }
    }
    if (!drop) out.push_back(v);
  }
  return out;
}

bj::array mergeSlice(bj::array original, bj::array patch, const api::Type* elem,
                     const std::string& mergeKey, bool isDeleteList) {
  if (original.empty() && patch.empty()) return original;
  GoKind kind = sliceElementKind({&original, &patch});

  bj::array merged;
  if (kind != GoKind::Map) {
    if (isDeleteList) return deleteFromSlice(original, patch);
    std::vector<bj::value> both(original.begin(), original.end());
    both.insert(both.end(), patch.begin(), patch.end());
    deduplicateScalars(both);
    for (auto& v : both) merged.push_back(std::move(v));
  } else {
    if (mergeKey.empty()) unclassified("cannot merge lists without merge key for type struct");

    // Special elements first: deletions by key, and "$patch: replace" for the whole list.
    bj::array plain;
    bool replace = false;
    for (const auto& v : patch) {
      const bj::value* d = v.get_object().if_contains(kDirectiveMarker);
      if (!d) {
        plain.push_back(v);
      } else if (isDirective(*d, "delete")) {
        const bj::value* key = v.get_object().if_contains(mergeKey);
        if (!key) noMergeKey(v, mergeKey);
        bj::value keyValue = *key;
        for (int i; (i = findMapByKey(original, mergeKey, keyValue)) >= 0;) {
          original.erase(original.begin() + i);
        }
      } else if (isDirective(*d, "replace")) {
        replace = true;  // keep scanning to drop the other directive elements
      } else if (isDirective(*d, "merge")) {
        unclassified("merging lists cannot yet be specified in the patch");
      } else {
        badPatchType(*d, v);
      }
    }
    if (replace) {
      original = clean(plain).as_array();
      plain.clear();
    }
    patch = std::move(plain);

    merged = original;
    for (const auto& v : patch) {
      const bj::value& keyValue = requireMergeKey(v, mergeKey);
      int i = findMapByKey(merged, mergeKey, keyValue);
      if (i >= 0) {
        merged[i] = mergeMap(std::move(merged[i].as_object()), v.get_object(), elem);
      } else {
        merged.push_back(clean(v));
      }
    }
  }

  bj::array patchItems, serverOnly;
  partition(merged, patch, mergeKey, patchItems, serverOnly);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

// Clears keys of `original` missing from the patch's "$retainKeys" list.
void applyRetainKeys(bj::object& original, bj::object& patch) {
  auto it = patch.find(kRetainKeysDirective);
  if (it == patch.end()) return;
  bj::value list = it->value();
  patch.erase(it);
  if (!list.is_array()) badRequest("invalid patch format of retainKeys");
  auto retained = [&](std::string_view key) {
    for (const auto& v : list.get_array()) {
      if (v.is_string() && v.get_string() == key) return true;
    }
    return false;
  };
  for (const auto& kv : patch) {
    std::string_view k = kv.key();
    if (kv.value().is_null() || k.starts_with(kDeleteFromPrimitiveListPrefix) ||
        k.starts_with(kSetElementOrderPrefix)) {
      continue;
    }
    if (!retained(k)) badRequest("invalid patch format of retainKeys");
  }
  std::vector<std::string> drop;
  for (const auto& kv : original) {
    if (!retained(kv.key())) drop.emplace_back(kv.key());
  }
  for (const auto& k : drop) original.erase(k);
}

// Processes every "$setElementOrder/<field>" directive: merges the field's patch list (if any)
// into the original and orders the result; removes both from the patch.
void mergeOrderedLists(bj::object& original, bj::object& patch, const api::Type* t) {
  std::vector<std::string> keys;
  for (const auto& kv : patch) {
    if (kv.key().starts_with(kSetElementOrderPrefix)) keys.emplace_back(kv.key());
  }
  for (const auto& key : keys) {
    bj::value order = patch.at(key);
    patch.erase(key);
    if (!order.is_array()) badArgType("slice", order);
    std::string field = extractKey(key, kSetElementOrderPrefix);

    const bj::value* originalValue = original.if_contains(field);
    const bj::value* patchValue = patch.if_contains(field);
    if (originalValue && !originalValue->is_array()) badArgType("slice", *originalValue);
    if (patchValue && !patchValue->is_array()) badArgType("slice", *patchValue);
    const bj::array* originalList = originalValue ? &originalValue->get_array() : nullptr;
    const bj::array* patchList = patchValue ? &patchValue->get_array() : nullptr;

    FieldMeta meta = lookupField(t, field);
    validatePatchWithSetOrderList(patchList ? *patchList : bj::array{}, order.get_array(),
                                  meta.mergeKey);

    bj::array merged;
    if (originalList && !patchList) {
      merged = *originalList;
    } else if (!originalList && patchList) {
      merged = *patchList;
    } else if (originalList && patchList) {
      merged = meta.strategy == "merge" ? mergeSlice(*originalList, *patchList, elemType(meta.type),
                                                     meta.mergeKey, false)
                                        : *patchList;
    } else {
      continue;
    }

    bj::array patchItems, serverOnly;
    partition(merged, order.get_array(), meta.mergeKey, patchItems, serverOnly);
    GoKind kind = sliceElementKind({originalList, patchList});
    bj::array serverOrder = originalList ? *originalList : bj::array{};
    bj::array result = normalizeElementOrder(patchItems, serverOnly, order.get_array(), serverOrder,
                                             meta.mergeKey, kind);
    if (!originalList) result = clean(result).as_array();
    original[field] = std::move(result);
    patch.erase(field);
  }
}

bj::object mergeMap(bj::object original, bj::object patch, const api::Type* t) {
  if (auto it = patch.find(kDirectiveMarker); it != patch.end()) {
    if (isDirective(it->value(), "replace")) {
      patch.erase(it);
      return clean(patch).as_object();
    }
    if (isDirective(it->value(), "delete")) return {};
    badPatchType(it->value(), patch);
  }

  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, t);

  for (const auto& kv : patch) {
    std::string key(kv.key());
    bool isDeleteList = false;
    if (key.starts_with(kDeleteFromPrimitiveListPrefix)) {
      key = extractKey(key, kDeleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }
    const bj::value& patchValue = kv.value();

    // A null deletes the key; a null for a key the original lacks is dropped.
    if (patchValue.is_null()) {
      original.erase(key);
      continue;
    }
    auto it = original.find(key);
    if (it == original.end()) {
      if (!isDeleteList) original[key] = clean(patchValue);
      continue;
    }
    bj::value& originalValue = it->value();
    if (goKind(originalValue) != goKind(patchValue)) {
      originalValue = clean(patchValue);
      continue;
    }

    FieldMeta meta = lookupField(t, key);
    if (originalValue.is_object()) {
      if (meta.strategy == "replace") {
        originalValue = clean(patchValue);
      } else {
        originalValue =
            mergeMap(std::move(originalValue.as_object()), patchValue.get_object(), meta.type);
      }
    } else if (originalValue.is_array()) {
      if (meta.strategy == "merge") {
        originalValue = mergeSlice(std::move(originalValue.as_array()), patchValue.get_array(),
                                   elemType(meta.type), meta.mergeKey, isDeleteList);
      } else if (isDeleteList) {
        originalValue = deleteFromSlice(originalValue.get_array(), patchValue.get_array());
      } else {
        originalValue = clean(patchValue);
      }
    } else {
      originalValue = patchValue;
    }
  }
  return original;
}

std::string goJsonTypeName(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::array:
      return "array";
    case bj::kind::string:
      return "string";
    case bj::kind::bool_:
      return "bool";
    default:
      return "number";
  }
}

}  // namespace

bj::value strategicMergePatch(const bj::value& original, const bj::value& patch,
                              const api::Type* schema) {
  if (patch.is_null()) return original;
  if (!patch.is_object()) {
    badRequest("json: cannot unmarshal " + goJsonTypeName(patch) +
               " into Go value of type map[string]interface {}");
  }
  bj::object base = original.is_object() ? original.get_object() : bj::object{};
  return mergeMap(std::move(base), patch.get_object(), schema);
}

}  // namespace cube::json
