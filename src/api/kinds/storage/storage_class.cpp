// storage.k8s.io/v1 StorageClass: provisioner required; provisioner, parameters, reclaimPolicy and
// volumeBindingMode fixed after creation.
#include "api/kinds/storage/storage_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::storage {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

void defaultStorageClass(json::object& obj) {
  if (!obj.contains("reclaimPolicy")) obj["reclaimPolicy"] = "Delete";
  if (!obj.contains("volumeBindingMode")) obj["volumeBindingMode"] = "Immediate";
}

Causes validateStorageClass(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, false, v::nameIsDnsSubdomain);
  auto provisioner = v::getString(obj, "provisioner").value_or("");
  if (provisioner.empty()) {
    out.push_back(v::required("provisioner"));
  } else {
    // A qualified name such as kubernetes.io/gce-pd.
    for (auto& m : v::isQualifiedName(provisioner)) {
      out.push_back(v::invalid("provisioner", json::value(provisioner), m));
    }
  }
  if (const auto* params = v::getObject(obj, "parameters")) {
    size_t total = 0;
    for (const auto& kv : *params) {
      total += kv.key().size();
      if (kv.value().is_string()) total += kv.value().as_string().size();
      if (kv.key().empty()) {
        out.push_back(v::invalid("parameters", json::value(kv.key()), "field can not be empty."));
      }
    }
    if (total > 256 * 1024) out.push_back(v::tooLong("parameters", 256 * 1024));
  }
  if (auto policy = v::getString(obj, "reclaimPolicy")) {
    if (*policy != "Delete" && *policy != "Retain") {
      out.push_back(v::notSupported("reclaimPolicy", json::value(*policy), {"Delete", "Retain"}));
    }
  }
  auto mode = v::getString(obj, "volumeBindingMode");
  if (!mode) {
    out.push_back(v::required("volumeBindingMode"));
  } else if (*mode != "Immediate" && *mode != "WaitForFirstConsumer") {
    out.push_back(v::notSupported("volumeBindingMode", json::value(*mode),
                                  {"Immediate", "WaitForFirstConsumer"}));
  }
  if (old) {
    static const json::value kNull;
    auto same = [&](const char* f) {
      const json::value* a = obj.if_contains(f);
      const json::value* b = old->if_contains(f);
      return (a ? *a : kNull) == (b ? *b : kNull);
    };
    if (!same("parameters")) {
      out.push_back(v::forbidden("parameters", "updates to parameters are forbidden."));
    }
    if (!same("provisioner")) {
      out.push_back(v::forbidden("provisioner", "updates to provisioner are forbidden."));
    }
    if (!same("reclaimPolicy")) {
      out.push_back(v::forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    }
    v::append(
        out, v::validateImmutableField(obj.if_contains("volumeBindingMode"),
                                       old->if_contains("volumeBindingMode"), "volumeBindingMode"));
  }
  return out;
}

}  // namespace

KindStrategy storageClassStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultStorageClass;
  s.validate = validateStorageClass;
  return s;
}

}  // namespace cube::api::kinds::storage
