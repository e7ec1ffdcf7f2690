#include "common/json_util.h"

#include "common/api_error.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cube::json {

const object* getObject(const object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

object* getObject(object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

const array* getArray(const object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

std::string getString(const object& o, std::string_view key, std::string_view fallback) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::string(fallback);
  return std::string(it->value().get_string());
}

int64_t getInt(const object& o, std::string_view key, int64_t fallback) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  const value& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.get_double());
  return fallback;
}

bool getBool(const object& o, std::string_view key, bool fallback) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() ? it->value().get_bool() : fallback;
}

const value* findPath(const object& o, std::string_view dottedPath) {
  const object* current = &o;
  while (true) {
    size_t dot = dottedPath.find('.');
    std::string_view head = dottedPath.substr(0, dot);
    auto it = current->find(head);
    if (it == current->end()) return nullptr;
    if (dot == std::string_view::npos) return &it->value();
    if (!it->value().is_object()) return nullptr;
    current = &it->value().get_object();
    dottedPath.remove_prefix(dot + 1);
  }
}

std::vector<std::string> getStrings(const object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = getArray(o, key)) {
    for (const auto& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

array toArray(const std::vector<std::string>& strings) {
  array a;
  a.reserve(strings.size());
  for (const auto& s : strings) a.emplace_back(s);
  return a;
}

object& ensureObject(object& o, std::string_view key) {
  value& v = o[key];
  if (!v.is_object()) v = object();
  return v.get_object();
}

void removeIf(array& a, const std::function<bool(const value&)>& drop) {
  for (auto it = a.begin(); it != a.end();) {
    if (drop(*it)) {
      it = a.erase(it);
    } else {
      ++it;
    }
  }
}

value parse(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  // Deep enough for any real object, shallow enough that recursive walkers cannot overflow.
  options.max_depth = 1000;
  value v = boost::json::parse(text, ec, {}, options);
  if (ec) {
    throw ApiError::badRequest(
        "the body of the request was in an unknown format - accepted "
        "media types include: application/json, application/yaml: " +
        ec.message());
  }
  return v;
}

std::string serialize(const value& v) {
  return boost::json::serialize(v);
}

}  // namespace cube::json
