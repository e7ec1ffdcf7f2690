#include "apiserver/tables/cell_format.h"

#include <set>

#include <algorithm>
#include <cctype>

#include <boost/json/serialize.hpp>

namespace cube::tables {

const object* objectField(const object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_object();
}

const object& orEmpty(const object* o) {
  static const object empty;
  return o ? *o : empty;
}

const object* objectPath(const object& o, std::initializer_list<std::string_view> keys) {
  const object* cur = &o;
  for (std::string_view key : keys) {
    cur = objectField(*cur, key);
    if (!cur) return nullptr;
  }
  return cur;
}

const array* arrayField(const object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_array();
}

std::vector<const object*> objectsIn(const object& o, std::string_view key) {
  std::vector<const object*> out;
  if (const array* a = arrayField(o, key)) {
    out.reserve(a->size());
    for (const value& v : *a) {
      if (const object* item = v.if_object()) out.push_back(item);
    }
  }
  return out;
}

std::optional<std::string> optionalStringField(const object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (const auto* s = it->value().if_string()) return std::string(s->data(), s->size());
  return std::nullopt;
}

std::string stringField(const object& o, std::string_view key) {
  return optionalStringField(o, key).value_or("");
}

std::optional<int64_t> optionalIntField(const object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  const value& v = it->value();
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) return static_cast<int64_t>(*u);
  if (const auto* d = v.if_double()) return static_cast<int64_t>(*d);
  return std::nullopt;
}

int64_t intField(const object& o, std::string_view key, int64_t fallback) {
  return optionalIntField(o, key).value_or(fallback);
}

std::optional<bool> optionalBoolField(const object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (const auto* b = it->value().if_bool()) return *b;
  return std::nullopt;
}

bool boolField(const object& o, std::string_view key, bool fallback) {
  return optionalBoolField(o, key).value_or(fallback);
}

size_t fieldSize(const object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (const auto* obj = it->value().if_object()) return obj->size();
  if (const auto* arr = it->value().if_array()) return arr->size();
  return 0;
}

bool hasField(const object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && !it->value().is_null();
}

std::string objectName(const object& obj) {
  const object* meta = objectField(obj, "metadata");
  return meta ? stringField(*meta, "name") : "";
}

std::string fieldAge(const object& o, std::string_view key, TimePoint now) {
  return timestampAge(stringField(o, key), now);
}

std::string objectAge(const object& obj, TimePoint now) {
  const object* meta = objectField(obj, "metadata");
  return meta ? fieldAge(*meta, "creationTimestamp", now) : "<unknown>";
}

