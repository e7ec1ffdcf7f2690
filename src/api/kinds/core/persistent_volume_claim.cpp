// PersistentVolumeClaim: access modes and a storage request are required; after creation the
// spec is immutable except the storage request (expansion), volumeAttributesClassName and the
// one-time volumeName binding. Defaults: Filesystem, status Pending.

#include "api/kinds/core/core_strategies.h"
#include "api/kinds/core/volume_rules.h"
#include "api/validation/pod_spec.h"

#include "common/quantity.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

void defaults(json::object& pvc) {
  auto& spec = v::ensureObject(pvc, "spec");
  if (v::getString(spec, "volumeMode").value_or("").empty()) spec["volumeMode"] = "Filesystem";
  auto& status = v::ensureObject(pvc, "status");
  if (v::getString(status, "phase").value_or("").empty()) status["phase"] = "Pending";
}

void normalize(json::object& pvc) {
  if (auto* spec = pvc.if_contains("spec"); spec && spec->is_object()) {
    if (auto* res = spec->as_object().if_contains("resources"); res && res->is_object()) {
      v::canonicalizeQuantityMap(res->as_object(), "requests");
      v::canonicalizeQuantityMap(res->as_object(), "limits");
    }
  }
  if (auto* status = pvc.if_contains("status"); status && status->is_object()) {
    v::canonicalizeQuantityMap(status->as_object(), "capacity");
    v::canonicalizeQuantityMap(status->as_object(), "allocatedResources");
  }
}

void validateStorageRequest(const json::object& spec, v::Causes& out) {
  const auto* res = v::getObject(spec, "resources");
  const auto* req = res ? v::getObject(*res, "requests") : nullptr;
  const json::value* storage = req ? req->if_contains("storage") : nullptr;
  std::string path = v::key("spec.resources", "storage");
  if (!storage) {
    out.push_back(v::required(path));
    return;
  }
  auto q = v::quantityOf(*storage);
  if (!q) {
    out.push_back(v::invalid(path, *storage, v::kQuantityRegexError));
  } else if (q->isZero() || q->negative) {
    out.push_back(v::invalid(path, json::value(canonicalString(*q)), "must be greater than zero"));
  }
}

v::Causes validate(const json::object& pvc, const json::object* old) {
  v::Causes out = v::validateMeta(pvc, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(pvc, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  validateAccessModes(spec, "spec", "at least 1 access mode is required", out);
  v::append(out, v::validateLabelSelector(spec.if_contains("selector"), "spec.selector"));
  validateStorageRequest(spec, out);
  validateVolumeMode(spec, "spec", out);
  validateStorageClassName(spec, "spec", out);
  if (old) {
    const auto* oldSpecPtr = v::getObject(*old, "spec");
    json::object now = spec;
    json::object before = oldSpecPtr ? *oldSpecPtr : kEmpty;
    // The binder sets volumeName once; a storage class may be set once; requests may grow.
    if (v::getString(before, "volumeName").value_or("").empty()) {
      now.erase("volumeName");
      before.erase("volumeName");
    }
    if (v::getString(before, "storageClassName").value_or("").empty()) {
      now.erase("storageClassName");
      before.erase("storageClassName");
    }
    for (auto* s : {&now, &before}) {
      s->erase("volumeAttributesClassName");
      if (auto* res = s->if_contains("resources"); res && res->is_object()) {
        res->as_object().erase("requests");
        if (res->as_object().empty()) s->erase("resources");
      }
    }
    if (now != before)
      out.push_back(v::forbidden("spec",
                                 "spec is immutable after creation except resources.requests and "
                                 "volumeAttributesClassName for bound claims"));
  }
  return out;
}

}  // namespace

KindStrategy persistentVolumeClaimStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
