// apps/v1 (preferred, storage) and apps/v1beta2 (served for old manifests, stored as v1).
#include "api/kinds/apps/apps_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

namespace {

struct AppsKind {
  const char* kind;
  const char* plural;
  const char* singular;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;
  KindStrategy (*strategy)();
};

std::vector<AppsKind> appsKinds() {
  namespace k = kinds::apps;
  return {
      {"Deployment",
       "deployments",
       "deployment",
       {"deploy"},
       {"all"},
       {"status", "scale"},
       k::deploymentStrategy},
      {"ReplicaSet",
       "replicasets",
       "replicaset",
       {"rs"},
       {"all"},
       {"status", "scale"},
       k::replicaSetStrategy},
      {"DaemonSet", "daemonsets", "daemonset", {"ds"}, {"all"}, {"status"}, k::daemonSetStrategy},
      {"StatefulSet",
       "statefulsets",
       "statefulset",
       {"sts"},
       {"all"},
       {"status", "scale"},
       k::statefulSetStrategy},
      {"ControllerRevision",
       "controllerrevisions",
       "controllerrevision",
       {},
       {},
       {},
       k::controllerRevisionStrategy},
  };
}

}  // namespace

void registerAppsGroup(ResourceRegistry& registry) {
  for (const char* version : {"v1", "v1beta2"}) {
    bool storage = std::string_view(version) == "v1";
    for (const auto& k : appsKinds()) {
      ResourceInfo info;
      info.group = "apps";
      info.version = version;
      info.kind = k.kind;
      info.listKind = std::string(k.kind) + "List";
      info.plural = k.plural;
      info.singular = k.singular;
      info.namespaced = true;
      info.shortNames = k.shortNames;
      info.categories = k.categories;
      info.verbs = standardVerbs();
      info.subresources = k.subresources;
      // v1beta2 objects have the v1 shape for everything cube serves, so both share the type.
      info.typeName = std::string("io.k8s.api.apps.v1.") + k.kind;
      info.storageVersion = "v1";
      info.preferred = storage;
      if (!storage) info.conversion = kinds::apps::v1beta2Conversion();
      info.strategy = k.strategy();
      registry.add(std::move(info));
    }
  }
}

}  // namespace cube::api