bool hasDeletionTimestamp(const object& obj) {
  const object* meta = objectField(obj, "metadata");
  return meta && hasField(*meta, "deletionTimestamp");
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

std::string toLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

namespace {

// Label values are strings; anything else (a number written by hand) prints as its JSON.
std::string scalarText(const value& v) {
  if (const auto* s = v.if_string()) return std::string(s->data(), s->size());
  return boost::json::serialize(v);
}

struct Requirement {
  std::string key;
  std::string text;
};

}  // namespace

std::string formatLabels(const object* labels) {
  if (!labels || labels->empty()) return "<none>";
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& kv : *labels) {
    pairs.emplace_back(std::string(kv.key()), scalarText(kv.value()));
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<std::string> parts;
  for (auto& [k, v] : pairs) parts.push_back(k + "=" + v);
  return join(parts, ",");
}

std::optional<std::string> labelSelectorString(const object* selector) {
  if (!selector) return "";
  std::vector<Requirement> reqs;
  if (const object* matchLabels = objectField(*selector, "matchLabels")) {
    for (const auto& kv : *matchLabels) {
      std::string key(kv.key());
      reqs.push_back({key, key + "=" + scalarText(kv.value())});
    }
  }
  for (const object* expr : objectsIn(*selector, "matchExpressions")) {
    std::string key = stringField(*expr, "key");
    std::string op = stringField(*expr, "operator");
    std::vector<std::string> values;
    if (const array* vs = arrayField(*expr, "values")) {
      for (const value& v : *vs) values.push_back(scalarText(v));
    }
    if (op == "In" || op == "NotIn") {
      if (values.empty()) return std::nullopt;
      // Values print sorted, whatever order the selector holds them in.
      std::sort(values.begin(), values.end());
      reqs.push_back({key, key + (op == "In" ? " in (" : " notin (") + join(values, ",") + ")"});
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (!values.empty()) return std::nullopt;
      reqs.push_back({key, (op == "Exists" ? "" : "!") + key});
    } else {
      return std::nullopt;
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  std::vector<std::string> parts;
  for (auto& r : reqs) parts.push_back(std::move(r.text));
  return join(parts, ",");
}

std::string formatLabelSelector(const object* selector) {
  auto s = labelSelectorString(selector);
  if (!s) return "<error>";
  return s->empty() ? "<none>" : *s;
}

std::pair<std::string, std::string> containerNamesAndImages(const object* podSpec) {
  std::vector<std::string> names, images;
  if (podSpec) {
    for (const object* c : objectsIn(*podSpec, "containers")) {
      names.push_back(stringField(*c, "name"));
      images.push_back(stringField(*c, "image"));
    }
  }
  return {join(names, ","), join(images, ",")};
}

std::string accessModesString(const array* modes) {
  auto has = [&](std::string_view mode) {
    if (!modes) return false;
    return std::any_of(modes->begin(), modes->end(), [&](const value& v) {
      const auto* s = v.if_string();
      return s && std::string_view(*s) == mode;
    });
  };
  std::vector<std::string> out;
  if (has("ReadWriteOnce")) out.push_back("RWO");
  if (has("ReadOnlyMany")) out.push_back("ROX");
  if (has("ReadWriteMany")) out.push_back("RWX");
  if (has("ReadWriteOncePod")) out.push_back("RWOP");
  return join(out, ",");
}

std::string quantityField(const object* resources, std::string_view name) {
  if (!resources) return "0";
  auto it = resources->find(name);
  if (it == resources->end() || it->value().is_null()) return "0";
  return scalarText(it->value());
}

std::string listWithMore(const std::vector<std::string>& items, size_t max,
                         std::string_view emptyText) {
  if (items.empty()) return std::string(emptyText);
  if (items.size() <= max) return join(items, ",");
  std::vector<std::string> head(items.begin(), items.begin() + static_cast<ptrdiff_t>(max));
  return join(head, ",") + " + " + std::to_string(items.size() - max) + " more...";
}

std::string boolPointerString(std::optional<bool> v) {
  if (!v) return "<unset>";
  return *v ? "True" : "False";
}

TableColumn nameColumn() {
  return {"Name", "string", "name", "Name of the object, unique within its namespace.", 0};
}

TableColumn ageColumn() {
  return {"Age", "string", "", "Time since the object was created (metadata.creationTimestamp).",
          0};
}

TableColumn stringColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "string", "", std::move(description), priority};
}

TableColumn integerColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "integer", "", std::move(description), priority};
}

TableColumn booleanColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "boolean", "", std::move(description), priority};
}

TableColumn containersColumn() {
  return stringColumn("Containers", "Names of the containers in the pod template.", 1);
}

TableColumn imagesColumn() {
  return stringColumn("Images", "Images of the containers in the pod template.", 1);
}

std::string printerKey(std::string_view group, std::string_view kind) {
  std::string key(kind);
  key += '.';
  key += group;
  return key;
}

std::string loadBalancerAddresses(const object* loadBalancer) {
  std::set<std::string> result;
  if (loadBalancer) {
    for (const object* ingress : objectsIn(*loadBalancer, "ingress")) {
      std::string ip = stringField(*ingress, "ip");
      std::string hostname = stringField(*ingress, "hostname");
      if (!ip.empty()) {
        result.insert(ip);
      } else if (!hostname.empty()) {
        result.insert(hostname);
      }
    }
  }
  return join(std::vector<std::string>(result.begin(), result.end()), ",");
}

}  // namespace cube::tables
