// DeploymentController: RollingUpdate. Each step either grows the new ReplicaSet while the total
// stays within replicas + maxSurge, or shrinks old ones while the available pods stay at least
// replicas - maxUnavailable; the ReplicaSets' status (written by the ReplicaSet controller) says
// how many pods are available, so every step is taken on observed state.

#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/deployment_util.h"

#include <algorithm>

namespace cube::controllers::deployment {

void DeploymentController::rolloutRolling(State& s) {
  if (reconcileNewReplicaSet(s) || reconcileOldReplicaSets(s)) {
    syncRolloutStatus(s);
    return;
  }
  const auto& d = s.deployment;
  int64_t replicas = specReplicas(d);
  bool complete = s.newRs && specReplicas(*s.newRs) == replicas &&
                  statusInt(*s.newRs, "availableReplicas") == replicas &&
                  sumSpecReplicas(s.oldRss) == 0;
  if (complete) cleanupOldReplicaSets(s);
  syncRolloutStatus(s);
}

bool DeploymentController::reconcileNewReplicaSet(State& s) {
  if (!s.newRs) return false;
  int64_t replicas = specReplicas(s.deployment);
  int64_t current = specReplicas(*s.newRs);
  if (current == replicas) return false;
  if (current > replicas) {
    scaleReplicaSet(s, s.newRs, replicas);
    return true;
  }
  int64_t want = newReplicaSetReplicas(s);
  if (want == current) return false;
  scaleReplicaSet(s, s.newRs, want);
  return true;
}

bool DeploymentController::reconcileOldReplicaSets(State& s) {
  if (sumSpecReplicas(s.oldRss) == 0) return false;
  const auto& d = s.deployment;
  int64_t replicas = specReplicas(d);
  int64_t allPods = sumSpecReplicas(s.all());
  int64_t minAvailable = replicas - maxUnavailable(d);
  int64_t newUnavailable =
      s.newRs ? specReplicas(*s.newRs) - statusInt(*s.newRs, "availableReplicas") : 0;
  // Pods that may go without breaking minAvailable, not counting new pods that are not
  // available yet (removing old pods for those would be spending availability we don't have).
  int64_t maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  // Unhealthy old pods go first: removing them costs no availability.
  int64_t cleaned = cleanupUnhealthyReplicas(s, maxScaledDown);
  int64_t scaledDown = scaleDownOldForRollingUpdate(s, minAvailable);
  return cleaned + scaledDown > 0;
}

int64_t DeploymentController::cleanupUnhealthyReplicas(State& s, int64_t maxCleanup) {
  RsList old = s.oldRss;
  sortByCreation(old);
  int64_t total = 0;
  for (const auto& rs : old) {
    if (total >= maxCleanup) break;
    int64_t size = specReplicas(*rs);
    if (size == 0) continue;
    int64_t unhealthy = size - statusInt(*rs, "availableReplicas");
    if (unhealthy <= 0) continue;
    int64_t down = std::min(maxCleanup - total, unhealthy);
    scaleReplicaSet(s, rs, size - down);
    total += down;
  }
  return total;
}

int64_t DeploymentController::scaleDownOldForRollingUpdate(State& s, int64_t minAvailable) {
  int64_t available = sumStatus(s.all(), "availableReplicas");
  if (available <= minAvailable) return 0;
  int64_t budget = available - minAvailable;
  RsList old = s.oldRss;
  sortByCreation(old);
  int64_t total = 0;
  for (const auto& rs : old) {
    if (total >= budget) break;
    int64_t size = specReplicas(*rs);
    if (size == 0) continue;
    int64_t down = std::min(size, budget - total);
    scaleReplicaSet(s, rs, size - down);
    total += down;
  }
  return total;
}

}  // namespace cube::controllers::deployment
