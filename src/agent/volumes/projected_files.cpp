#include "agent/volumes/projected_files.h"

#include "common/json_util.h"

#include <map>
#include <stdexcept>

namespace cube::agent::volumes {

namespace bj = boost::json;

namespace {

// Secret data is standard, padded base64; the API server validated it on write.
std::string base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

uint32_t modeOf(const bj::object& o, const char* field, uint32_t fallback) {
  auto it = o.find(field);
  if (it == o.end() || !it->value().is_int64()) return fallback;
  return static_cast<uint32_t>(it->value().as_int64()) & 07777;
}

std::string namespaceOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, "namespace") : "";
}

// The object's keys and (decoded) values: ConfigMap data + binaryData, Secret data.
std::map<std::string, std::string> payloadOf(const std::string& resource, const bj::object& obj) {
  std::map<std::string, std::string> out;
  bool secret = resource == "secrets";
  if (const auto* data = json::getObject(obj, "data")) {
    for (const auto& [k, v] : *data) {
      if (!v.is_string()) continue;
      std::string s(v.as_string());
      out[std::string(k)] = secret ? base64Decode(s) : s;
    }
  }
  if (!secret) {
    if (const auto* data = json::getObject(obj, "binaryData")) {
      for (const auto& [k, v] : *data) {
        if (v.is_string()) out[std::string(k)] = base64Decode(v.as_string());
      }
    }
  }
  return out;
}

std::string formatMap(const bj::object* m) {
  std::map<std::string, std::string> sorted;
  if (m) {
    for (const auto& [k, v] : *m) {
      if (v.is_string()) sorted[std::string(k)] = std::string(v.as_string());
    }
  }
  std::string out;
  for (const auto& [k, v] : sorted) {
    if (!out.empty()) out += "\n";
    out += k + "=" + goQuote(v);
  }
  return out;
}

const bj::object* findContainer(const bj::object& pod, const std::string& name) {
  const auto* spec = json::getObject(pod, "spec");
  if (!spec) return nullptr;
  for (const char* field : {"containers", "initContainers"}) {
    if (const auto* list = json::getArray(*spec, field)) {
      for (const auto& c : *list) {
        if (c.is_object() && json::getString(c.as_object(), "name") == name) return &c.as_object();
      }
    }
  }
  return nullptr;
}

}  // namespace

std::string goQuote(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out.push_back(static_cast<char>(c));  // UTF-8 passes through, as Go prints it
        }
    }
  }
  return out + "\"";
}

std::vector<ProjectedFile> keyToPathFiles(const ProjectionInput& in, const std::string& resource,
                                          const bj::object& source, uint32_t defaultMode) {
  bool secret = resource == "secrets";
  std::string name = json::getString(source, "name");
  if (name.empty()) name = json::getString(source, "secretName");
  bool optional = json::getBool(source, "optional");
  auto obj = in.lookup(resource, namespaceOf(*in.pod), name);
  if (!obj) {
    if (optional) return {};
    throw std::runtime_error(std::string(secret ? "secret" : "configmap") + " \"" + name +
                             "\" not found");
  }
  auto payload = payloadOf(resource, *obj);
  std::vector<ProjectedFile> files;
  const auto* items = json::getArray(source, "items");
  if (!items || items->empty()) {
    for (auto& [k, v] : payload) files.push_back({k, std::move(v), defaultMode});
    return files;
  }
  for (const auto& iv : *items) {
    if (!iv.is_object()) continue;
    const auto& item = iv.as_object();
    std::string key = json::getString(item, "key");
    auto it = payload.find(key);
    if (it == payload.end()) {
      if (optional) continue;
      throw std::runtime_error(secret ? "secret references non-existent secret key: " + key
                                      : "configmap references non-existent config key: " + key);
    }
    files.push_back({json::getString(item, "path"), it->second, modeOf(item, "mode", defaultMode)});
  }
  return files;
}

std::vector<ProjectedFile> downwardApiFiles(const ProjectionInput& in, const bj::object& source,
                                            uint32_t defaultMode) {
  std::vector<ProjectedFile> files;
  const auto* items = json::getArray(source, "items");
  if (!items) return files;
  const auto* meta = json::getObject(*in.pod, "metadata");
  for (const auto& iv : *items) {
    if (!iv.is_object()) continue;
    const auto& item = iv.as_object();
    std::string content;
    if (const auto* field = json::getObject(item, "fieldRef")) {
      std::string path = json::getString(*field, "fieldPath");
      if (path == "metadata.labels" || path == "metadata.annotations") {
        content = formatMap(meta ? json::getObject(*meta, path.substr(9)) : nullptr);
      } else {
        content = podFieldValue(*in.pod, path, in.context);
      }
    } else if (const auto* res = json::getObject(item, "resourceFieldRef")) {
      std::string containerName = json::getString(*res, "containerName");
      const auto* container = findContainer(*in.pod, containerName);
      if (!container) {
        throw std::runtime_error("cannot find container \"" + containerName + "\" in pod");
      }
      std::string divisor = json::getString(*res, "divisor", "1");
      if (divisor.empty() || divisor == "0") divisor = "1";
      content = containerResourceValue(*in.pod, *container, json::getString(*res, "resource"),
                                       divisor, in.context);
    } else {
      continue;
    }
    files.push_back(
        {json::getString(item, "path"), std::move(content), modeOf(item, "mode", defaultMode)});
  }
  return files;
}

std::vector<ProjectedFile> projectedFiles(const ProjectionInput& in, const bj::object& source) {
  uint32_t defaultMode = modeOf(source, "defaultMode", 0644);
  std::vector<ProjectedFile> files;
  const auto* sources = json::getArray(source, "sources");
  if (!sources) return files;
  for (const auto& sv : *sources) {
    if (!sv.is_object()) continue;
    const auto& s = sv.as_object();
    std::vector<ProjectedFile> part;
    if (const auto* cm = json::getObject(s, "configMap")) {
      part = keyToPathFiles(in, "configmaps", *cm, defaultMode);
    } else if (const auto* secret = json::getObject(s, "secret")) {
      part = keyToPathFiles(in, "secrets", *secret, defaultMode);
    } else if (const auto* dapi = json::getObject(s, "downwardAPI")) {
      part = downwardApiFiles(in, *dapi, defaultMode);
    }
    for (auto& f : part) files.push_back(std::move(f));
  }
  return files;
}

}  // namespace cube::agent::volumes
