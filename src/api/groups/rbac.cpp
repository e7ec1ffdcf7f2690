// rbac.authorization.k8s.io/v1: Role, RoleBinding (namespaced), ClusterRole, ClusterRoleBinding.
#include "api/kinds/rbac/rbac_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerRbacV1(ResourceRegistry& registry) {
  namespace k = kinds::rbac;
  struct Entry {
    const char* kind;
    const char* plural;
    const char* singular;
    bool namespaced;
    KindStrategy (*strategy)();
  };
  const Entry entries[] = {
      {"ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", false,
       k::clusterRoleBindingStrategy},
      {"ClusterRole", "clusterroles", "clusterrole", false, k::clusterRoleStrategy},
      {"RoleBinding", "rolebindings", "rolebinding", true, k::roleBindingStrategy},
      {"Role", "roles", "role", true, k::roleStrategy},
  };
  for (const auto& e : entries) {
    ResourceInfo info;
    info.group = "rbac.authorization.k8s.io";
    info.version = "v1";
    info.kind = e.kind;
    info.listKind = std::string(e.kind) + "List";
    info.plural = e.plural;
    info.singular = e.singular;
    info.namespaced = e.namespaced;
    info.verbs = standardVerbs();
    info.typeName = std::string("io.k8s.api.rbac.v1.") + e.kind;
    info.strategy = e.strategy();
    registry.add(std::move(info));
  }
}

}  // namespace cube::api
