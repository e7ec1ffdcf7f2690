// batch/v1 Job: Kubernetes' defaults, the generated selector and pod labels
// (batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name and their legacy
// unprefixed forms) unless manualSelector is true, and Job validation.
#include "api/kinds/apps/workload_validation.h"
#include "api/kinds/batch/batch_strategies.h"

#include <boost/json/serialize.hpp>

namespace cube::api::kinds::batch {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

constexpr const char* kControllerUid = "batch.kubernetes.io/controller-uid";
constexpr const char* kLegacyControllerUid = "controller-uid";
constexpr const char* kJobName = "batch.kubernetes.io/job-name";
constexpr const char* kLegacyJobName = "job-name";

json::object* templateMeta(json::object& spec) {
  auto& tmpl = v::ensureObject(spec, "template");
  return &v::ensureObject(tmpl, "metadata");
}

// Kubernetes generates this in the create strategy once the uid exists; cube's apiserver fills
// metadata.uid before defaulting, so it is done here. Without a uid nothing is generated and
// validation reports metadata.uid.
void generateSelector(json::object& obj, json::object& spec) {
  const auto* meta = v::getObject(obj, "metadata");
  if (!meta) return;
  std::string uid(v::getString(*meta, "uid").value_or(""));
  std::string name(v::getString(*meta, "name").value_or(""));
  if (uid.empty()) return;
  auto& labels = v::ensureObject(*templateMeta(spec), "labels");
  // Labels the user already set are kept; a conflict is reported by validation.
  for (const char* k : {kLegacyJobName, kJobName}) setDefault(labels, k, json::value(name));
  for (const char* k : {kLegacyControllerUid, kControllerUid})
    setDefault(labels, k, json::value(uid));
  auto& selector = v::ensureObject(spec, "selector");
  auto& matchLabels = v::ensureObject(selector, "matchLabels");
  setDefault(matchLabels, kControllerUid, json::value(uid));
}

void defaultJob(json::object& obj) {
  auto& spec = v::ensureObject(obj, "spec");
  defaultJobSpec(spec);
  // Job labels default to the template labels.
  const auto* tmplLabels = templateLabels(spec);
  auto& meta = v::ensureObject(obj, "metadata");
  const auto* labels = v::getObject(meta, "labels");
  if (tmplLabels && tmplLabels->is_object() && (!labels || labels->empty())) {
    meta["labels"] = *tmplLabels;
  }
  if (!v::getBool(spec, "manualSelector").value_or(false)) generateSelector(obj, spec);
}

// apivalidation.ValidateHasLabel.
void validateHasLabel(const json::object& spec, const char* key, const std::string& expected,
                      Causes& out) {
  std::string path = v::key("spec.template.metadata.labels", key);
  const json::value* labels = templateLabels(spec);
  const json::value* got =
      labels && labels->is_object() ? labels->as_object().if_contains(key) : nullptr;
  if (!got) {
    out.push_back(v::required(path, "must be '" + expected + "'"));
  } else if (!got->is_string() || got->as_string() != expected) {
    out.push_back(v::invalid(path, *got, "must be '" + expected + "'"));
  }
}

// Kubernetes' ValidateGeneratedSelector (with the prefixed labels required, as on create).
void validateGeneratedSelector(const json::object& obj, const json::object& spec, Causes& out) {
  if (v::getBool(spec, "manualSelector").value_or(false)) return;
  const json::value* sel = spec.if_contains("selector");
  if (!sel || sel->is_null()) return;
  static const json::object kEmpty;
  const auto* metaPtr = v::getObject(obj, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  std::string uid(v::getString(meta, "uid").value_or(""));
  std::string name(v::getString(meta, "name").value_or(""));
  if (uid.empty()) out.push_back(v::required("metadata.uid"));
  validateHasLabel(spec, kLegacyControllerUid, uid, out);
  validateHasLabel(spec, kLegacyJobName, name, out);
  validateHasLabel(spec, kControllerUid, uid, out);
  validateHasLabel(spec, kJobName, name, out);
  json::object expected{{kControllerUid, uid}, {kJobName, name}};
  json::value expectedValue(expected);
  if (!v::labelSelectorMatches(sel, &expectedValue)) {
    out.push_back(v::invalidPrinted("spec.selector", goPrintLabelSelector(*sel),
                                    "`selector` not auto-generated"));
  }
}

void validatePodFailurePolicy(const json::object& spec, std::string_view path, Causes& out) {
  const auto* pfp = v::getObject(spec, "podFailurePolicy");
  if (!pfp) return;
  std::string base = v::child(path, "podFailurePolicy.rules");
  const auto* rules = v::getArray(*pfp, "rules");
  if (rules && rules->size() > 20) out.push_back(v::tooMany(base, int64_t(rules->size()), 20));
  if (!rules) return;
  for (size_t i = 0; i < rules->size(); ++i) {
    if (!(*rules)[i].is_object()) continue;
    const auto& rule = (*rules)[i].as_object();
    std::string rp = v::index(base, i);
    auto action = v::getString(rule, "action").value_or("");
    if (action.empty()) {
      out.push_back(v::required(v::child(rp, "action")));
    } else if (action != "FailJob" && action != "FailIndex" && action != "Ignore" &&
               action != "Count") {
      out.push_back(v::notSupported(v::child(rp, "action"), json::value(action),
                                    {"Count", "FailIndex", "FailJob", "Ignore"}));
    }
    const auto* exitCodes = v::getObject(rule, "onExitCodes");
    const auto* conds = v::getArray(rule, "onPodConditions");
    if (exitCodes && conds && !conds->empty()) {
      out.push_back(v::invalid(rp, json::value(""),
                               "specifying both OnExitCodes and OnPodConditions is not supported"));
    } else if (!exitCodes && (!conds || conds->empty())) {
      out.push_back(v::invalid(rp, json::value(""),
                               "specifying one of OnExitCodes and OnPodConditions is required"));
    }
    if (exitCodes) {
      std::string ep = v::child(rp, "onExitCodes");
      auto op = v::getString(*exitCodes, "operator").value_or("");
      if (op != "In" && op != "NotIn") {
        out.push_back(v::notSupported(v::child(ep, "operator"), json::value(op), {"In", "NotIn"}));
      }
      const auto* values = v::getArray(*exitCodes, "values");
      if (!values || values->empty()) {
        out.push_back(v::required(v::child(ep, "values"), "at least one value is required"));
      }
    }
  }
}

}  // namespace

void defaultJobSpec(json::object& spec) {
  if (!spec.contains("completions") && !spec.contains("parallelism")) {
    spec["completions"] = 1;
    spec["parallelism"] = 1;
  }
  setDefault(spec, "parallelism", 1);
  if (!spec.contains("backoffLimit")) {
    // With a per-index limit the global one is effectively unlimited.
    spec["backoffLimit"] = spec.contains("backoffLimitPerIndex") ? 2147483647 : 6;
  }
  setDefault(spec, "completionMode", "NonIndexed");
  setDefault(spec, "suspend", false);
  setDefault(spec, "manualSelector", false);
  if (!spec.contains("podReplacementPolicy")) {
    spec["podReplacementPolicy"] =
        spec.contains("podFailurePolicy") ? "Failed" : "TerminatingOrFailed";
  }
  if (auto* pfp = spec.if_contains("podFailurePolicy"); pfp && pfp->is_object()) {
    if (auto* rules = pfp->as_object().if_contains("rules"); rules && rules->is_array()) {
      for (auto& r : rules->as_array()) {
        if (!r.is_object()) continue;
        auto* conds = r.as_object().if_contains("onPodConditions");
        if (!conds || !conds->is_array()) continue;
        for (auto& c : conds->as_array()) {
          if (c.is_object()) setDefault(c.as_object(), "status", "True");
        }
      }
    }
  }
  defaultTemplatePodSpec(spec);
}

void validateJobSpecCommon(const json::object& spec, std::string_view path, Causes& out) {
  std::string p(path);
  for (const char* f : {"parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                        "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"}) {
    v::append(out, v::validateNonnegative(spec, f, p));
  }
  auto mode = v::getString(spec, "completionMode");
  if (mode && *mode != "NonIndexed" && *mode != "Indexed") {
    out.push_back(v::notSupported(v::child(p, "completionMode"), json::value(*mode),
                                  {"NonIndexed", "Indexed"}));
  }
  if (mode == "Indexed") {
    if (!spec.contains("completions")) {
      out.push_back(v::required(v::child(p, "completions"), "when completion mode is Indexed"));
    }
    if (auto par = v::getInt(spec, "parallelism"); par && *par > 100000) {
      out.push_back(v::invalid(v::child(p, "parallelism"), json::value(*par),
                               "must be less than or equal to 100000 when completion mode is "
                               "Indexed"));
    }
  }
  validatePodFailurePolicy(spec, p, out);
  validateTemplateRestartPolicy(spec, p, {"OnFailure", "Never"}, out);
  if (spec.contains("podFailurePolicy")) {
    const auto* tmpl = v::getObject(spec, "template");
    const auto* podSpec = tmpl ? v::getObject(*tmpl, "spec") : nullptr;
    auto policy = podSpec ? v::getString(*podSpec, "restartPolicy") : std::nullopt;
    if (policy == "OnFailure") {
      out.push_back(v::invalid(v::child(p, "template.spec.restartPolicy"), json::value(*policy),
                               "only \"Never\" is supported when podFailurePolicy is specified"));
    }
  }
}

namespace {

Causes validateJob(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = specOf(obj);
  const auto& spec = specPtr ? *specPtr : kEmpty;
  if (!old) validateGeneratedSelector(obj, spec, out);
  validateJobSpecCommon(spec, "spec", out);
  const json::value* sel = spec.if_contains("selector");
  if (!sel || sel->is_null()) {
    out.push_back(v::required("spec.selector"));
  } else {
    v::append(out, v::validateLabelSelector(sel, "spec.selector"));
    validateSelectorMatchesTemplate(spec, "spec", out);
  }
  if (old) {
    // Immutable parts of a Job. Kubernetes also lets a suspended job change scheduling
    // directives of its template; cube keeps the whole template immutable (TODO if needed).
    static const json::object kEmptySpec;
    const auto* oldSpecPtr = specOf(*old);
    const auto& oldSpec = oldSpecPtr ? *oldSpecPtr : kEmptySpec;
    const json::value* oldSel = oldSpec.if_contains("selector");
    static const json::value kNull;
    if ((sel ? *sel : kNull) != (oldSel ? *oldSel : kNull)) {
      out.push_back(v::invalidPrinted("spec.selector", sel ? goPrintLabelSelector(*sel) : "null",
                                      "field is immutable"));
    }
    v::append(out, v::validateImmutableField(spec.if_contains("template"),
                                             oldSpec.if_contains("template"), "spec.template"));
    v::append(out, v::validateImmutableField(spec.if_contains("completionMode"),
                                             oldSpec.if_contains("completionMode"),
                                             "spec.completionMode"));
    if (v::getString(spec, "completionMode").value_or("NonIndexed") == "NonIndexed") {
      v::append(out,
                v::validateImmutableField(spec.if_contains("completions"),
                                          oldSpec.if_contains("completions"), "spec.completions"));
    }
  }
  return out;
}

}  // namespace

KindStrategy jobStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultJob;
  s.validate = validateJob;
  return s;
}

}  // namespace cube::api::kinds::batch
