// apps/v1 ReplicaSet: replicas default and Kubernetes' ReplicaSet validation.
#include "api/kinds/apps/apps_strategies.h"
#include "api/kinds/apps/workload_validation.h"

namespace cube::api::kinds::apps {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

void defaultReplicaSet(json::object& obj) {
  auto& spec = v::ensureObject(obj, "spec");
  setDefault(spec, "replicas", 1);
  defaultTemplatePodSpec(spec);
}

Causes validateReplicaSet(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = specOf(obj);
  const auto& spec = specPtr ? *specPtr : kEmpty;
  v::append(out, v::validateNonnegative(spec, "replicas", "spec"));
  v::append(out, v::validateNonnegative(spec, "minReadySeconds", "spec"));
  // Kubernetes reuses the Deployment wording for an empty ReplicaSet selector.
  if (validateWorkloadSelector(specPtr, "spec", "deployment", out)) {
    validateSelectorMatchesTemplate(spec, "spec", out);
  }
  validateReplicaTemplate(spec, "spec", "ReplicaSet", false, out);
  if (old) validateSelectorImmutable(obj, *old, out);
  return out;
}

}  // namespace

KindStrategy replicaSetStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultReplicaSet;
  s.validate = validateReplicaSet;
  return s;
}

}  // namespace cube::api::kinds::apps
