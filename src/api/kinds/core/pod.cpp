// Pod: PodSpec defaults and validation (shared with templates), pod-only defaults
// (enableServiceLinks, requests from limits, priority), the initial Pending status with its QoS
// class, and the update rule that a pod's spec is immutable except a few fields.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/pod_spec.h"

#include "common/quantity.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

constexpr std::string_view kUpdatableFields =
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)";

// Requests default to the limits for every resource that has a limit but no request.
void requestsFromLimits(json::object& spec) {
  for (auto list : {"containers", "initContainers"}) {
    auto* arr = spec.if_contains(list);
    if (!arr || !arr->is_array()) continue;
    for (auto& c : arr->as_array()) {
      if (!c.is_object()) continue;
      auto* res = c.as_object().if_contains("resources");
      if (!res || !res->is_object()) continue;
      const auto* limits = v::getObject(res->as_object(), "limits");
      if (!limits || limits->empty()) continue;
      auto& requests = v::ensureObject(res->as_object(), "requests");
      for (const auto& kv : *limits)
        if (!requests.contains(kv.key())) requests[kv.key()] = kv.value();
    }
  }
}

void defaults(json::object& pod) {
  auto& spec = v::ensureObject(pod, "spec");
  v::defaultPodSpec(spec);
  if (!spec.contains("enableServiceLinks") || spec["enableServiceLinks"].is_null())
    spec["enableServiceLinks"] = true;
  requestsFromLimits(spec);
  // What the Priority admission plugin sets when no PriorityClass is named.
  if (!spec.contains("priority") && v::getString(spec, "priorityClassName").value_or("").empty())
    spec["priority"] = 0;
  if (!spec.contains("preemptionPolicy")) spec["preemptionPolicy"] = "PreemptLowerPriority";
  auto& status = v::ensureObject(pod, "status");
  if (v::getString(status, "phase").value_or("").empty()) status["phase"] = "Pending";
  if (v::getString(status, "qosClass").value_or("").empty()) status["qosClass"] = podQosClass(spec);
}

