// ResourceQuota: hard limits are valid, non-negative quantities; scopes are known names.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/pod_spec.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

const std::vector<std::string> kScopes = {
    "BestEffort",  "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass",
    "Terminating", "VolumeAttributesClass"};

void normalize(json::object& rq) {
  if (auto* spec = rq.if_contains("spec"); spec && spec->is_object())
    v::canonicalizeQuantityMap(spec->as_object(), "hard");
  if (auto* status = rq.if_contains("status"); status && status->is_object()) {
    v::canonicalizeQuantityMap(status->as_object(), "hard");
    v::canonicalizeQuantityMap(status->as_object(), "used");
  }
}

void validateQuantities(const json::object* map, const std::string& path, v::Causes& out) {
  if (!map) return;
  for (const auto& kv : *map) {
    std::string name(kv.key());
    std::string p = v::key(path, name);
    for (auto& m : v::isQualifiedName(name)) out.push_back(v::invalid(p, json::value(name), m));
    v::validateNonnegativeQuantity(kv.value(), p, out);
  }
}

v::Causes validate(const json::object& rq, const json::object* old) {
  v::Causes out = v::validateMeta(rq, old, true, v::nameIsDnsSubdomain);
  if (const auto* spec = v::getObject(rq, "spec")) {
    validateQuantities(v::getObject(*spec, "hard"), "spec.hard", out);
    if (const auto* scopes = v::getArray(*spec, "scopes")) {
      for (size_t i = 0; i < scopes->size(); ++i) {
        if (!(*scopes)[i].is_string()) continue;
        std::string s((*scopes)[i].as_string());
        if (std::find(kScopes.begin(), kScopes.end(), s) == kScopes.end())
          out.push_back(v::notSupported(v::index("spec.scopes", i), (*scopes)[i], kScopes));
      }
    }
  }
  if (const auto* status = v::getObject(rq, "status")) {
    validateQuantities(v::getObject(*status, "hard"), "status.hard", out);
    validateQuantities(v::getObject(*status, "used"), "status.used", out);
  }
  return out;
}

}  // namespace

KindStrategy resourceQuotaStrategy() {
  KindStrategy s;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
