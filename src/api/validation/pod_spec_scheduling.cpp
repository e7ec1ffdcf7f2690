// Scheduling constraints of a PodSpec: node and pod (anti-)affinity, tolerations and topology
// spread constraints.

#include "api/validation/pod_spec.h"
#include "api/validation/pod_spec_internal.h"

#include <set>

namespace cube::api::validation {

namespace json = boost::json;
using namespace detail;

namespace {

// topologyKey of a pod affinity term or a topology spread constraint at `path`.
void validateTopologyKey(const std::string& key, const std::string& path, Causes& out) {
  if (key.empty()) {
    out.push_back(required(child(path, "topologyKey"), "can not be empty"));
  } else {
    addMessages(out, isQualifiedName(key), child(path, "topologyKey"), json::value(key));
  }
}

// weight of a preferred scheduling term at `path`: 1 to 100.
void validateWeight(const json::object& term, const std::string& path, Causes& out) {
  auto w = getInt(term, "weight").value_or(0);
  if (w <= 0 || w > 100)
    out.push_back(invalid(child(path, "weight"), json::value(w), "must be in the range 1-100"));
}

void validateNodeSelectorRequirement(const json::object& rq, const std::string& path,
                                     bool fieldSelector, Causes& out) {
  std::string op = str(rq, "operator");
  size_t n = arrayOr(rq, "values").size();
  if (op == "In" || op == "NotIn") {
    if (n == 0)
      out.push_back(
          required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (n > 0)
      out.push_back(
          forbidden(child(path, "values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (op == "Gt" || op == "Lt") {
    if (n != 1)
      out.push_back(required(child(path, "values"),
                             "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    out.push_back(
        invalid(child(path, "operator"), json::value(op), "not a valid selector operator"));
  }
  if (!fieldSelector) {
    std::string k = str(rq, "key");
    addMessages(out, isQualifiedName(k), child(path, "key"), json::value(k));
  }
}

void validateNodeSelectorTerm(const json::object& term, const std::string& path, Causes& out) {
  const auto& exprs = arrayOr(term, "matchExpressions");
  for (size_t i = 0; i < exprs.size(); ++i)
    if (exprs[i].is_object())
      validateNodeSelectorRequirement(exprs[i].as_object(),
                                      index(child(path, "matchExpressions"), i), false, out);
  const auto& fields = arrayOr(term, "matchFields");
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].is_object())
      validateNodeSelectorRequirement(fields[i].as_object(), index(child(path, "matchFields"), i),
                                      true, out);
}

void validatePodAffinityTerm(const json::object& term, const std::string& path, Causes& out) {
  append(out,
         validateLabelSelector(term.if_contains("labelSelector"), child(path, "labelSelector")));
  append(out, validateLabelSelector(term.if_contains("namespaceSelector"),
                                    child(path, "namespaceSelector")));
  const auto& nss = arrayOr(term, "namespaces");
  for (const auto& ns : nss)
    if (ns.is_string())
      addMessages(out, nameIsDnsLabel(ns.as_string(), false), child(path, "namespace"), ns);
  validateTopologyKey(str(term, "topologyKey"), path, out);
}

void validatePodAffinity(const json::object& pa, const std::string& path, Causes& out) {
  const auto& req = arrayOr(pa, "requiredDuringSchedulingIgnoredDuringExecution");
  for (size_t i = 0; i < req.size(); ++i)
    if (req[i].is_object())
      validatePodAffinityTerm(
          req[i].as_object(),
          index(child(path, "requiredDuringSchedulingIgnoredDuringExecution"), i), out);
  const auto& pref = arrayOr(pa, "preferredDuringSchedulingIgnoredDuringExecution");
  for (size_t i = 0; i < pref.size(); ++i) {
    if (!pref[i].is_object()) continue;
    std::string p = index(child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
    validateWeight(pref[i].as_object(), p, out);
    if (const auto* t = getObject(pref[i].as_object(), "podAffinityTerm"))
      validatePodAffinityTerm(*t, child(p, "podAffinityTerm"), out);
  }
}

}  // namespace

void detail::validateAffinity(const json::object* aff, const std::string& path, Causes& out) {
  if (!aff) return;
  if (const auto* na = getObject(*aff, "nodeAffinity")) {
    std::string p = child(path, "nodeAffinity");
    if (const auto* req = getObject(*na, "requiredDuringSchedulingIgnoredDuringExecution")) {
      std::string rp = child(p, "requiredDuringSchedulingIgnoredDuringExecution");
      const auto& terms = arrayOr(*req, "nodeSelectorTerms");
      if (terms.empty())
        out.push_back(
            required(child(rp, "nodeSelectorTerms"), "must have at least one node selector term"));
      for (size_t i = 0; i < terms.size(); ++i)
        if (terms[i].is_object())
          validateNodeSelectorTerm(terms[i].as_object(), index(child(rp, "nodeSelectorTerms"), i),
                                   out);
    }
    const auto& pref = arrayOr(*na, "preferredDuringSchedulingIgnoredDuringExecution");
    for (size_t i = 0; i < pref.size(); ++i) {
      if (!pref[i].is_object()) continue;
      std::string pp = index(child(p, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      validateWeight(pref[i].as_object(), pp, out);
      if (const auto* t = getObject(pref[i].as_object(), "preference"))
        validateNodeSelectorTerm(*t, child(pp, "preference"), out);
    }
  }
  if (const auto* pa = getObject(*aff, "podAffinity"))
    validatePodAffinity(*pa, child(path, "podAffinity"), out);
  if (const auto* pa = getObject(*aff, "podAntiAffinity"))
    validatePodAffinity(*pa, child(path, "podAntiAffinity"), out);
}

void detail::validateTopologySpread(const json::array& constraints, const std::string& path,
                                    Causes& out) {
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < constraints.size(); ++i) {
    if (!constraints[i].is_object()) continue;
    const auto& c = constraints[i].as_object();
    std::string p = index(path, i);
    auto skew = getInt(c, "maxSkew").value_or(0);
    if (skew <= 0)
      out.push_back(invalid(child(p, "maxSkew"), json::value(skew), "must be greater than zero"));
    std::string key = str(c, "topologyKey");
    validateTopologyKey(key, p, out);
    std::string when = str(c, "whenUnsatisfiable");
    if (when != "DoNotSchedule" && when != "ScheduleAnyway")
      out.push_back(notSupported(child(p, "whenUnsatisfiable"), json::value(when),
                                 {"DoNotSchedule", "ScheduleAnyway"}));
    if (auto md = getInt(c, "minDomains"); md && *md <= 0)
      out.push_back(invalid(child(p, "minDomains"), json::value(*md), "must be greater than zero"));
    if (!seen.insert({key, when}).second)
      out.push_back(duplicate(child(p, "{topologyKey, whenUnsatisfiable}"),
                              json::value("{" + key + ", " + when + "}")));
    append(out, validateLabelSelector(c.if_contains("labelSelector"), child(p, "labelSelector")));
  }
}

Causes validateTolerations(const json::value* tolerations, std::string_view pathView) {
  Causes out;
  if (!tolerations || !tolerations->is_array()) return out;
  std::string path(pathView);
  const auto& list = tolerations->as_array();
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) continue;
    const auto& t = list[i].as_object();
    std::string p = index(path, i);
    std::string k = str(t, "key");
    std::string op = str(t, "operator");
    std::string effect = str(t, "effect");
    std::string value = str(t, "value");
    if (!k.empty()) addMessages(out, isQualifiedName(k), child(p, "key"), json::value(k));
    if (k.empty() && op != "Exists")
      out.push_back(invalid(child(p, "operator"), json::value(op),
                            "operator must be Exists when `key` is empty, which means \"match all "
                            "values and all keys\""));
    if (has(t, "tolerationSeconds") && effect != "NoExecute")
      out.push_back(invalid(child(p, "effect"), json::value(effect),
                            "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op == "Equal" || op.empty()) {
      auto errs = isValidLabelValue(value);
      if (!errs.empty()) {
        std::string joined;
        for (size_t j = 0; j < errs.size(); ++j) joined += (j ? ";" : "") + errs[j];
        out.push_back(invalid(child(p, "operator"), json::value(value), joined));
      }
    } else if (op == "Exists") {
      if (!value.empty())
        out.push_back(invalid(child(p, "operator"), list[i],
                              "value must be empty when `operator` is 'Exists'"));
    } else {
      out.push_back(notSupported(child(p, "operator"), json::value(op), {"Equal", "Exists"}));
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" &&
        effect != "NoExecute")
      out.push_back(notSupported(child(p, "effect"), json::value(effect),
                                 {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
  }
  return out;
}

}  // namespace cube::api::validation
