// DeploymentController: revisionHistoryLimit. Old ReplicaSets scaled to 0 are the rollback
// history; beyond the limit the oldest revisions are deleted (never one still running pods or
// whose latest spec its controller has not observed yet).

#include "common/api_error.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/deployment_util.h"

#include <algorithm>

namespace cube::controllers::deployment {

void DeploymentController::cleanupOldReplicaSets(State& s) {
  const auto* spec = json::getObject(s.deployment, "spec");
  if (!spec || !spec->contains("revisionHistoryLimit")) return;  // unlimited
  int64_t limit = json::getInt(*spec, "revisionHistoryLimit", 10);
  RsList cleanable;
  for (const auto& rs : s.oldRss) {
    if (!isBeingDeleted(*rs)) cleanable.push_back(rs);
  }
  int64_t excess = static_cast<int64_t>(cleanable.size()) - limit;
  if (excess <= 0) return;
  std::stable_sort(cleanable.begin(), cleanable.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    return revisionOf(*a) < revisionOf(*b);
  });
  for (const auto& rs : cleanable) {
    if (excess <= 0) break;
    const auto* meta = json::getObject(*rs, "metadata");
    int64_t generation = meta ? json::getInt(*meta, "generation", 0) : 0;
    if (specReplicas(*rs) != 0 || statusInt(*rs, "replicas") != 0 ||
        generation > statusInt(*rs, "observedGeneration"))
      continue;
    try {
      deps_.client->remove(kReplicaSetsResource, namespaceOf(*rs), nameOf(*rs),
                           client::DeleteOptions{.gracePeriodSeconds = std::nullopt,
                                                 .propagationPolicy = "",
                                                 .preconditionUid = uidOf(*rs),
                                                 .preconditionResourceVersion = ""});
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
    --excess;
  }
}

}  // namespace cube::controllers::deployment
