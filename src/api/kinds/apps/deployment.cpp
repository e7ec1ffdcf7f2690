// apps/v1 Deployment: rolling-update defaults and Kubernetes' Deployment validation.
#include "api/kinds/apps/apps_strategies.h"
#include "api/kinds/apps/workload_validation.h"

namespace cube::api::kinds::apps {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

void defaultDeployment(json::object& obj) {
  auto& spec = v::ensureObject(obj, "spec");
  setDefault(spec, "replicas", 1);
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
  auto& strategy = v::ensureObject(spec, "strategy");
  if (v::getString(strategy, "type").value_or("").empty()) strategy["type"] = "RollingUpdate";
  // Only a rolling update has parameters; Recreate keeps rollingUpdate absent (validation
  // rejects it there).
  if (v::getString(strategy, "type") == "RollingUpdate") {
    auto& ru = v::ensureObject(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  defaultTemplatePodSpec(spec);
}

void validateStrategy(const json::object& spec, Causes& out) {
  const auto* strategy = v::getObject(spec, "strategy");
  if (!strategy) return;
  auto type = v::getString(*strategy, "type").value_or("");
  const json::value* ru = strategy->if_contains("rollingUpdate");
  bool hasRu = ru && !ru->is_null();
  if (type == "Recreate") {
    if (hasRu) {
      out.push_back(v::forbidden("spec.strategy.rollingUpdate",
                                 "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (type == "RollingUpdate") {
    if (!hasRu || !ru->is_object()) {
      out.push_back(
          v::required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
      return;
    }
    static const json::value kZero(0);
    const auto& r = ru->as_object();
    const json::value* mu = r.if_contains("maxUnavailable");
    const json::value* ms = r.if_contains("maxSurge");
    const json::value& maxUnavailable = mu ? *mu : kZero;
    const json::value& maxSurge = ms ? *ms : kZero;
    validatePositiveIntOrPercent(maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", out);
    validatePositiveIntOrPercent(maxSurge, "spec.strategy.rollingUpdate.maxSurge", out);
    if (intOrPercentValue(maxUnavailable) == 0 && intOrPercentValue(maxSurge) == 0) {
      out.push_back(v::invalidPrinted("spec.strategy.rollingUpdate.maxUnavailable",
                                      goPrintIntOrString(maxUnavailable),
                                      "may not be 0 when `maxSurge` is 0"));
    }
    validateNotMoreThan100Percent(maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable",
                                  out);
  } else {
    out.push_back(
        v::notSupported("spec.strategy.type", json::value(type), {"Recreate", "RollingUpdate"}));
  }
}

Causes validateDeployment(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = specOf(obj);
  const auto& spec = specPtr ? *specPtr : kEmpty;
  v::append(out, v::validateNonnegative(spec, "replicas", "spec"));
  if (validateWorkloadSelector(specPtr, "spec", "deployment", out)) {
    validateSelectorMatchesTemplate(spec, "spec", out);
  }
  validateReplicaTemplate(spec, "spec", "ReplicaSet", false, out);
  validateStrategy(spec, out);
  v::append(out, v::validateNonnegative(spec, "minReadySeconds", "spec"));
  v::append(out, v::validateNonnegative(spec, "revisionHistoryLimit", "spec"));
  if (auto pds = v::getInt(spec, "progressDeadlineSeconds")) {
    v::append(out, v::validateNonnegativeValue(*pds, "spec.progressDeadlineSeconds"));
    if (*pds <= v::getInt(spec, "minReadySeconds").value_or(0)) {
      out.push_back(v::invalid("spec.progressDeadlineSeconds", json::value(*pds),
                               "must be greater than minReadySeconds"));
    }
  }
  if (old) validateSelectorImmutable(obj, *old, out);
  return out;
}

}  // namespace

KindStrategy deploymentStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultDeployment;
  s.validate = validateDeployment;
  return s;
}

}  // namespace cube::api::kinds::apps
