// rbac.authorization.k8s.io/v1: Role, RoleBinding (namespaced), ClusterRole, ClusterRoleBinding.
#include "api/groups/builtin_kind.h"
#include "api/kinds/rbac/rbac_strategies.h"

namespace cube::api {

void registerRbacV1(ResourceRegistry& registry) {
  namespace k = kinds::rbac;
  const BuiltinKind kinds[] = {
      {.kind = "ClusterRoleBinding",
       .plural = "clusterrolebindings",
       .singular = "clusterrolebinding",
       .namespaced = false,
       .strategy = k::clusterRoleBindingStrategy},
      {.kind = "ClusterRole",
       .plural = "clusterroles",
       .singular = "clusterrole",
       .namespaced = false,
       .strategy = k::clusterRoleStrategy},
      {.kind = "RoleBinding",
       .plural = "rolebindings",
       .singular = "rolebinding",
       .strategy = k::roleBindingStrategy},
      {.kind = "Role", .plural = "roles", .singular = "role", .strategy = k::roleStrategy},
  };
  for (const auto& kind : kinds)
    registry.add(builtinResource("rbac.authorization.k8s.io", "v1", "io.k8s.api.rbac.v1.", kind));
}

}  // namespace cube::api
