#include "agent/volumes/projected_files.h"

#include "agent/pod_spec.h"
#include "common/json_util.h"

#include <stdexcept>

namespace cube::agent::volumes {

namespace bj = boost::json;

namespace {

uint32_t modeOf(const bj::object& o, const char* field, uint32_t fallback) {
  auto it = o.find(field);
  if (it == o.end() || !it->value().is_int64()) return fallback;
  return static_cast<uint32_t>(it->value().as_int64()) & 07777;
}

std::string namespaceOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, "namespace") : "";
}

}  // namespace

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
  auto payload = configObjectData(resource, *obj, true);
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
  for (const auto& iv : *items) {
    if (!iv.is_object()) continue;
    const auto& item = iv.as_object();
    std::string content;
    if (const auto* field = json::getObject(item, "fieldRef")) {
      content = resolveFieldRef(*in.pod, in.context, json::getString(*field, "fieldPath"));
    } else if (const auto* res = json::getObject(item, "resourceFieldRef")) {
      std::string containerName = json::getString(*res, "containerName");
      const auto* container = findContainerSpec(*in.pod, containerName);
      if (!container) throw DownwardApiError("container " + containerName + " not found");
      content = resolveResourceFieldRef(*container, in.context, json::getString(*res, "resource"),
                                        divisorOf(*res));
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
