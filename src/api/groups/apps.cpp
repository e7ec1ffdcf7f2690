// apps/v1 (preferred, storage) and apps/v1beta2 (served for old manifests, stored as v1).
#include "api/groups/builtin_kind.h"
#include "api/kinds/apps/apps_strategies.h"

namespace cube::api {

namespace {

std::vector<BuiltinKind> appsKinds() {
  namespace k = kinds::apps;
  return {
      {.kind = "Deployment",
       .plural = "deployments",
       .singular = "deployment",
       .shortNames = {"deploy"},
       .categories = {"all"},
       .subresources = {"status", "scale"},
       .strategy = k::deploymentStrategy},
      {.kind = "ReplicaSet",
       .plural = "replicasets",
       .singular = "replicaset",
       .shortNames = {"rs"},
       .categories = {"all"},
       .subresources = {"status", "scale"},
       .strategy = k::replicaSetStrategy},
      {.kind = "DaemonSet",
       .plural = "daemonsets",
       .singular = "daemonset",
       .shortNames = {"ds"},
       .categories = {"all"},
       .subresources = {"status"},
       .strategy = k::daemonSetStrategy},
      {.kind = "StatefulSet",
       .plural = "statefulsets",
       .singular = "statefulset",
       .shortNames = {"sts"},
       .categories = {"all"},
       .subresources = {"status", "scale"},
       .strategy = k::statefulSetStrategy},
      {.kind = "ControllerRevision",
       .plural = "controllerrevisions",
       .singular = "controllerrevision",
       .strategy = k::controllerRevisionStrategy},
  };
}

}  // namespace

void registerAppsGroup(ResourceRegistry& registry) {
  for (const char* version : {"v1", "v1beta2"}) {
    bool storage = std::string_view(version) == "v1";
    for (const auto& k : appsKinds()) {
      // v1beta2 objects have the v1 shape for everything cube serves, so both share the type.
      ResourceInfo info = builtinResource("apps", version, "io.k8s.api.apps.v1.", k);
      info.storageVersion = "v1";
      info.preferred = storage;
      if (!storage) info.conversion = kinds::apps::v1beta2Conversion();
      registry.add(std::move(info));
    }
  }
}

}  // namespace cube::api
