// StatefulSetController::reconcile: revisions, which pods exist for which ordinal, and the
// ordering rules for creating, removing and updating them (see the header).

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/controller_ref_manager.h"
#include "controllers/history/controller_history.h"
#include "controllers/pod_util.h"
#include "controllers/statefulset/stateful_set_controller.h"
#include "json/selector/label_selector.h"

#include <algorithm>
#include <map>

namespace cube::controllers::statefulset {

namespace bj = boost::json;

namespace {

std::string revisionOf(const bj::object& pod) {
  const auto* labels = labelsOf(pod);
  return labels ? json::getString(*labels, history::kRevisionHashLabel) : "";
}

bool runningAndReady(const bj::object& pod) {
  return podPhase(pod) == "Running" && isPodReady(pod);
}

}  // namespace

void StatefulSetController::reconcile(const std::string& key) {
  ObjectPtr setPtr = deps_.statefulSets->get(key);
  if (!setPtr) return;  // its pods are the garbage collector's
  const bj::object& set = *setPtr;
  const bj::object* spec = json::getObject(set, "spec");
  const bj::value* selectorJson = spec ? spec->if_contains("selector") : nullptr;
  if (!selectorJson) return;
  json::LabelSelector selector;
  try {
    selector = json::LabelSelector::fromLabelSelector(*selectorJson);
  } catch (const ApiError& e) {
    CUBE_LOG(Warn) << "statefulset-controller: " << key << ": invalid selector: " << e.message();
    return;
  }
  std::string ns = namespaceOf(set), setName = nameOf(set);
  static const bj::object kEmpty;
  const auto* tmplPtr = json::getObject(*spec, "template");
  const bj::object& updateTemplate = tmplPtr ? *tmplPtr : kEmpty;
  OwnerReference controllerRef = makeControllerRef(set, "apps/v1", "StatefulSet");
  bool deleting = isBeingDeleted(set);

  // Revisions: the update revision is the current template; the current revision is what the
  // last completed rollout produced.
  auto revisions = history::ownedRevisions(*deps_.revisions, set);
  std::string updateRevision = setName + "-" + history::templateHash(updateTemplate);
  if (!deleting)
    history::ensureCurrentRevision(*deps_.client, revisions, set, controllerRef, updateTemplate);
  const auto* prevStatus = json::getObject(set, "status");
  std::string currentRevision = prevStatus ? json::getString(*prevStatus, "currentRevision") : "";
  const bj::object* currentTemplate = nullptr;
  for (const auto& rev : revisions) {
    if (nameOf(*rev) == currentRevision) currentTemplate = history::templateOf(*rev);
  }
  if (!currentTemplate) {
    currentRevision = updateRevision;
    currentTemplate = &updateTemplate;
  }

  // Claim: ours, plus orphans that match the selector and carry one of our ordinal names.
  ClaimRequest claim;
  claim.owner = setPtr.get();
  claim.controllerRef = controllerRef;
  claim.matches = [&](const bj::object& pod) {
    return selector.matches(labelsOf(pod)) && ordinalOf(setName, nameOf(pod)).has_value();
  };
  claim.checkCanAdopt = [&] {
    bj::object fresh = deps_.client->get(kStatefulSets, ns, setName);
    if (uidOf(fresh) != uidOf(set) || isBeingDeleted(fresh))
      throw ApiError(409, "Conflict", "StatefulSet " + key + " is gone");
  };
  claim.patch = [this](const bj::object& pod, const std::string& patch) {
    deps_.client->patch({"", "v1", "pods", true}, namespaceOf(pod), nameOf(pod),
                        client::PatchKind::StrategicMerge, patch);
  };
  ClaimResult claimed = claimObjects(deps_.pods->listNamespace(ns), claim);
  if (!claimed.errors.empty())
    throw ApiError(409, "Conflict", "claiming pods of " + key + ": " + claimed.errors.front());

  int64_t replicas = json::getInt(*spec, "replicas", 1);
  int64_t start = 0;
  if (const auto* ordinals = json::getObject(*spec, "ordinals"))
    start = json::getInt(*ordinals, "start");
  std::vector<ObjectPtr> slots(static_cast<size_t>(std::max<int64_t>(replicas, 0)));
  std::vector<ObjectPtr> condemned;
  for (const auto& pod : claimed.claimed) {
    auto ordinal = ordinalOf(setName, nameOf(*pod));
    if (!ordinal) continue;
    if (*ordinal >= start && *ordinal < start + replicas)
      slots[static_cast<size_t>(*ordinal - start)] = pod;
    else
      condemned.push_back(pod);
  }
  std::sort(condemned.begin(), condemned.end(), [&](const auto& a, const auto& b) {
    return *ordinalOf(setName, nameOf(*a)) > *ordinalOf(setName, nameOf(*b));
  });

  // Status, from what exists now.
  TimePoint now = deps_.clock->now();
  int64_t minReady = json::getInt(*spec, "minReadySeconds");
  int64_t created = 0, ready = 0, available = 0, current = 0, updated = 0;
  for (const auto& pod : claimed.claimed) {
    if (!ordinalOf(setName, nameOf(*pod))) continue;
    ++created;
    if (isBeingDeleted(*pod)) continue;
    if (runningAndReady(*pod)) ++ready;
    if (runningAndReady(*pod) && isPodAvailable(*pod, minReady, now)) ++available;
    if (revisionOf(*pod) == currentRevision) ++current;
    if (revisionOf(*pod) == updateRevision) ++updated;
  }
  // A rollout is complete once every pod runs the update revision and is ready.
  if (updated == created && ready == created && created == replicas) {
    currentRevision = updateRevision;
    current = updated;
  }
  bj::object status{
      {"replicas", created},
      {"readyReplicas", ready},
      {"availableReplicas", available},
      {"currentReplicas", current},
      {"updatedReplicas", updated},
      {"currentRevision", currentRevision},
      {"updateRevision", updateRevision},
      {"collisionCount", prevStatus ? json::getInt(*prevStatus, "collisionCount") : 0},
      {"observedGeneration", json::getInt(*json::getObject(set, "metadata"), "generation")}};

  bool monotonic = json::getString(*spec, "podManagementPolicy", "OrderedReady") != "Parallel";
  const auto* strategyJson = json::getObject(*spec, "updateStrategy");
  std::string strategy =
      strategyJson ? json::getString(*strategyJson, "type", "RollingUpdate") : "RollingUpdate";
  int64_t partition = 0;
  if (const auto* p = json::findPath(*spec, "updateStrategy.rollingUpdate.partition");
      p && p->is_int64())
    partition = p->as_int64();

  auto sync = [&] {
    if (deleting) return;
    // 1. Every ordinal exists and is healthy, in order (OrderedReady waits at each).
    for (size_t i = 0; i < slots.size(); ++i) {
      int64_t ordinal = start + static_cast<int64_t>(i);
      const ObjectPtr& pod = slots[i];
      if (!pod) {
        bool useCurrent = strategy == "RollingUpdate" && ordinal < start + partition &&
                          currentRevision != updateRevision;
        createPod(set, ordinal, useCurrent ? *currentTemplate : updateTemplate,
                  useCurrent ? currentRevision : updateRevision);
        if (monotonic) return;
        continue;
      }
      if (isBeingDeleted(*pod)) {
        if (monotonic) return;  // its successor comes after it is gone
        continue;
      }
      if (isPodTerminal(*pod)) {
        // Recreated under the same name on a later pass.
        deletePod(set, *pod);
        if (monotonic) return;
        continue;
      }
      if (monotonic && !runningAndReady(*pod)) return;
    }
    // 2. Ordinals beyond replicas go, highest first.
    for (const auto& pod : condemned) {
      if (isBeingDeleted(*pod)) {
        if (monotonic) return;
        continue;
      }
      deletePod(set, *pod);
      if (monotonic) return;
    }
    // 3. RollingUpdate: from the highest ordinal down to the partition, one pod at a time.
    if (strategy != "RollingUpdate") return;
    for (int64_t i = static_cast<int64_t>(slots.size()) - 1; i >= 0; --i) {
      if (start + i < start + partition) break;
      const ObjectPtr& pod = slots[static_cast<size_t>(i)];
      if (!pod) return;
      if (revisionOf(*pod) != updateRevision && !isBeingDeleted(*pod)) {
        deletePod(set, *pod);
        return;
      }
      if (isBeingDeleted(*pod) || !runningAndReady(*pod)) return;
    }
  };
  sync();

  if (!deleting) {
    std::vector<std::string> live{currentRevision, updateRevision};
    std::vector<std::string> liveHashes;
    for (const auto& name : live) liveHashes.push_back(name.substr(setName.size() + 1));
    for (const auto& pod : claimed.claimed) {
      std::string r = revisionOf(*pod);
      if (r.size() > setName.size() + 1) liveHashes.push_back(r.substr(setName.size() + 1));
    }
    history::truncateHistory(*deps_.client, revisions, liveHashes,
                             json::getInt(*spec, "revisionHistoryLimit", 10));
  }
  writeStatus(set, status);
  if (minReady > 0 && ready > available) queue_->addAfter(key, std::chrono::seconds(minReady));
}

}  // namespace cube::controllers::statefulset
