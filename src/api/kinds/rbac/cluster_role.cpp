// rbac.authorization.k8s.io/v1 ClusterRole: cluster rules and the aggregation rule.
#include "api/kinds/rbac/rbac_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::rbac {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

std::vector<StatusCause> validateClusterRole(const json::object& obj, const json::object* old) {
  auto out = v::validateMeta(obj, old, false, v::nameIsPathSegment);
  validatePolicyRules(obj, false, out);
  if (const json::value* rule = obj.if_contains("aggregationRule"); rule && !rule->is_null()) {
    const auto* selectors =
        rule->is_object() ? v::getArray(rule->as_object(), "clusterRoleSelectors") : nullptr;
    if (!selectors || selectors->empty()) {
      out.push_back(v::required("aggregationRule.clusterRoleSelectors",
                                "at least one clusterRoleSelector required if aggregationRule is "
                                "non-nil"));
    } else {
      for (size_t i = 0; i < selectors->size(); ++i) {
        v::append(out, v::validateLabelSelector(
                           &(*selectors)[i], v::index("aggregationRule.clusterRoleSelectors", i)));
      }
    }
  }
  return out;
}

}  // namespace

KindStrategy clusterRoleStrategy() {
  KindStrategy s;
  s.validate = validateClusterRole;
  return s;
}

}  // namespace cube::api::kinds::rbac
