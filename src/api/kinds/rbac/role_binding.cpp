// rbac.authorization.k8s.io/v1 RoleBinding: roleRef to a Role or ClusterRole, fixed once created.
#include "api/kinds/rbac/rbac_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::rbac {

namespace v = cube::api::validation;

KindStrategy roleBindingStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultBinding;
  s.validate = [](const boost::json::object& obj, const boost::json::object* old) {
    auto out = v::validateMeta(obj, old, true, v::nameIsPathSegment);
    validateBinding(obj, old, true, out);
    return out;
  };
  return s;
}

}  // namespace cube::api::kinds::rbac
