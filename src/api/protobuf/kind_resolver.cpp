#include "api/protobuf/kind_resolver.h"

namespace cube::api {

const Type* protobufTypeFor(const ResourceRegistry& registry, const std::string& apiVersion,
                            const std::string& kind) {
  size_t slash = apiVersion.find('/');
  std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
  std::string version = slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
  if (auto info = registry.findKind(group, version, kind)) {
    if (const Type* t = registry.types().find(info->typeName)) return t;
  }
  // Request bodies that are no resource of their own. DeleteOptions is registered in every
  // group version in Kubernetes, so any apiVersion will do.
  if (kind == "DeleteOptions") {
    return registry.types().find("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions");
  }
  if (kind == "Eviction" && apiVersion == "policy/v1") {
    return registry.types().find("io.k8s.api.policy.v1.Eviction");
  }
  return nullptr;
}

ProtobufTypeResolver protobufResolver(const ResourceRegistry& registry) {
  return [&registry](const std::string& apiVersion, const std::string& kind) {
    return protobufTypeFor(registry, apiVersion, kind);
  };
}

}  // namespace cube::api
