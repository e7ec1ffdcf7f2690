#include "common/yaml.h"

#include "common/api_error.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <regex>

namespace cube {

namespace {

constexpr int kMaxDepth = 1000;

boost::json::value scalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  // Quoted scalars carry the "!" tag: always strings.
  if (node.Tag() == "!") return boost::json::value(s);
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex intRe("[-+]?(0|[1-9][0-9]*)");
  static const std::regex hexRe("0x[0-9a-fA-F]+");
  static const std::regex octRe("0o[0-7]+");
  static const std::regex floatRe(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, intRe)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return static_cast<int64_t>(v);
    return std::strtod(s.c_str(), nullptr);
  }
  if (std::regex_match(s, hexRe)) return static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 16));
  if (std::regex_match(s, octRe)) {
    return static_cast<int64_t>(std::strtoll(s.c_str() + 2, nullptr, 8));
  }
  if (std::regex_match(s, floatRe)) return std::strtod(s.c_str(), nullptr);
  return boost::json::value(s);
}

boost::json::value toJson(const YAML::Node& node, int depth) {
  if (depth > kMaxDepth) throw ApiError::badRequest("yaml: exceeded max depth of 1000");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalarToJson(node);
    case YAML::NodeType::Sequence: {
      boost::json::array a;
      for (const auto& item : node) a.push_back(toJson(item, depth + 1));
      return a;
    }
    case YAML::NodeType::Map: {
      boost::json::object o;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          throw ApiError::badRequest("yaml: mapping keys must be strings");
        }
        o[kv.first.Scalar()] = toJson(kv.second, depth + 1);
      }
      return o;
    }
  }
  return nullptr;
}

}  // namespace

boost::json::value yamlToJson(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return toJson(root, 0);
  } catch (const YAML::Exception& e) {
    throw ApiError::badRequest(std::string("error converting YAML to JSON: yaml: ") + e.what());
  }
}

}  // namespace cube
