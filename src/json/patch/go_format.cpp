#include "json/patch/go_format.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace cube::json {

namespace bj = boost::json;

std::string goFormat(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return "<nil>";
    case bj::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case bj::kind::int64:
      return std::to_string(v.get_int64());
    case bj::kind::uint64:
      return std::to_string(v.get_uint64());
    case bj::kind::double_: {
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, v.get_double());
      return std::string(buf, res.ptr);
    }
    case bj::kind::string:
      return std::string(v.get_string());
    case bj::kind::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ' ';
        first = false;
        out += goFormat(e);
      }
      return out + "]";
    }
    case bj::kind::object: {
      // Go prints map keys sorted.
      std::vector<std::pair<std::string, const bj::value*>> entries;
      for (const auto& kv : v.get_object())
        entries.emplace_back(std::string(kv.key()), &kv.value());
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, val] : entries) {
        if (!first) out += ' ';
        first = false;
        out += k + ":" + goFormat(*val);
      }
      return out + "]";
    }
  }
  return "";
}

}  // namespace cube::json
