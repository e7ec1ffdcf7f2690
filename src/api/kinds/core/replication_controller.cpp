// ReplicationController: selector and labels default to the template labels, the template must
// match the selector and restart Always, replicas are non-negative.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/pod_spec.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

void defaults(json::object& rc) {
  auto& spec = v::ensureObject(rc, "spec");
  const json::object* labels = nullptr;
  if (auto* tmpl = spec.if_contains("template"); tmpl && tmpl->is_object()) {
    if (auto* meta = v::getObject(tmpl->as_object(), "metadata"))
      labels = v::getObject(*meta, "labels");
    if (auto* podSpec = tmpl->as_object().if_contains("spec"); podSpec && podSpec->is_object())
      v::defaultPodSpec(podSpec->as_object());
  }
  if (labels) {
    json::object copy = *labels;
    const auto* sel = v::getObject(spec, "selector");
    if (!sel || sel->empty()) spec["selector"] = copy;
    auto& meta = v::ensureObject(rc, "metadata");
    const auto* own = v::getObject(meta, "labels");
    if (!own || own->empty()) meta["labels"] = copy;
  }
  if (!spec.contains("replicas") || spec["replicas"].is_null()) spec["replicas"] = 1;
  auto& status = v::ensureObject(rc, "status");
  if (!status.contains("replicas")) status["replicas"] = 0;
}

void normalize(json::object& rc) {
  auto* spec = rc.if_contains("spec");
  if (!spec || !spec->is_object()) return;
  auto* tmpl = spec->as_object().if_contains("template");
  if (!tmpl || !tmpl->is_object()) return;
  if (auto* podSpec = tmpl->as_object().if_contains("spec"); podSpec && podSpec->is_object())
    v::normalizePodSpec(podSpec->as_object());
}

v::Causes validate(const json::object& rc, const json::object* old) {
  v::Causes out = v::validateMeta(rc, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(rc, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  v::append(out, v::validateNonnegative(spec, "minReadySeconds", "spec"));
  const auto* selector = v::getObject(spec, "selector");
  if (!selector || selector->empty()) out.push_back(v::required("spec.selector"));
  v::append(out, v::validateNonnegative(spec, "replicas", "spec"));
  const json::value* tmpl = spec.if_contains("template");
  if (!tmpl || !tmpl->is_object()) {
    out.push_back(v::required("spec.template"));
  } else {
    const auto* meta = v::getObject(tmpl->as_object(), "metadata");
    const json::value* labels = meta ? meta->if_contains("labels") : nullptr;
    if (selector && !selector->empty() && !v::mapSelectorMatches(*selector, labels)) {
      std::string printed =
          labels && labels->is_object() ? v::goPrint(*labels) : "map[string]string(nil)";
      out.push_back(v::invalidPrinted("spec.template.metadata.labels", printed,
                                      "`selector` does not match template `labels`"));
    }
    v::append(out, v::validatePodTemplateSpec(tmpl, "spec.template"));
    const auto* podSpec = v::getObject(tmpl->as_object(), "spec");
    auto restart = podSpec ? v::getString(*podSpec, "restartPolicy").value_or("") : "";
    if (restart != "Always")
      out.push_back(
          v::notSupported("spec.template.spec.restartPolicy", json::value(restart), {"Always"}));
    if (podSpec && podSpec->contains("activeDeadlineSeconds"))
      out.push_back(
          v::forbidden("spec.template.spec.activeDeadlineSeconds",
                       "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  if (const auto* status = v::getObject(rc, "status")) {
    for (auto f : {"replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
                   "observedGeneration"})
      v::append(out, v::validateNonnegative(*status, f, "status"));
  }
  return out;
}

}  // namespace

KindStrategy replicationControllerStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
