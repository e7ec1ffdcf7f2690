// rbac.authorization.k8s.io/v1 ClusterRoleBinding: roleRef to a ClusterRole; service account
// subjects must name their namespace.
#include "api/kinds/rbac/rbac_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::rbac {

namespace v = cube::api::validation;

KindStrategy clusterRoleBindingStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultBinding;
  s.validate = [](const boost::json::object& obj, const boost::json::object* old) {
    auto out = v::validateMeta(obj, old, false, v::nameIsPathSegment);
    validateBinding(obj, old, false, out);
    return out;
  };
  return s;
}

}  // namespace cube::api::kinds::rbac
