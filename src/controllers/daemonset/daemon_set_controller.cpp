// DaemonSetController: wiring, handlers, reconcile() and the status write. Node selection and
// the per-node template are in daemon_set_nodes.cpp.

#include "controllers/daemonset/daemon_set_controller.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref_manager.h"
#include "controllers/history/controller_history.h"
#include "controllers/pod_util.h"
#include "json/selector/label_selector.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace cube::controllers::daemonset {

namespace bj = boost::json;

const client::Resource kDaemonSets{"apps", "v1", "daemonsets", true};

namespace {

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

// maxUnavailable: an int or "N%" of `total`, percentages rounded up (Kubernetes' rule for it).
int64_t resolveMaxUnavailable(const bj::object& ds, int64_t total) {
  const auto* v = json::findPath(ds, "spec.updateStrategy.rollingUpdate.maxUnavailable");
  int64_t out = 1;
  if (v && v->is_int64()) {
    out = v->as_int64();
  } else if (v && v->is_string()) {
    std::string s(v->as_string());
    try {
      if (!s.empty() && s.back() == '%')
        out = static_cast<int64_t>(std::ceil(std::stod(s.substr(0, s.size() - 1)) * total / 100));
      else
        out = std::stoll(s);
    } catch (const std::exception&) {
      out = 1;
    }
  }
  // A rolling update that may take nothing down could never progress.
  return std::max<int64_t>(out, 1);
}

std::string hashOf(const bj::object& pod) {
  const auto* labels = labelsOf(pod);
  return labels ? json::getString(*labels, history::kRevisionHashLabel) : "";
}

bool olderFirst(const ObjectPtr& a, const ObjectPtr& b) {
  auto ta = creationTime(*a), tb = creationTime(*b);
  if (ta != tb) return ta < tb;
  return nameOf(*a) < nameOf(*b);
}

}  // namespace

DaemonSetController::DaemonSetController(const ControllerContext& context)
    : DaemonSetController(
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kDaemonSets)),
               std::make_shared<InformerCache>(context.informers->informerFor(kPods)),
               std::make_shared<InformerCache>(context.informers->informerFor(kNodes)),
               std::make_shared<InformerCache>(
                   context.informers->informerFor(history::kControllerRevisions)),
               std::make_shared<ApiPodControl>(
                   context.client,
                   std::make_shared<client::ApiEventRecorder>(
                       context.client, client::EventSource{"daemonset-controller"}, context.clock)),
               context.clock}) {
  auto onDs = [this](const ObjectPtr& o) { onDaemonSetEvent(o); };
  context.informers->informerFor(kDaemonSets)
      ->addHandlers({onDs, [onDs](const ObjectPtr&, const ObjectPtr& b) { onDs(b); }, onDs});
  context.informers->informerFor(kPods)->addHandlers(
      {[this](const ObjectPtr& o) { onPodAdd(o); },
       [this](const ObjectPtr& a, const ObjectPtr& b) { onPodUpdate(a, b); },
       [this](const ObjectPtr& o) { onPodDelete(o); }});
  context.informers->informerFor(kNodes)->addHandlers(
      {[this](const ObjectPtr&) { onNodeEvent(); },
       [this](const ObjectPtr& a, const ObjectPtr& b) {
         // Heartbeats change only the status; labels, taints and existence decide placement.
         if (labelsOf(*a) && labelsOf(*b) ? *labelsOf(*a) != *labelsOf(*b)
                                          : labelsOf(*a) != labelsOf(*b))
           return onNodeEvent();
         const auto* sa = json::getObject(*a, "spec");
         const auto* sb = json::getObject(*b, "spec");
         if ((sa ? *sa : bj::object{}) != (sb ? *sb : bj::object{})) onNodeEvent();
       },
       [this](const ObjectPtr&) { onNodeEvent(); }});
  context.informers->informerFor(history::kControllerRevisions);
}

