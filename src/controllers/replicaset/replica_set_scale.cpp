// ReplicaSetController: creating and deleting pods to reach spec.replicas.

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/pod_ranking.h"
#include "controllers/replicaset/replica_set_controller.h"
#include "controllers/slow_start.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_set>

namespace cube::controllers::replicaset {

namespace bj = boost::json;

ReplicaSetController::ManageOutcome ReplicaSetController::manageReplicas(
    const std::string& key, const bj::object& owner, const std::vector<ObjectPtr>& pods) {
  int64_t diff = static_cast<int64_t>(pods.size()) - specReplicas(owner);
  if (diff < 0) {
    int count = static_cast<int>(std::min<int64_t>(-diff, options_.burstReplicas));
    return createPods(key, owner, count);
  }
  if (diff > 0) {
    int count = static_cast<int>(std::min<int64_t>(diff, options_.burstReplicas));
    return deletePods(key, owner, pods, count);
  }
  return {};
}

ReplicaSetController::ManageOutcome ReplicaSetController::createPods(const std::string& key,
                                                                     const bj::object& owner,
                                                                     int count) {
  ManageOutcome outcome;
  outcome.creating = true;
  const auto* spec = json::getObject(owner, "spec");
  const auto* tmpl = spec ? json::getObject(*spec, "template") : nullptr;
  static const bj::object kEmpty;
  const bj::object& podTemplate = tmpl ? *tmpl : kEmpty;
  client::ObjectReference ref = client::ObjectReference::of(owner, kind_.apiVersion, kind_.kind);
  OwnerReference controllerRef = makeControllerRef(owner, kind_.apiVersion, kind_.kind);
  std::string ns = namespaceOf(owner);

  // Recorded before the first create: the informer may report a new pod before create() returns.
  expectations_->expectCreations(key, count);
  BatchResult result = slowStartBatch(count, 1, options_.writeParallelism, [&] {
    deps_.podControl->createPod(ns, podTemplate, ref, controllerRef);
  });
  // Creates that failed or were never tried will never be observed; stop waiting for them.
  for (int i = result.successes; i < count; ++i) expectations_->creationObserved(key);
  if (result.failed()) {
    CUBE_LOG(Warn) << kind_.component << ": " << key << ": created " << result.successes << " of "
                   << count << " pods: " << result.firstError;
    outcome.error = result.firstError;
  }
  return outcome;
}

ReplicaSetController::ManageOutcome ReplicaSetController::deletePods(
    const std::string& key, const bj::object& owner, const std::vector<ObjectPtr>& pods,
    int count) {
  ManageOutcome outcome;
  std::vector<ObjectPtr> victims =
      podsToDelete(pods, relatedPods(owner, pods), static_cast<size_t>(count), deps_.clock->now());
  std::vector<std::string> uids;
  uids.reserve(victims.size());
  for (const auto& pod : victims) uids.push_back(uidOf(*pod));
  // Before deleting: the informer may report a deletion before remove() returns.
  expectations_->expectDeletions(key, uids);

  client::ObjectReference ref = client::ObjectReference::of(owner, kind_.apiVersion, kind_.kind);
  std::atomic<size_t> next{0};
  std::mutex errorMutex;  // guards outcome.error while the deletes run
  auto work = [&] {
    for (size_t i = next++; i < victims.size(); i = next++) {
      const auto& pod = *victims[i];
      try {
        deps_.podControl->deletePod(namespaceOf(pod), nameOf(pod), ref);
      } catch (const ApiError& e) {
        // Failed or already gone: no deletion event will come for this decision.
        expectations_->deletionObserved(key, uidOf(pod));
        if (e.code() == 404) continue;
        std::lock_guard lock(errorMutex);
        if (!outcome.error) outcome.error = e.message();
      }
    }
  };
  size_t threads =
      std::min(victims.size(), static_cast<size_t>(std::max(1, options_.writeParallelism)));
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t i = 0; i < threads; ++i) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  return outcome;
}

std::vector<ObjectPtr> ReplicaSetController::relatedPods(const bj::object& owner,
                                                         const std::vector<ObjectPtr>& pods) const {
  auto parent = controllerOf(owner);
  if (!parent) return pods;
  std::string ns = namespaceOf(owner);
  std::unordered_set<std::string> siblings;
  for (const auto& other : deps_.owners->listNamespace(ns)) {
    auto ref = controllerOf(*other);
    if (ref && ref->uid == parent->uid) siblings.insert(uidOf(*other));
  }
  std::vector<ObjectPtr> related;
  for (const auto& pod : deps_.pods->listNamespace(ns)) {
    auto ref = controllerOf(*pod);
    if (ref && siblings.count(ref->uid)) related.push_back(pod);
  }
  return related;
}

}  // namespace cube::controllers::replicaset
