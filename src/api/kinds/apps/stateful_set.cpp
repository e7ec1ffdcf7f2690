// apps/v1 StatefulSet: ordering/update/retention defaults and Kubernetes' StatefulSet validation,
// including the short list of spec fields an update may change.
#include "api/kinds/apps/apps_strategies.h"
#include "api/kinds/apps/workload_validation.h"

namespace cube::api::kinds::apps {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

void defaultStatefulSet(json::object& obj) {
  auto& spec = v::ensureObject(obj, "spec");
  setDefault(spec, "replicas", 1);
  setDefault(spec, "revisionHistoryLimit", 10);
  if (v::getString(spec, "podManagementPolicy").value_or("").empty()) {
    spec["podManagementPolicy"] = "OrderedReady";
  }
  auto& strategy = v::ensureObject(spec, "updateStrategy");
  if (v::getString(strategy, "type").value_or("").empty()) {
    strategy["type"] = "RollingUpdate";
    v::ensureObject(strategy, "rollingUpdate");
  }
  if (v::getString(strategy, "type") == "RollingUpdate") {
    if (auto* ru = strategy.if_contains("rollingUpdate"); ru && ru->is_object()) {
      setDefault(ru->as_object(), "partition", 0);
    }
  }
  auto& retention = v::ensureObject(spec, "persistentVolumeClaimRetentionPolicy");
  if (v::getString(retention, "whenDeleted").value_or("").empty()) {
    retention["whenDeleted"] = "Retain";
  }
  if (v::getString(retention, "whenScaled").value_or("").empty()) {
    retention["whenScaled"] = "Retain";
  }
  defaultTemplatePodSpec(spec);
}

void validateSpec(const json::object& spec, const json::object* specPtr, Causes& out) {
  auto policy = v::getString(spec, "podManagementPolicy").value_or("");
  if (policy.empty()) {
    out.push_back(v::required("spec.podManagementPolicy"));
  } else if (policy != "OrderedReady" && policy != "Parallel") {
    out.push_back(v::invalid("spec.podManagementPolicy", json::value(policy),
                             "must be 'OrderedReady' or 'Parallel'"));
  }
  static const json::object kEmpty;
  const auto* strategyPtr = v::getObject(spec, "updateStrategy");
  const auto& strategy = strategyPtr ? *strategyPtr : kEmpty;
  auto type = v::getString(strategy, "type").value_or("");
  const json::value* ru = strategy.if_contains("rollingUpdate");
  bool hasRu = ru && !ru->is_null();
  if (type.empty()) {
    out.push_back(v::required("spec.updateStrategy"));
  } else if (type == "RollingUpdate") {
    if (hasRu && ru->is_object()) {
      v::append(out, v::validateNonnegative(ru->as_object(), "partition",
                                            "spec.updateStrategy.rollingUpdate"));
      if (const auto* mu = ru->as_object().if_contains("maxUnavailable")) {
        validatePositiveIntOrPercent(*mu, "spec.updateStrategy.rollingUpdate.maxUnavailable", out);
      }
    }
  } else if (type == "OnDelete") {
    if (hasRu) {
      out.push_back(v::invalid("spec.updateStrategy.rollingUpdate", *ru,
                               "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else {
    out.push_back(v::invalid("spec.updateStrategy", json::value(strategy),
                             "must be 'RollingUpdate' or 'OnDelete'"));
  }
  v::append(out, v::validateNonnegative(spec, "revisionHistoryLimit", "spec"));
  v::append(out, v::validateNonnegative(spec, "replicas", "spec"));
  if (const auto* ordinals = v::getObject(spec, "ordinals")) {
    v::append(out, v::validateNonnegative(*ordinals, "start", "spec.ordinals"));
  }
  if (validateWorkloadSelector(specPtr, "spec", "statefulset", out)) {
    validateSelectorMatchesTemplate(spec, "spec", out);
  }
  validateReplicaTemplate(spec, "spec", "StatefulSet", false, out);
  v::append(out, v::validateNonnegative(spec, "minReadySeconds", "spec"));
  if (const auto* retention = v::getObject(spec, "persistentVolumeClaimRetentionPolicy")) {
    for (const char* f : {"whenDeleted", "whenScaled"}) {
      auto val = v::getString(*retention, f).value_or("");
      if (val != "Retain" && val != "Delete") {
        out.push_back(v::notSupported(v::child("spec.persistentVolumeClaimRetentionPolicy", f),
                                      json::value(val), {"Retain", "Delete"}));
      }
    }
  }
}

// Kubernetes lets an update change only these spec fields of a StatefulSet.
void validateUpdate(const json::object& obj, const json::object& old, Causes& out) {
  static const json::object kEmpty;
  const auto* a = specOf(obj);
  const auto* b = specOf(old);
  json::object now = a ? *a : kEmpty;
  json::object before = b ? *b : kEmpty;
  for (const char* f :
       {"replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
        "persistentVolumeClaimRetentionPolicy", "minReadySeconds"}) {
    now.erase(f);
    before.erase(f);
  }
  if (now != before) {
    out.push_back(v::forbidden(
        "spec",
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
        "'minReadySeconds' are forbidden"));
  }
}

Causes validateStatefulSet(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = specOf(obj);
  validateSpec(specPtr ? *specPtr : kEmpty, specPtr, out);
  if (old) validateUpdate(obj, *old, out);
  return out;
}

}  // namespace

KindStrategy statefulSetStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultStatefulSet;
  s.validate = validateStatefulSet;
  return s;
}

}  // namespace cube::api::kinds::apps
