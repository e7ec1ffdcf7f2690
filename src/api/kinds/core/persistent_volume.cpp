// PersistentVolume: cluster-scoped; exactly one source, storage capacity, access modes and a
// known reclaim policy. Defaults: Retain, Filesystem, status Pending.

#include "api/kinds/core/core_strategies.h"
#include "api/kinds/core/volume_rules.h"
#include "api/validation/pod_spec.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

constexpr std::string_view kSources[] = {"gcePersistentDisk",
                                         "awsElasticBlockStore",
                                         "hostPath",
                                         "glusterfs",
                                         "nfs",
                                         "rbd",
                                         "iscsi",
                                         "cinder",
                                         "cephfs",
                                         "fc",
                                         "flocker",
                                         "flexVolume",
                                         "azureFile",
                                         "vsphereVolume",
                                         "quobyte",
                                         "azureDisk",
                                         "photonPersistentDisk",
                                         "portworxVolume",
                                         "scaleIO",
                                         "local",
                                         "storageos",
                                         "csi"};

void defaults(json::object& pv) {
  auto& spec = v::ensureObject(pv, "spec");
  if (v::getString(spec, "persistentVolumeReclaimPolicy").value_or("").empty())
    spec["persistentVolumeReclaimPolicy"] = "Retain";
  if (v::getString(spec, "volumeMode").value_or("").empty()) spec["volumeMode"] = "Filesystem";
  if (auto* hp = spec.if_contains("hostPath");
      hp && hp->is_object() && !hp->as_object().contains("type"))
    hp->as_object()["type"] = "";
  auto& status = v::ensureObject(pv, "status");
  if (v::getString(status, "phase").value_or("").empty()) status["phase"] = "Pending";
}

void normalize(json::object& pv) {
  if (auto* spec = pv.if_contains("spec"); spec && spec->is_object())
    v::canonicalizeQuantityMap(spec->as_object(), "capacity");
}

v::Causes validate(const json::object& pv, const json::object* old) {
  v::Causes out = v::validateMeta(pv, old, false, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(pv, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  validateAccessModes(spec, "spec", "must specify at least 1 access mode", out);
  const auto* cap = v::getObject(spec, "capacity");
  if (!cap || cap->empty()) {
    out.push_back(v::required("spec.capacity"));
  } else if (!cap->contains("storage") || cap->size() > 1) {
    json::array keys;
    for (const auto& kv : *cap) keys.emplace_back(kv.key());
    out.push_back(v::notSupported("spec.capacity", json::value(keys), {"storage"}));
  } else {
    v::validateNonnegativeQuantity(cap->at("storage"), "spec.capacity[storage]", out);
  }
  v::validateOneOf(spec, kSources, "spec", "must specify a volume type",
                   "may not specify more than 1 volume type", out);
  if (const auto* hp = v::getObject(spec, "hostPath")) {
    if (v::getString(*hp, "path").value_or("").empty())
      out.push_back(v::required("spec.hostPath.path"));
  }
  if (const auto* local = v::getObject(spec, "local")) {
    if (v::getString(*local, "path").value_or("").empty())
      out.push_back(v::required("spec.local.path"));
    if (!v::getObject(spec, "nodeAffinity"))
      out.push_back(v::required("spec.nodeAffinity", "Local volume requires node affinity"));
  }
  if (const auto* nfs = v::getObject(spec, "nfs")) {
    if (v::getString(*nfs, "server").value_or("").empty())
      out.push_back(v::required("spec.nfs.server"));
    std::string path(v::getString(*nfs, "path").value_or(""));
    if (path.empty()) {
      out.push_back(v::required("spec.nfs.path"));
    } else if (path.front() != '/') {
      out.push_back(v::invalid("spec.nfs.path", json::value(path), "must be an absolute path"));
    }
  }
  if (const auto* csi = v::getObject(spec, "csi")) {
    if (v::getString(*csi, "driver").value_or("").empty())
      out.push_back(v::required("spec.csi.driver"));
    if (v::getString(*csi, "volumeHandle").value_or("").empty())
      out.push_back(v::required("spec.csi.volumeHandle"));
  }
  if (auto policy = v::getString(spec, "persistentVolumeReclaimPolicy");
      policy && *policy != "Delete" && *policy != "Recycle" && *policy != "Retain")
    out.push_back(v::notSupported("spec.persistentVolumeReclaimPolicy", json::value(*policy),
                                  {"Delete", "Recycle", "Retain"}));
  validateVolumeMode(spec, "spec", out);
  validateStorageClassName(spec, "spec", out);
  if (old) {
    const auto* oldSpec = v::getObject(*old, "spec");
    if (oldSpec) {
      for (auto f : {"volumeMode"}) {
        v::append(out, v::validateImmutableField(spec.if_contains(f), oldSpec->if_contains(f),
                                                 v::child("spec", f)));
      }
    }
  }
  return out;
}

}  // namespace

KindStrategy persistentVolumeStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
