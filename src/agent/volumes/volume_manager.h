#pragma once
// VolumeManager: the volumes of the pods of one real node, kept under
// <podsDir>/<uid>/volumes/<plugin>/<name> (the kubelet's layout).
//
//  - setUp(pod) prepares every spec.volumes entry before the pod's sandbox and containers
//    start, again and again until it works (a ConfigMap may appear later): emptyDir (a directory
//    0777; `medium: Memory` a tmpfs sized as the kubelet sizes it; sizeLimit on disk is enforced
//    by eviction, empty_dir_limits.h), hostPath (the `type` checks; no type and nothing there: a
//    directory, as containerd makes it), configMap and downwardAPI (files on disk), secret and
//    projected (files on a tmpfs). The pod's fsGroup is applied to all but hostPath
//    (volume_ownership.h).
//    What exists already is kept: emptyDir data survives container restarts and agent
//    restarts; API-backed files are rewritten only when they differ (the atomic ..data swap),
//    which is also how updates reach a running pod. persistentVolumeClaim and the other plugins
//    are not supported yet and fail clearly.
//  - mountsFor(pod, container) maps a container's volumeMounts (mountPath, readOnly, subPath,
//    subPathExpr) to the host paths the runtime bind-mounts. configMap, secret, downwardAPI and
//    projected volumes are always read-only, as with the kubelet. mountPropagation is ignored.
//  - tearDown(uid) unmounts and removes everything of the pod; it needs nothing but the uid, so
//    it works for a pod adopted after an agent restart.
//
// Stateless apart from the directory: every call reads the pod spec and the disk.

#include "agent/container_env.h"
#include "agent/volumes/volume_error.h"
#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <vector>

namespace cube::agent::volumes {

// Whether the pod has configMap, secret, downwardAPI or projected volumes (files from the API,
// worth writing again while it runs).
bool hasApiVolumes(const boost::json::object& pod);

// A container variable by name, or null (for subPathExpr).
using VariableLookup = std::function<const std::string*(const std::string&)>;

class VolumeManager {
 public:
  explicit VolumeManager(std::string podsDir);

  // Sets up what it can; returns the volumes that failed (empty: the pod may start). Other
  // errors (the API unreachable) throw, and the caller retries.
  std::vector<VolumeSetupError> setUp(const boost::json::object& pod, const EnvContext& context,
                                      const EnvObjectLookup& lookup);

  // Throws runtime::ContainerConfigError for a mount the container cannot have (unknown volume,
  // a subPath leading out of its volume): the kubelet's CreateContainerConfigError.
  std::vector<runtime::ContainerMount> mountsFor(const boost::json::object& pod,
                                                 const boost::json::object& container,
                                                 const VariableLookup& variables) const;

  // Idempotent. Throws std::runtime_error when a mount cannot be undone (nothing is removed).
  void tearDown(const std::string& podUid);

  const std::string& podsDir() const { return podsDir_; }

 private:
  std::string podsDir_;
};

}  // namespace cube::agent::volumes
