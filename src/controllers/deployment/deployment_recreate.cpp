// DeploymentController: Recreate. Every old ReplicaSet goes to 0 and the new one starts only
// once no old pod is left running, so two versions never serve at once.

#include "controllers/controller_ref.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/deployment_util.h"
#include "controllers/pod_util.h"

#include <unordered_set>

namespace cube::controllers::deployment {

void DeploymentController::rolloutRecreate(State& s) {
  bool scaledDown = false;
  for (const auto& rs : RsList(s.oldRss)) {
    if (specReplicas(*rs) == 0) continue;
    scaleReplicaSet(s, rs, 0);
    scaledDown = true;
  }
  if (scaledDown || oldPodsRunning(s)) {
    syncRolloutStatus(s);
    return;
  }
  if (!s.newRs) {
    int64_t maxOld = 0;
    for (const auto& rs : s.oldRss) maxOld = std::max(maxOld, revisionOf(*rs));
    createNewReplicaSet(s, maxOld + 1);
    syncDeploymentRevision(s);
  }
  if (s.newRs && specReplicas(*s.newRs) != specReplicas(s.deployment)) {
    scaleReplicaSet(s, s.newRs, specReplicas(s.deployment));
    syncRolloutStatus(s);
    return;
  }
  int64_t replicas = specReplicas(s.deployment);
  if (s.newRs && statusInt(*s.newRs, "availableReplicas") == replicas) cleanupOldReplicaSets(s);
  syncRolloutStatus(s);
}

bool DeploymentController::oldPodsRunning(const State& s) const {
  if (sumStatus(s.oldRss, "replicas") > 0) return true;
  std::unordered_set<std::string> oldUids;
  for (const auto& rs : s.oldRss) oldUids.insert(uidOf(*rs));
  for (const auto& pod : deps_.pods->listNamespace(namespaceOf(s.deployment))) {
    auto ref = controllerOf(*pod);
    if (!ref || !oldUids.count(ref->uid)) continue;
    std::string phase = podPhase(*pod);
    // A terminating pod still runs until it is gone.
    if (phase != "Succeeded" && phase != "Failed") return true;
  }
  return false;
}

}  // namespace cube::controllers::deployment
