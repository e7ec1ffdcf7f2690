// ReplicaSetController: informer handlers. They only find which owners an event concerns, tell
// the expectations what was observed, and queue the owners' keys; reconcile() does the rest.

#include "client/informer.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/pod_util.h"
#include "controllers/replicaset/replica_set_controller.h"

namespace cube::controllers::replicaset {

namespace bj = boost::json;

namespace {

std::string groupOf(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string::npos ? "" : apiVersion.substr(0, slash);
}

bool sameLabels(const bj::object& a, const bj::object& b) {
  static const bj::object kNone;
  const auto* la = labelsOf(a);
  const auto* lb = labelsOf(b);
  return (la ? *la : kNone) == (lb ? *lb : kNone);
}

bool sameController(const std::optional<OwnerReference>& a,
                    const std::optional<OwnerReference>& b) {
  if (!a || !b) return !a && !b;
  return a->uid == b->uid;
}

}  // namespace

void ReplicaSetController::enqueue(const bj::object& owner) {
  queue_->add(client::Informer::keyOf(owner));
}

ObjectPtr ReplicaSetController::resolveOwner(const std::string& ns, const bj::object& pod) const {
  auto ref = controllerOf(pod);
  if (!ref || ref->kind != kind_.kind || groupOf(ref->apiVersion) != kind_.resource.group)
    return nullptr;
  ObjectPtr owner = deps_.owners->get(ns + "/" + ref->name);
  // Same name, different uid: the owner was deleted and recreated; the pod is not its.
  if (!owner || uidOf(*owner) != ref->uid) return nullptr;
  return owner;
}

std::vector<ObjectPtr> ReplicaSetController::ownersSelecting(const bj::object& pod) const {
  std::vector<ObjectPtr> out;
  const auto* labels = labelsOf(pod);
  for (const auto& owner : deps_.owners->listNamespace(namespaceOf(pod))) {
    try {
      if (kind_.selectorOf(*owner).matches(labels)) out.push_back(owner);
    } catch (const std::exception&) {
      // An owner with a bad selector selects nothing; reconcile logs it.
    }
  }
  return out;
}

void ReplicaSetController::onOwnerAdd(const ObjectPtr& owner) {
  enqueue(*owner);
}

void ReplicaSetController::onOwnerUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  if (uidOf(*old) != uidOf(*now)) {
    // Deleted and recreated under the same name between two events: drop the old decisions.
    expectations_->deleteExpectations(client::Informer::keyOf(*old));
  }
  enqueue(*now);
}

void ReplicaSetController::onOwnerDelete(const ObjectPtr& owner) {
  std::string key = client::Informer::keyOf(*owner);
  expectations_->deleteExpectations(key);
  queue_->add(key);
}

void ReplicaSetController::onPodAdd(const ObjectPtr& pod) {
  if (isBeingDeleted(*pod)) {
    // Seen for the first time already terminating (e.g. after a restart): it counts as a
    // deletion, never as one of our creations.
    onPodDelete(pod);
    return;
  }
  std::string ns = namespaceOf(*pod);
  if (controllerOf(*pod)) {
    if (ObjectPtr owner = resolveOwner(ns, *pod)) {
      std::string key = client::Informer::keyOf(*owner);
      expectations_->creationObserved(key);
      queue_->add(key);
    }
    return;
  }
  // An orphan: every owner that selects it may adopt it.
  for (const auto& owner : ownersSelecting(*pod)) enqueue(*owner);
}

void ReplicaSetController::onPodUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  // A resync repeats what we know; the owners' own resync covers level-triggered rechecks.
  if (resourceVersionOf(*old) == resourceVersionOf(*now)) return;
  bool labelsChanged = !sameLabels(*old, *now);
  if (isBeingDeleted(*now)) {
    // Graceful deletion started: for counting, the pod is gone now.
    onPodDelete(now);
    if (labelsChanged) onPodDelete(old);
    return;
  }
  std::string ns = namespaceOf(*now);
  auto oldRef = controllerOf(*old);
  auto nowRef = controllerOf(*now);
  bool refChanged = !sameController(oldRef, nowRef);
  if (refChanged && oldRef) {
    if (ObjectPtr previous = resolveOwner(ns, *old)) enqueue(*previous);
  }
  if (nowRef) {
    if (ObjectPtr owner = resolveOwner(ns, *now)) {
      enqueue(*owner);
      // Turning ready starts the minReadySeconds clock; availability needs a look when it ends.
      int64_t minReady = minReadySeconds(*owner);
      if (minReady > 0 && !isPodReady(*old) && isPodReady(*now))
        queue_->addAfter(client::Informer::keyOf(*owner), std::chrono::seconds(minReady + 1));
    }
    return;
  }
  if (labelsChanged || refChanged) {
    for (const auto& owner : ownersSelecting(*now)) enqueue(*owner);
  }
}

void ReplicaSetController::onPodDelete(const ObjectPtr& pod) {
  if (ObjectPtr owner = resolveOwner(namespaceOf(*pod), *pod)) {
    std::string key = client::Informer::keyOf(*owner);
    expectations_->deletionObserved(key, uidOf(*pod));
    queue_->add(key);
  }
}

}  // namespace cube::controllers::replicaset
