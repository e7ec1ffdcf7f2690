#include "agent/container_env.h"

#include "agent/pod_spec.h"
#include "common/json_util.h"

namespace cube::agent {

namespace bj = boost::json;

namespace {

// Secret data is base64 (standard alphabet, padded). Invalid input decodes what it can: the
// API server validated it on write.
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
    if (v < 0) continue;  // padding, whitespace
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string kindWord(const std::string& resource) {
  return resource == "secrets" ? "secret" : "configmap";
}

std::string kindName(const std::string& resource) {
  return resource == "secrets" ? "Secret" : "ConfigMap";
}

std::string namespaceOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, "namespace") : "";
}

}  // namespace

std::map<std::string, std::string> configObjectData(const std::string& resource,
                                                    const bj::object& obj, bool withBinaryData) {
  std::map<std::string, std::string> out;
  bool secret = resource == "secrets";
  if (const auto* data = json::getObject(obj, "data")) {
    for (const auto& [k, v] : *data) {
      if (!v.is_string()) continue;
      std::string s(v.as_string());
      out[std::string(k)] = secret ? base64Decode(s) : s;
    }
  }
  if (withBinaryData && !secret) {
    if (const auto* data = json::getObject(obj, "binaryData")) {
      for (const auto& [k, v] : *data) {
        if (v.is_string()) out[std::string(k)] = base64Decode(v.as_string());
      }
    }
  }
  return out;
}

ResolvedEnv resolveContainerEnv(const bj::object& pod, const bj::object& container,
                                const EnvContext& context, const EnvObjectLookup& lookup) {
  ResolvedEnv out;
  std::string ns = namespaceOf(pod);
  // The same object is read once per container start even when several entries name it.
  std::map<std::pair<std::string, std::string>, std::optional<bj::object>> cache;
  auto get = [&](const std::string& resource, const std::string& name) -> const bj::object* {
    auto key = std::make_pair(resource, name);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, lookup(resource, ns, name)).first;
    return it->second ? &*it->second : nullptr;
  };

  if (const auto* envFrom = json::getArray(container, "envFrom")) {
    for (const auto& v : *envFrom) {
      if (!v.is_object()) continue;
      const auto& source = v.as_object();
      std::string prefix = json::getString(source, "prefix");
      for (const auto& [field, resource] :
           {std::pair{"configMapRef", "configmaps"}, std::pair{"secretRef", "secrets"}}) {
        const auto* ref = json::getObject(source, field);
        if (!ref) continue;
        std::string name = json::getString(*ref, "name");
        const auto* obj = get(resource, name);
        if (!obj) {
          if (json::getBool(*ref, "optional")) continue;
          throw ContainerEnvError(kindWord(resource) + " \"" + name + "\" not found");
        }
        for (auto& [k, value] : configObjectData(resource, *obj, false)) {
          out.envFrom.emplace_back(prefix + k, std::move(value));
        }
      }
    }
  }

  if (const auto* env = json::getArray(container, "env")) {
    for (const auto& v : *env) {
      if (!v.is_object()) continue;
      const auto& e = v.as_object();
      const auto* from = json::getObject(e, "valueFrom");
      if (!from) continue;
      std::string name = json::getString(e, "name");
      try {
        if (const auto* ref = json::getObject(*from, "fieldRef")) {
          out.valueFrom[name] = resolveFieldRef(pod, context, json::getString(*ref, "fieldPath"));
          continue;
        }
        if (const auto* ref = json::getObject(*from, "resourceFieldRef")) {
          std::string containerName = json::getString(*ref, "containerName");
          // The named container of the pod (this one when no name is given).
          const bj::object* target = &container;
          if (!containerName.empty()) {
            target = findContainerSpec(pod, containerName);
            if (!target && containerName == json::getString(container, "name")) {
              target = &container;
            }
            if (!target) throw ContainerEnvError("container " + containerName + " not found");
          }
          out.valueFrom[name] = resolveResourceFieldRef(
              *target, context, json::getString(*ref, "resource"), divisorOf(*ref));
          continue;
        }
      } catch (const DownwardApiError& e) {
        throw ContainerEnvError(e.what());  // the container waits in CreateContainerConfigError
      }
      for (const auto& [field, resource] :
           {std::pair{"configMapKeyRef", "configmaps"}, std::pair{"secretKeyRef", "secrets"}}) {
        const auto* ref = json::getObject(*from, field);
        if (!ref) continue;
        std::string objName = json::getString(*ref, "name");
        std::string key = json::getString(*ref, "key");
        bool optional = json::getBool(*ref, "optional");
        const auto* obj = get(resource, objName);
        if (!obj) {
          if (optional) break;
          throw ContainerEnvError(kindWord(resource) + " \"" + objName + "\" not found");
        }
        auto data = configObjectData(resource, *obj, false);
        auto it = data.find(key);
        if (it == data.end()) {
          if (optional) break;
          throw ContainerEnvError("couldn't find key " + key + " in " + kindName(resource) + " " +
                                  ns + "/" + objName);
        }
        out.valueFrom[name] = it->second;
        break;
      }
    }
  }
  return out;
}

}  // namespace cube::agent
