// apps/v1 DaemonSet: update strategy defaults and Kubernetes' DaemonSet validation.
#include "api/kinds/apps/apps_strategies.h"
#include "api/kinds/apps/workload_validation.h"

namespace cube::api::kinds::apps {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

void defaultDaemonSet(json::object& obj) {
  auto& spec = v::ensureObject(obj, "spec");
  setDefault(spec, "revisionHistoryLimit", 10);
  auto& strategy = v::ensureObject(spec, "updateStrategy");
  if (v::getString(strategy, "type").value_or("").empty()) strategy["type"] = "RollingUpdate";
  if (v::getString(strategy, "type") == "RollingUpdate") {
    auto& ru = v::ensureObject(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", 1);
    setDefault(ru, "maxSurge", 0);
  }
  defaultTemplatePodSpec(spec);
}

void validateRollingUpdate(const json::object& ru, Causes& out) {
  const std::string base = "spec.updateStrategy.rollingUpdate";
  bool hasUnavailable = false, hasSurge = false;
  const json::value* mu = ru.if_contains("maxUnavailable");
  const json::value* ms = ru.if_contains("maxSurge");
  if (mu && !mu->is_null() && intOrPercentValue(*mu) != 0) {
    hasUnavailable = true;
    validatePositiveIntOrPercent(*mu, base + ".maxUnavailable", out);
    validateNotMoreThan100Percent(*mu, base + ".maxUnavailable", out);
  }
  if (ms && !ms->is_null() && intOrPercentValue(*ms) != 0) {
    hasSurge = true;
    validatePositiveIntOrPercent(*ms, base + ".maxSurge", out);
    validateNotMoreThan100Percent(*ms, base + ".maxSurge", out);
  }
  if (hasUnavailable && hasSurge) {
    out.push_back(v::invalidPrinted(base + ".maxSurge", goPrintIntOrString(*ms),
                                    "may not be set when maxUnavailable is non-zero"));
  } else if (!hasUnavailable && !hasSurge) {
    out.push_back(v::required(base + ".maxUnavailable", "cannot be 0 when maxSurge is 0"));
  }
}

void validateUpdateStrategy(const json::object& spec, Causes& out) {
  const auto* strategy = v::getObject(spec, "updateStrategy");
  if (!strategy) return;
  auto type = v::getString(*strategy, "type").value_or("");
  if (type == "OnDelete") return;
  if (type == "RollingUpdate") {
    const auto* ru = v::getObject(*strategy, "rollingUpdate");
    if (!ru) {
      out.push_back(v::required("spec.updateStrategy.rollingUpdate"));
      return;
    }
    validateRollingUpdate(*ru, out);
    return;
  }
  out.push_back(v::notSupported("spec.updateStrategy.type", json::value(type),
                                {"OnDelete", "RollingUpdate"}));
}

Causes validateDaemonSet(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = specOf(obj);
  const auto& spec = specPtr ? *specPtr : kEmpty;
  if (validateWorkloadSelector(specPtr, "spec", "daemonset", out)) {
    validateSelectorMatchesTemplate(spec, "spec", out);
  }
  validateReplicaTemplate(spec, "spec", "DaemonSet", true, out);
  v::append(out, v::validateNonnegative(spec, "minReadySeconds", "spec"));
  validateUpdateStrategy(spec, out);
  v::append(out, v::validateNonnegative(spec, "revisionHistoryLimit", "spec"));
  if (old) validateSelectorImmutable(obj, *old, out);
  return out;
}

}  // namespace

KindStrategy daemonSetStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultDaemonSet;
  s.validate = validateDaemonSet;
  return s;
}

}  // namespace cube::api::kinds::apps