DaemonSetController::DaemonSetController(Deps deps)
    : deps_(std::move(deps)),
      expectations_(std::make_unique<client::ControllerExpectations>(deps_.clock)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          "daemonset-controller", *queue_, [this](const std::string& key) { reconcile(key); })) {}

DaemonSetController::~DaemonSetController() {
  stop();
}

void DaemonSetController::start(int workers) {
  workers_->start(workers);
}

void DaemonSetController::stop() {
  workers_->stop();
}

// --- handlers ---

ObjectPtr DaemonSetController::ownerOf(const bj::object& pod) const {
  auto ref = controllerOf(pod);
  if (!ref || ref->kind != "DaemonSet") return nullptr;
  ObjectPtr ds = deps_.daemonSets->get(namespaceOf(pod) + "/" + ref->name);
  return ds && uidOf(*ds) == ref->uid ? ds : nullptr;
}

void DaemonSetController::onDaemonSetEvent(const ObjectPtr& ds) {
  queue_->add(client::Informer::keyOf(*ds));
}

void DaemonSetController::onPodAdd(const ObjectPtr& pod) {
  if (isBeingDeleted(*pod)) return onPodDelete(pod);
  if (ObjectPtr ds = ownerOf(*pod)) {
    std::string key = client::Informer::keyOf(*ds);
    expectations_->creationObserved(key);
    queue_->add(key);
    return;
  }
  if (controllerOf(*pod)) return;
  // An orphan: a DaemonSet selecting it may adopt it.
  for (const auto& ds : deps_.daemonSets->listNamespace(namespaceOf(*pod))) {
    const auto* sel = json::findPath(*ds, "spec.selector");
    if (sel && json::LabelSelector::fromLabelSelector(*sel).matches(labelsOf(*pod)))
      onDaemonSetEvent(ds);
  }
}

void DaemonSetController::onPodUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  if (isBeingDeleted(*now)) return onPodDelete(now);
  if (ObjectPtr ds = ownerOf(*old); ds && !ownerOf(*now)) onDaemonSetEvent(ds);
  if (ObjectPtr ds = ownerOf(*now)) {
    onDaemonSetEvent(ds);
    // Availability after minReadySeconds comes with no event of its own.
    int64_t minReady = json::getInt(*json::getObject(*ds, "spec"), "minReadySeconds");
    if (minReady > 0 && !isPodReady(*old) && isPodReady(*now))
      queue_->addAfter(client::Informer::keyOf(*ds), std::chrono::seconds(minReady + 1));
    return;
  }
  onPodAdd(now);
}

void DaemonSetController::onPodDelete(const ObjectPtr& pod) {
  if (ObjectPtr ds = ownerOf(*pod)) {
    std::string key = client::Informer::keyOf(*ds);
    expectations_->deletionObserved(key, uidOf(*pod));
    queue_->add(key);
  }
}

void DaemonSetController::onNodeEvent() {
  for (const auto& ds : deps_.daemonSets->list()) onDaemonSetEvent(ds);
}

// --- reconcile ---

