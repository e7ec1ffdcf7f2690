#include "agent/container_env.h"

#include "common/json_util.h"
#include "common/quantity.h"

#include <cmath>

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

// The string values of a ConfigMap's data, or a Secret's decoded data.
std::map<std::string, std::string> dataOf(const std::string& resource, const bj::object& obj) {
  std::map<std::string, std::string> out;
  if (const auto* data = json::getObject(obj, "data")) {
    for (const auto& [k, v] : *data) {
      if (!v.is_string()) continue;
      std::string s(v.as_string());
      out[std::string(k)] = resource == "secrets" ? base64Decode(s) : s;
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

// "metadata.labels['app']" → "app" after the given prefix; nullopt when the path is not that.
std::optional<std::string> subscript(const std::string& path, const std::string& prefix) {
  if (path.rfind(prefix + "['", 0) != 0 || path.size() < prefix.size() + 4) return std::nullopt;
  if (path.compare(path.size() - 2, 2, "']") != 0) return std::nullopt;
  return path.substr(prefix.size() + 2, path.size() - prefix.size() - 4);
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

std::string podFieldValue(const bj::object& pod, const std::string& path,
                          const EnvContext& context) {
  static const bj::object kEmpty;
  const auto* metaPtr = json::getObject(pod, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  const auto* specPtr = json::getObject(pod, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  if (path == "metadata.name") return json::getString(meta, "name");
  if (path == "metadata.namespace") return json::getString(meta, "namespace");
  if (path == "metadata.uid") return json::getString(meta, "uid");
  if (path == "spec.nodeName") return json::getString(spec, "nodeName");
  if (path == "spec.serviceAccountName") return json::getString(spec, "serviceAccountName");
  if (path == "status.hostIP" || path == "status.hostIPs") return context.hostIP;
  if (path == "status.podIP" || path == "status.podIPs") return context.podIP;
  for (const char* map : {"labels", "annotations"}) {
    if (auto key = subscript(path, std::string("metadata.") + map)) {
      const auto* m = json::getObject(meta, map);
      return m ? json::getString(*m, *key) : "";
    }
  }
  throw ContainerEnvError("unsupported fieldPath: " + path);
}

std::string containerResourceValue(const bj::object& pod, const bj::object& container,
                                   const std::string& resource, const std::string& divisorText,
                                   const EnvContext& context) {
  auto dot = resource.find('.');
  if (dot == std::string::npos) throw ContainerEnvError("unsupported resource: " + resource);
  std::string section = resource.substr(0, dot);  // limits or requests
  std::string name = resource.substr(dot + 1);
  if (section != "limits" && section != "requests") {
    throw ContainerEnvError("unsupported container resource: " + resource);
  }
  std::string quantity;
  if (const auto* res = json::getObject(container, "resources")) {
    if (const auto* s = json::getObject(*res, section)) quantity = json::getString(*s, name);
  }
  if (quantity.empty() && section == "limits") {
    // The kubelet merges the node's allocatable into unset limits.
    if (name == "cpu") quantity = context.nodeCpu;
    if (name == "memory") quantity = context.nodeMemory;
    if (name == "ephemeral-storage") quantity = context.nodeEphemeralStorage;
  }
  if (quantity.empty()) quantity = "0";
  std::string divisor = divisorText.empty() ? "1" : divisorText;
  if (name == "cpu") {
    auto v = quantityMilliValue(quantity);
    auto d = quantityMilliValue(divisor);
    if (!v || !d || *d == 0) throw ContainerEnvError("invalid cpu quantity or divisor");
    return std::to_string(
        static_cast<int64_t>(std::ceil(static_cast<double>(*v) / static_cast<double>(*d))));
  }
  if (name == "memory" || name == "ephemeral-storage" || name.rfind("hugepages-", 0) == 0) {
    auto v = quantityValue(quantity);
    auto d = quantityValue(divisor);
    if (!v || !d || *d == 0) throw ContainerEnvError("invalid quantity or divisor of " + name);
    return std::to_string(
        static_cast<int64_t>(std::ceil(static_cast<double>(*v) / static_cast<double>(*d))));
  }
  (void)pod;
  throw ContainerEnvError("unsupported container resource: " + resource);
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
        for (auto& [k, value] : dataOf(resource, *obj)) {
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
      if (const auto* ref = json::getObject(*from, "fieldRef")) {
        out.valueFrom[name] = podFieldValue(pod, json::getString(*ref, "fieldPath"), context);
        continue;
      }
      if (const auto* ref = json::getObject(*from, "resourceFieldRef")) {
        std::string containerName = json::getString(*ref, "containerName");
        // The named container of the pod (this one when no name is given).
        const bj::object* target = &container;
        if (!containerName.empty()) {
          target = findContainer(pod, containerName);
          if (!target && containerName == json::getString(container, "name")) target = &container;
          if (!target) throw ContainerEnvError("container " + containerName + " not found");
        }
        std::string divisor;
        if (const auto* d = ref->if_contains("divisor")) {
          if (d->is_string()) divisor = std::string(d->as_string());
          if (d->is_int64()) divisor = std::to_string(d->as_int64());
        }
        out.valueFrom[name] = containerResourceValue(
            pod, *target, json::getString(*ref, "resource"), divisor, context);
        continue;
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
        auto data = dataOf(resource, *obj);
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
