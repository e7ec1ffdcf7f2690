// rbac.authorization.k8s.io/v1 Role: namespaced rules (no non-resource URLs).
#include "api/kinds/rbac/rbac_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::rbac {

namespace v = cube::api::validation;

KindStrategy roleStrategy() {
  KindStrategy s;
  s.validate = [](const boost::json::object& obj, const boost::json::object* old) {
    auto out = v::validateMeta(obj, old, true, v::nameIsPathSegment);
    validatePolicyRules(obj, true, out);
    return out;
  };
  return s;
}

}  // namespace cube::api::kinds::rbac