void normalize(json::object& pod) {
  if (auto* spec = pod.if_contains("spec"); spec && spec->is_object())
    v::normalizePodSpec(spec->as_object());
  if (auto* status = pod.if_contains("status"); status && status->is_object()) {
    for (auto list : {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"}) {
      auto* arr = status->as_object().if_contains(list);
      if (!arr || !arr->is_array()) continue;
      for (auto& cs : arr->as_array()) {
        if (!cs.is_object()) continue;
        v::canonicalizeQuantityMap(cs.as_object(), "allocatedResources");
        if (auto* r = cs.as_object().if_contains("resources"); r && r->is_object()) {
          v::canonicalizeQuantityMap(r->as_object(), "limits");
          v::canonicalizeQuantityMap(r->as_object(), "requests");
        }
      }
    }
  }
}

// Sorted keys whose values differ between two objects (absent == null).
std::vector<std::string> differingKeys(const json::object& a, const json::object& b) {
  std::map<std::string, bool> keys;
  for (const auto& kv : a) keys[std::string(kv.key())] = true;
  for (const auto& kv : b) keys[std::string(kv.key())] = true;
  std::vector<std::string> out;
  static const json::value kNull;
  for (const auto& [k, _] : keys) {
    const json::value* x = a.if_contains(k);
    const json::value* y = b.if_contains(k);
    if ((x ? *x : kNull) != (y ? *y : kNull)) out.push_back(k);
  }
  return out;
}

// A short diff in the spirit of the one Kubernetes appends to the forbidden-update message.
std::string specDiff(const json::object& oldSpec, const json::object& newSpec) {
  std::string s = "  core.PodSpec{\n";
  for (const auto& k : differingKeys(oldSpec, newSpec)) {
    const json::value* o = oldSpec.if_contains(k);
    const json::value* n = newSpec.if_contains(k);
    if (o) s += "- \t" + k + ": " + json::serialize(*o) + ",\n";
    if (n) s += "+ \t" + k + ": " + json::serialize(*n) + ",\n";
  }
  return s + "  }\n";
}

void validateOnlyAddedTolerations(const json::object& spec, const json::object& oldSpec,
                                  v::Causes& out) {
  static const json::array kEmpty;
  const auto* now = v::getArray(spec, "tolerations");
  const auto* before = v::getArray(oldSpec, "tolerations");
  const auto& n = now ? *now : kEmpty;
  const auto& b = before ? *before : kEmpty;
  for (const auto& oldT : b) {
    if (!oldT.is_object()) continue;
    bool found = std::any_of(n.begin(), n.end(), [&](const json::value& newT) {
      if (!newT.is_object()) return false;
      json::object x = oldT.as_object(), y = newT.as_object();
      x.erase("tolerationSeconds");
      y.erase("tolerationSeconds");
      return x == y;
    });
    if (!found) {
      out.push_back(v::forbidden("spec.tolerations",
                                 "existing toleration can not be modified except its "
                                 "tolerationSeconds"));
      return;
    }
  }
  v::append(out, v::validateTolerations(spec.if_contains("tolerations"), "spec.tolerations"));
}

// Kubernetes' ValidatePodUpdate: copy the updatable fields from the old spec into the new one
// and require the rest to be unchanged.
void validateSpecUpdate(const json::object& pod, const json::object& old, v::Causes& out) {
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(pod, "spec");
  const auto* oldSpecPtr = v::getObject(old, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  const auto& oldSpec = oldSpecPtr ? *oldSpecPtr : kEmpty;
  json::object munged = spec;

  for (auto list : {"containers", "initContainers"}) {
    const auto* nowList = v::getArray(spec, list);
    const auto* oldList = v::getArray(oldSpec, list);
    size_t n = nowList ? nowList->size() : 0, o = oldList ? oldList->size() : 0;
    std::string path = std::string("spec.") + list;
    if (n != o) {
      out.push_back(v::forbidden(path, "pod updates may not add or remove containers"));
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      if (!(*nowList)[i].is_object()) continue;
      if (v::getString((*nowList)[i].as_object(), "image").value_or("").empty())
        out.push_back(v::required(v::child(v::index(path, i), "image")));
    }
    if (n == 0) continue;
    auto& mungedList = munged[list].as_array();
    for (size_t i = 0; i < n; ++i) {
      if (!mungedList[i].is_object() || !(*oldList)[i].is_object()) continue;
      const auto& oldC = (*oldList)[i].as_object();
      auto& c = mungedList[i].as_object();
      if (const auto* img = oldC.if_contains("image")) {
        c["image"] = *img;
      } else {
        c.erase("image");
      }
    }
  }

  validateOnlyAddedTolerations(spec, oldSpec, out);

  auto ads = v::getInt(spec, "activeDeadlineSeconds");
  auto oldAds = v::getInt(oldSpec, "activeDeadlineSeconds");
  if (ads) {
    if (*ads < 0 || *ads > 2147483647) {
      out.push_back(v::invalid("spec.activeDeadlineSeconds", json::value(*ads),
                               v::inclusiveRangeError(0, 2147483647)));
      return;
    }
    if (oldAds && *oldAds < *ads) {
      out.push_back(v::invalid("spec.activeDeadlineSeconds", json::value(*ads),
                               "must be less than or equal to previous value"));
      return;
    }
  } else if (oldAds) {
    out.push_back(v::invalid("spec.activeDeadlineSeconds", json::value(nullptr),
                             "must not update from a positive integer to nil value"));
  }

  auto restore = [&](std::string_view k) {
    if (const auto* x = oldSpec.if_contains(k)) {
      munged[k] = *x;
    } else {
      munged.erase(k);
    }
  };
  // Ephemeral containers are only ever added (kubectl debug, through the ephemeralcontainers
  // subresource); existing ones may not change or go away.
  {
    static const json::array kNone;
    const auto* nowEph = v::getArray(spec, "ephemeralContainers");
    const auto* oldEph = v::getArray(oldSpec, "ephemeralContainers");
    const auto& n = nowEph ? *nowEph : kNone;
    const auto& o = oldEph ? *oldEph : kNone;
    bool prefixKept = n.size() >= o.size();
    for (size_t i = 0; prefixKept && i < o.size(); ++i) {
      if (n[i] != o[i]) {
        std::string name = o[i].is_object()
                               ? std::string(v::getString(o[i].as_object(), "name").value_or(""))
                               : "";
        out.push_back(
            v::forbidden(v::index("spec.ephemeralContainers", i),
                         "existing ephemeral containers \"" + name + "\" may not be changed"));
        prefixKept = false;
      }
    }
    if (n.size() < o.size())
      out.push_back(v::forbidden("spec.ephemeralContainers",
                                 "existing ephemeral containers may not be removed"));
    if (prefixKept && n.size() > o.size()) {
      for (auto& c : v::validatePodSpec(spec, "spec"))
        if (c.field.rfind("spec.ephemeralContainers", 0) == 0) out.push_back(std::move(c));
    }
    restore("ephemeralContainers");
  }
  restore("activeDeadlineSeconds");
  restore("schedulingGates");
  restore("tolerations");
  auto oldGrace = v::getInt(oldSpec, "terminationGracePeriodSeconds");
  auto grace = v::getInt(munged, "terminationGracePeriodSeconds");
  if (oldGrace && *oldGrace < 0 && grace && *grace == 1) restore("terminationGracePeriodSeconds");
  // Scheduling gates may only be removed; once gone, they may not return. A gated pod may also
  // gain node selector labels.
  if (const auto* gates = v::getArray(spec, "schedulingGates"); gates && !gates->empty()) {
    const auto* oldGates = v::getArray(oldSpec, "schedulingGates");
    if (!oldGates || oldGates->empty())
      out.push_back(v::forbidden(
          "spec.schedulingGates",
          "only deletion is allowed, but found new scheduling gate '" +
              std::string(v::getString((*gates)[0].as_object(), "name").value_or("")) + "'"));
  }
  if (!v::getArray(oldSpec, "schedulingGates") ||
      v::getArray(oldSpec, "schedulingGates")->empty()) {
    // not gated: nodeSelector and affinity stay as compared
  } else {
    restore("nodeSelector");
    restore("affinity");
  }

  if (munged != oldSpec) {
    out.push_back(v::forbidden("spec", "pod updates may not change fields other than " +
                                           std::string(kUpdatableFields) + "\n" +
                                           specDiff(oldSpec, munged)));
  }
}

v::Causes validate(const json::object& pod, const json::object* old) {
  v::Causes out = v::validateMeta(pod, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* spec = v::getObject(pod, "spec");
  if (!old) {
    v::append(out, v::validatePodSpec(spec ? *spec : kEmpty, "spec"));
    if (spec) {
      if (const auto* eph = v::getArray(*spec, "ephemeralContainers"); eph && !eph->empty())
        out.push_back(v::forbidden("spec.ephemeralContainers", "cannot be set on create"));
    }
    return out;
  }
  validateSpecUpdate(pod, *old, out);
  return out;
}

std::optional<int64_t> milli(const json::value& v) {
  if (v.is_string()) return quantityMilliValue(v.as_string());
  if (v.is_int64()) return v.as_int64() * 1000;
  return std::nullopt;
}

}  // namespace

std::string podQosClass(const json::object& spec) {
  std::map<std::string, int64_t> requests, limits;
  bool guaranteed = true;
  for (auto list : {"containers", "initContainers"}) {
    const auto* arr = v::getArray(spec, list);
    if (!arr) continue;
    for (const auto& c : *arr) {
      if (!c.is_object()) continue;
      const auto* res = v::getObject(c.as_object(), "resources");
      const auto* req = res ? v::getObject(*res, "requests") : nullptr;
      const auto* lim = res ? v::getObject(*res, "limits") : nullptr;
      for (auto name : {"cpu", "memory"}) {
        if (req) {
          if (const auto* q = req->if_contains(name)) {
            auto m = milli(*q);
            if (m && *m != 0) requests[name] += *m;
          }
        }
        bool hasLimit = false;
        if (lim) {
          if (const auto* q = lim->if_contains(name)) {
            auto m = milli(*q);
            if (m && *m != 0) {
              limits[name] += *m;
              hasLimit = true;
            }
          }
        }
        if (!hasLimit) guaranteed = false;
      }
    }
  }
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed && requests == limits) return "Guaranteed";
  return "Burstable";
}

KindStrategy podStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
