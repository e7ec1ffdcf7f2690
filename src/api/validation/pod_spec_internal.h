#pragma once
// Internal to the PodSpec validation files (pod_spec*.cpp): the small JSON helpers they share
// and the per-concern validators pod_spec.cpp composes. Not for use outside this folder; the
// public entry points are in pod_spec.h.

#include "api/validation/validation.h"

#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cube::api::validation::detail {

inline const boost::json::object kEmptyObject;

// `o[k]` as an array; an empty one when absent or of another type.
inline const boost::json::array& arrayOr(const boost::json::object& o, std::string_view k) {
  static const boost::json::array kEmpty;
  const auto* a = getArray(o, k);
  return a ? *a : kEmpty;
}

// True when `o[k]` is present and not null.
inline bool has(const boost::json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && !it->value().is_null();
}

// `o[k]` as a string; empty when absent or of another type.
inline std::string str(const boost::json::object& o, std::string_view k) {
  return std::string(getString(o, k).value_or(""));
}

// One Invalid cause at `path` for each message.
inline void addMessages(Causes& out, const std::vector<std::string>& msgs, const std::string& path,
                        const boost::json::value& value) {
  for (const auto& m : msgs) out.push_back(invalid(path, value, m));
}

// Required name of a referenced object (Secret, ConfigMap): Required when empty, else a DNS
// subdomain.
inline void validateRequiredName(const std::string& name, const std::string& path, Causes& out) {
  if (name.empty()) {
    out.push_back(required(path));
  } else {
    addMessages(out, nameIsDnsSubdomain(name, false), path, boost::json::value(name));
  }
}

// The volume source members of a core/v1 Volume, in Kubernetes' field order: validation wants
// exactly one, defaulting makes a volume without any an emptyDir.
inline constexpr std::array<std::string_view, 30> kPodVolumeSources = {"hostPath",
                                                                       "emptyDir",
                                                                       "gcePersistentDisk",
                                                                       "awsElasticBlockStore",
                                                                       "gitRepo",
                                                                       "secret",
                                                                       "nfs",
                                                                       "iscsi",
                                                                       "glusterfs",
                                                                       "persistentVolumeClaim",
                                                                       "rbd",
                                                                       "flexVolume",
                                                                       "cinder",
                                                                       "cephfs",
                                                                       "flocker",
                                                                       "downwardAPI",
                                                                       "fc",
                                                                       "azureFile",
                                                                       "configMap",
                                                                       "vsphereVolume",
                                                                       "quobyte",
                                                                       "azureDisk",
                                                                       "photonPersistentDisk",
                                                                       "projected",
                                                                       "portworxVolume",
                                                                       "scaleIO",
                                                                       "storageos",
                                                                       "csi",
                                                                       "ephemeral",
                                                                       "image"};

// --- volumes (pod_spec_volumes.cpp) ------------------------------------------------------------

// A relative path without ".." elements (subPath, key-to-path items).
void validateLocalDescendingPath(std::string_view p, const std::string& path, Causes& out);
// Validates pod volumes; returns the names of all named volumes (also those with errors, so that
// a mount of a broken volume is not reported a second time).
std::set<std::string> validateVolumes(const boost::json::array& volumes, const std::string& path,
                                      Causes& out);

// --- containers (pod_spec_containers.cpp) ------------------------------------------------------

// Regular containers: at least one, unique names, no restartPolicy.
void validateContainers(const boost::json::array& containers, const std::set<std::string>& volumes,
                        const std::string& path, Causes& out);
// Init containers: names unique among all containers; probes and lifecycle only for sidecars
// (restartPolicy Always).
void validateInitContainers(const boost::json::array& inits, const boost::json::array& containers,
                            const std::set<std::string>& volumes, const std::string& path,
                            Causes& out);
// Ephemeral containers: no ports, probes, lifecycle or resources; the target must exist.
void validateEphemeralContainers(const boost::json::array& eph,
                                 const boost::json::array& containers,
                                 const boost::json::array& inits,
                                 const std::set<std::string>& volumes, const std::string& path,
                                 Causes& out);

// --- scheduling (pod_spec_scheduling.cpp) ------------------------------------------------------

// Node affinity, pod affinity and anti-affinity (`aff` may be null).
void validateAffinity(const boost::json::object* aff, const std::string& path, Causes& out);
void validateTopologySpread(const boost::json::array& constraints, const std::string& path,
                            Causes& out);

}  // namespace cube::api::validation::detail
