// DeploymentController: the new ReplicaSet (found by template, created, or reused after
// `kubectl rollout undo`), revisions, ReplicaSet scaling and proportional scaling.
//
// kubectl 1.32 rolls back on the client: it copies an old ReplicaSet's template into the
// Deployment. That template then equals the old ReplicaSet's (ignoring pod-template-hash), so
// loadState() picks that ReplicaSet as the new one and gives it the next revision instead of
// creating a copy — which is why `rollout history` shows the undone revision moved to the top.

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/deployment_util.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace cube::controllers::deployment {

namespace bj = boost::json;

namespace {

const bj::object& templateOf(const bj::object& obj) {
  static const bj::object kEmpty;
  const auto* spec = json::getObject(obj, "spec");
  const auto* t = spec ? json::getObject(*spec, "template") : nullptr;
  return t ? *t : kEmpty;
}

int64_t minReadySecondsOf(const bj::object& obj) {
  const auto* spec = json::getObject(obj, "spec");
  return spec ? json::getInt(*spec, "minReadySeconds", 0) : 0;
}

const bj::object* annotationsOf(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  return meta ? json::getObject(*meta, "annotations") : nullptr;
}

ObjectPtr share(bj::object obj) {
  return std::make_shared<const bj::object>(std::move(obj));
}

}  // namespace

DeploymentController::State DeploymentController::loadState(const bj::object& d,
                                                            const RsList& owned, bool create) {
  State s;
  s.deployment = d;
  RsList sorted = owned;
  sortByCreation(sorted);
  const bj::object& wanted = templateOf(d);
  for (const auto& rs : sorted) {
    // Several equal templates can exist only after a hash collision; the oldest wins.
    if (!s.newRs && equalIgnoreHash(templateOf(*rs), wanted))
      s.newRs = rs;
    else
      s.oldRss.push_back(rs);
  }
  int64_t maxOldRevision = 0;
  for (const auto& rs : s.oldRss) maxOldRevision = std::max(maxOldRevision, revisionOf(*rs));
  int64_t newRevision = maxOldRevision + 1;

  if (s.newRs)
    syncNewReplicaSetAnnotations(s, newRevision);
  else if (create)
    createNewReplicaSet(s, newRevision);
  syncDeploymentRevision(s);
  return s;
}

void DeploymentController::syncNewReplicaSetAnnotations(State& s, int64_t newRevision) {
  const bj::object& rs = *s.newRs;
  bj::object annotations;
  static const bj::object kNone;
  const auto* have = annotationsOf(rs);
  if (!have) have = &kNone;
  if (const auto* mine = annotationsOf(s.deployment)) {
    for (const auto& kv : *mine) {
      std::string k(kv.key());
      if (!isCopiableAnnotation(k)) continue;
      const bj::value* cur = have->if_contains(k);
      if (!cur || *cur != kv.value()) annotations[k] = kv.value();
    }
  }
  // A reused ReplicaSet (rollback) becomes the newest revision again.
  if (revisionOf(rs) < newRevision) annotations[kRevisionAnnotation] = std::to_string(newRevision);
  bj::object patch;
  if (!annotations.empty()) patch["metadata"] = bj::object{{"annotations", annotations}};
  int64_t minReady = minReadySecondsOf(s.deployment);
  if (minReadySecondsOf(rs) != minReady) patch["spec"] = bj::object{{"minReadySeconds", minReady}};
  if (patch.empty()) return;
  bj::object updated = deps_.client->patch(kReplicaSetsResource, namespaceOf(rs), nameOf(rs),
                                           client::PatchKind::Merge, bj::serialize(patch));
  replaceInState(s, share(std::move(updated)));
}

ObjectPtr DeploymentController::createNewReplicaSet(State& s, int64_t newRevision) {
  const bj::object& d = s.deployment;
  std::string ns = namespaceOf(d);
  int64_t collisionCount = statusInt(d, "collisionCount");
  bj::object podTemplate = templateOf(d);
  std::string hash = computeTemplateHash(podTemplate, collisionCount);

  auto& tmeta = json::ensureObject(podTemplate, "metadata");
  json::ensureObject(tmeta, "labels")[kPodTemplateHashLabel] = hash;
  bj::object selector;
  if (const auto* spec = json::getObject(d, "spec")) {
    if (const auto* sel = json::getObject(*spec, "selector")) selector = *sel;
  }
  json::ensureObject(selector, "matchLabels")[kPodTemplateHashLabel] = hash;

  bj::object annotations;
  if (const auto* mine = annotationsOf(d)) {
    for (const auto& kv : *mine) {
      if (isCopiableAnnotation(std::string(kv.key()))) annotations[kv.key()] = kv.value();
    }
  }
  int64_t replicas = specReplicas(d);
  annotations[kRevisionAnnotation] = std::to_string(newRevision);
  annotations[kDesiredReplicasAnnotation] = std::to_string(replicas);
  annotations[kMaxReplicasAnnotation] = std::to_string(replicas + maxSurge(d));

  int64_t size = newReplicaSetReplicas(s);
  std::string name = nameOf(d) + "-" + hash;
  bj::object meta{
      {"name", name},
      {"namespace", ns},
      {"labels", tmeta["labels"]},
      {"annotations", annotations},
      {"ownerReferences", bj::array{makeControllerRef(d, "apps/v1", "Deployment").toJson()}}};
  bj::object spec{{"replicas", size},
                  {"minReadySeconds", minReadySecondsOf(d)},
                  {"selector", selector},
                  {"template", podTemplate}};
  bj::object rs{
      {"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"metadata", meta}, {"spec", spec}};

  bj::object created;
  try {
    created = deps_.client->create(kReplicaSetsResource, ns, rs);
  } catch (const ApiError& e) {
    if (e.code() != 409) throw;
    bj::object existing = deps_.client->get(kReplicaSetsResource, ns, name);
    auto ref = controllerOf(existing);
    if (ref && ref->uid == uidOf(d) && equalIgnoreHash(templateOf(existing), templateOf(d))) {
      // Ours, created by an earlier reconcile the cache has not shown yet.
      s.newRs = share(std::move(existing));
      syncNewReplicaSetAnnotations(s, newRevision);
      return s.newRs;
    }
    // A different object holds the name: hash again with the next collision count.
    bj::object status{{"collisionCount", collisionCount + 1}};
    deps_.client->patch(kDeploymentsResource, ns, nameOf(d), client::PatchKind::Merge,
                        bj::serialize(bj::object{{"status", status}}), "status");
    throw ApiError(409, "Conflict", "replica set " + name + " exists and is not ours; retrying");
  }
  s.newRs = share(std::move(created));
  s.createdNewRs = true;
  if (size > 0) {
    deps_.recorder->event(client::ObjectReference::of(d, "apps/v1", "Deployment"), "Normal",
                          "ScalingReplicaSet",
                          "Scaled up replica set " + name + " from 0 to " + std::to_string(size));
  }
  return s.newRs;
}

void DeploymentController::syncDeploymentRevision(State& s) {
  if (!s.newRs) return;
  std::string revision = annotationOf(*s.newRs, kRevisionAnnotation);
  if (revision.empty() || annotationOf(s.deployment, kRevisionAnnotation) == revision) return;
  bj::object patch{
      {"metadata", bj::object{{"annotations", bj::object{{kRevisionAnnotation, revision}}}}}};
  s.deployment =
      deps_.client->patch(kDeploymentsResource, namespaceOf(s.deployment), nameOf(s.deployment),
                          client::PatchKind::Merge, bj::serialize(patch));
}

int64_t DeploymentController::newReplicaSetReplicas(const State& s) const {
  const bj::object& d = s.deployment;
  int64_t replicas = specReplicas(d);
  if (isRecreate(d)) return replicas;
  int64_t current = sumSpecReplicas(s.all());
  int64_t newSize = s.newRs ? specReplicas(*s.newRs) : 0;
  int64_t maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return newSize;  // no room to surge into
  int64_t scaleUp = std::min(maxTotal - current, std::max<int64_t>(0, replicas - newSize));
  return newSize + scaleUp;
}

ObjectPtr DeploymentController::scaleReplicaSet(State& s, const ObjectPtr& rs, int64_t replicas) {
  const bj::object& d = s.deployment;
  int64_t from = specReplicas(*rs);
  std::string desired = std::to_string(specReplicas(d));
  std::string max = std::to_string(specReplicas(d) + maxSurge(d));
  bool annotationsStale = annotationOf(*rs, kDesiredReplicasAnnotation) != desired ||
                          annotationOf(*rs, kMaxReplicasAnnotation) != max;
  if (from == replicas && !annotationsStale) return rs;
  bj::object patch{
      {"metadata", bj::object{{"annotations", bj::object{{kDesiredReplicasAnnotation, desired},
                                                         {kMaxReplicasAnnotation, max}}}}},
      {"spec", bj::object{{"replicas", replicas}}}};
  ObjectPtr updated = share(deps_.client->patch(kReplicaSetsResource, namespaceOf(*rs), nameOf(*rs),
                                                client::PatchKind::Merge, bj::serialize(patch)));
  if (from != replicas) {
    deps_.recorder->event(
        client::ObjectReference::of(d, "apps/v1", "Deployment"), "Normal", "ScalingReplicaSet",
        std::string(replicas > from ? "Scaled up" : "Scaled down") + " replica set " + nameOf(*rs) +
            " from " + std::to_string(from) + " to " + std::to_string(replicas));
  }
  replaceInState(s, updated);
  return updated;
}

bool DeploymentController::isScalingEvent(const bj::object& d, const RsList& owned) const {
  int64_t replicas = specReplicas(d);
  for (const auto& rs : owned) {
    if (specReplicas(*rs) <= 0) continue;
    std::string desired = annotationOf(*rs, kDesiredReplicasAnnotation);
    if (!desired.empty() && desired != std::to_string(replicas)) return true;
  }
  return false;
}

void DeploymentController::syncScaling(State& s) {
  scale(s);
  if (isPaused(s.deployment)) cleanupOldReplicaSets(s);
  syncRolloutStatus(s);
}

bool DeploymentController::scale(State& s) {
  const bj::object& d = s.deployment;
  int64_t replicas = specReplicas(d);
  RsList all = s.all();
  RsList active;
  for (const auto& rs : all) {
    if (specReplicas(*rs) > 0) active.push_back(rs);
  }

  // One ReplicaSet (or none) running: it simply takes the whole count.
  ObjectPtr target;
  if (active.size() == 1) {
    target = active.front();
  } else if (active.empty()) {
    if (s.newRs) {
      target = s.newRs;
    } else if (!s.oldRss.empty()) {
      target = *std::max_element(
          s.oldRss.begin(), s.oldRss.end(),
          [](const ObjectPtr& a, const ObjectPtr& b) { return revisionOf(*a) < revisionOf(*b); });
    }
  }
  if (active.size() <= 1) {
    if (!target) return false;
    if (specReplicas(*target) == replicas) return false;
    scaleReplicaSet(s, target, replicas);
    return true;
  }

  // The new ReplicaSet is complete: the old ones only have to go.
  if (s.newRs && specReplicas(*s.newRs) == replicas &&
      statusInt(*s.newRs, "availableReplicas") == replicas) {
    bool scaled = false;
    for (const auto& rs : RsList(s.oldRss)) {
      if (specReplicas(*rs) == 0) continue;
      scaleReplicaSet(s, rs, 0);
      scaled = true;
    }
    return scaled;
  }
  if (isRecreate(d)) return false;

  // Mid-rollout resize: share the difference in proportion to each ReplicaSet's size, so the
  // rollout keeps its shape (Kubernetes' proportional scaling).
  int64_t surge = maxSurge(d);
  int64_t allowed = replicas > 0 ? replicas + surge : 0;
  int64_t toAdd = allowed - sumSpecReplicas(all);
  if (toAdd == 0) return false;
  std::stable_sort(active.begin(), active.end(), [toAdd](const ObjectPtr& a, const ObjectPtr& b) {
    return toAdd > 0 ? specReplicas(*a) > specReplicas(*b) : specReplicas(*a) < specReplicas(*b);
  });
  int64_t statusReplicas = statusInt(d, "replicas");
  std::vector<int64_t> sizes;
  int64_t added = 0;
  for (const auto& rs : active) {
    int64_t size = specReplicas(*rs);
    int64_t proportion = 0;
    if (size > 0 && added != toAdd) {
      int64_t fraction;
      if (replicas == 0) {
        fraction = -size;
      } else {
        int64_t annotated = statusReplicas;
        std::string max = annotationOf(*rs, kMaxReplicasAnnotation);
        if (!max.empty()) {
          try {
            annotated = std::stoll(max);
          } catch (const std::exception&) {
          }
        }
        fraction =
            annotated > 0
                ? static_cast<int64_t>(std::llround(static_cast<double>(size * (replicas + surge)) /
                                                    static_cast<double>(annotated))) -
                      size
                : 0;
      }
      int64_t remaining = toAdd - added;
      proportion = toAdd > 0 ? std::min(fraction, remaining) : std::max(fraction, remaining);
    }
    sizes.push_back(size + proportion);
    added += proportion;
  }
  // Rounding leftovers go to the largest (first) ReplicaSet.
  sizes.front() = std::max<int64_t>(0, sizes.front() + (toAdd - added));
  for (size_t i = 0; i < active.size(); ++i) scaleReplicaSet(s, active[i], sizes[i]);
  return true;
}

}  // namespace cube::controllers::deployment