void DaemonSetController::reconcile(const std::string& key) {
  ObjectPtr dsPtr = deps_.daemonSets->get(key);
  if (!dsPtr) {
    expectations_->deleteExpectations(key);
    return;
  }
  const bj::object& ds = *dsPtr;
  std::string ns = namespaceOf(ds);
  const auto* spec = json::getObject(ds, "spec");
  const bj::value* selectorJson = spec ? spec->if_contains("selector") : nullptr;
  if (!spec || !selectorJson) {
    CUBE_LOG(Warn) << "daemonset-controller: " << key << ": no selector";
    return;
  }
  json::LabelSelector selector;
  try {
    selector = json::LabelSelector::fromLabelSelector(*selectorJson);
  } catch (const ApiError& e) {
    CUBE_LOG(Warn) << "daemonset-controller: " << key << ": invalid selector: " << e.message();
    return;
  }
  static const bj::object kEmpty;
  const auto* tmplPtr = json::getObject(*spec, "template");
  const bj::object& podTemplate = tmplPtr ? *tmplPtr : kEmpty;
  OwnerReference controllerRef = makeControllerRef(ds, "apps/v1", "DaemonSet");
  std::string hash = history::templateHash(podTemplate);
  auto revisions = history::ownedRevisions(*deps_.revisions, ds);
  bool deleting = isBeingDeleted(ds);
  if (!deleting)
    history::ensureCurrentRevision(*deps_.client, revisions, ds, controllerRef, podTemplate);

  bool needsSync = expectations_->satisfied(key);

  ClaimRequest claim;
  claim.owner = dsPtr.get();
  claim.controllerRef = controllerRef;
  claim.matches = [&selector](const bj::object& pod) { return selector.matches(labelsOf(pod)); };
  claim.checkCanAdopt = [this, &ds, &ns] {
    bj::object fresh = deps_.client->get(kDaemonSets, ns, nameOf(ds));
    if (uidOf(fresh) != uidOf(ds) || isBeingDeleted(fresh))
      throw ApiError(409, "Conflict", "DaemonSet " + ns + "/" + nameOf(ds) + " is gone");
  };
  claim.patch = [this](const bj::object& pod, const std::string& patch) {
    deps_.podControl->patchPod(namespaceOf(pod), nameOf(pod), patch);
  };
  std::vector<ObjectPtr> candidates;
  for (const auto& pod : deps_.pods->listNamespace(ns)) {
    if (!isBeingDeleted(*pod)) candidates.push_back(pod);
  }
  ClaimResult claimed = claimObjects(candidates, claim);
  if (!claimed.errors.empty())
    throw ApiError(409, "Conflict", "claiming pods of " + key + ": " + claimed.errors.front());

  std::map<std::string, std::vector<ObjectPtr>> podsByNode;
  for (const auto& pod : claimed.claimed) podsByNode[targetNodeOf(*pod)].push_back(pod);
  for (auto& [node, pods] : podsByNode) std::sort(pods.begin(), pods.end(), olderFirst);

  TimePoint now = deps_.clock->now();
  int64_t minReady = json::getInt(*spec, "minReadySeconds");
  std::vector<std::string> createOn;
  std::vector<ObjectPtr> toDelete;
  int64_t desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  int64_t unavailable = 0;
  std::vector<ObjectPtr> oldAvailable, oldUnavailable;
  std::map<std::string, bool> nodeSeen;
  for (const auto& node : deps_.nodes->list()) {
    std::string nodeName = nameOf(*node);
    nodeSeen[nodeName] = true;
    bool run = shouldRunOnNode(ds, *node);
    auto it = podsByNode.find(nodeName);
    const std::vector<ObjectPtr> none;
    const auto& pods = it == podsByNode.end() ? none : it->second;
    if (!run) {
      if (!pods.empty()) ++misscheduled;
      toDelete.insert(toDelete.end(), pods.begin(), pods.end());
      continue;
    }
    ++desired;
    if (pods.empty()) {
      createOn.push_back(nodeName);
      ++unavailable;
      continue;
    }
    ++current;
    const auto& pod = pods.front();
    // Duplicates (the oldest stays) and failed pods go; a failed one is replaced next time.
    toDelete.insert(toDelete.end(), pods.begin() + 1, pods.end());
    if (podPhase(*pod) == "Failed") {
      toDelete.push_back(pod);
      ++unavailable;
      continue;
    }
    bool isReady = isPodReady(*pod);
    bool isAvailable = isPodAvailable(*pod, minReady, now);
    ready += isReady;
    available += isAvailable;
    bool upToDate = hashOf(*pod) == hash;
    updated += upToDate;
    if (!isAvailable) ++unavailable;
    if (!upToDate) {
      // An old pod that is down anyway costs nothing to replace.
      (isAvailable ? oldAvailable : oldUnavailable).push_back(pod);
    }
  }
  // Pods pinned to nodes that no longer exist.
  for (const auto& [node, pods] : podsByNode) {
    if (!nodeSeen.count(node)) toDelete.insert(toDelete.end(), pods.begin(), pods.end());
  }
  std::string strategy = json::getString(
      json::getObject(*spec, "updateStrategy") ? *json::getObject(*spec, "updateStrategy") : kEmpty,
      "type", "RollingUpdate");
  // OnDelete replaces nothing on its own: old pods stay until the user deletes them.
  if (strategy == "RollingUpdate") {
    toDelete.insert(toDelete.end(), oldUnavailable.begin(), oldUnavailable.end());
    int64_t budget = resolveMaxUnavailable(ds, desired) - unavailable;
    std::sort(oldAvailable.begin(), oldAvailable.end(),
              [](const auto& a, const auto& b) { return targetNodeOf(*a) < targetNodeOf(*b); });
    for (const auto& pod : oldAvailable) {
      if (budget-- <= 0) break;
      toDelete.push_back(pod);
    }
  }

  std::optional<std::string> error;
  if (needsSync && !deleting) {
    client::ObjectReference about = client::ObjectReference::of(ds, "apps/v1", "DaemonSet");
    std::vector<std::string> uids;
    for (const auto& pod : toDelete) uids.push_back(uidOf(*pod));
    expectations_->expectDeletions(key, uids);
    for (const auto& pod : toDelete) {
      try {
        deps_.podControl->deletePod(ns, nameOf(*pod), about);
      } catch (const ApiError& e) {
        expectations_->deletionObserved(key, uidOf(*pod));
        if (e.code() != 404 && !error) error = e.message();
      }
    }
    expectations_->expectCreations(key, static_cast<int>(createOn.size()));
    for (const auto& nodeName : createOn) {
      try {
        deps_.podControl->createPod(ns, podTemplateForNode(podTemplate, nodeName, hash), about,
                                    controllerRef);
      } catch (const ApiError& e) {
        expectations_->creationObserved(key);
        if (!error) error = e.message();
      }
    }
  }
  if (!deleting) {
    std::vector<std::string> live{hash};
    for (const auto& pod : claimed.claimed) live.push_back(hashOf(*pod));
    history::truncateHistory(*deps_.client, revisions, live,
                             json::getInt(*spec, "revisionHistoryLimit", 10));
  }

  bj::object status{
      {"desiredNumberScheduled", desired},
      {"currentNumberScheduled", current},
      {"numberMisscheduled", misscheduled},
      {"numberReady", ready},
      {"numberAvailable", available},
      {"updatedNumberScheduled", updated},
      {"observedGeneration", json::getInt(*json::getObject(ds, "metadata"), "generation")}};
  if (desired - available > 0) status["numberUnavailable"] = desired - available;
  writeStatus(ds, status);
  if (minReady > 0 && ready > available) queue_->addAfter(key, std::chrono::seconds(minReady));
  if (error) throw ApiError(500, "InternalError", *error);
}

void DaemonSetController::writeStatus(const bj::object& ds, const bj::object& status) {
  bj::object obj = ds;
  for (int attempt = 0;; ++attempt) {
    const auto* previous = json::getObject(obj, "status");
    bj::object next = previous ? *previous : bj::object{};
    next.erase("numberUnavailable");
    for (const auto& [k, v] : status) next[k] = v;
    if (previous && next == *previous) return;
    obj["apiVersion"] = "apps/v1";
    obj["kind"] = "DaemonSet";
    obj["status"] = next;
    try {
      deps_.client->update(kDaemonSets, namespaceOf(obj), nameOf(obj), obj, "status");
      return;
    } catch (const ApiError& e) {
      if (e.code() == 404) return;
      if (e.code() != 409 || attempt >= 1) throw;
    }
    // Our cache is behind (often our own previous write): the same counts onto the newest object.
    obj = deps_.client->get(kDaemonSets, namespaceOf(obj), nameOf(obj));
  }
}

}  // namespace cube::controllers::daemonset
