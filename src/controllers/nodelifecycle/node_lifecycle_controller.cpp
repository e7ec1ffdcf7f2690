#include "controllers/nodelifecycle/node_lifecycle_controller.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/nodelifecycle/node_state.h"
#include "controllers/nodelifecycle/taint_eviction.h"
#include "controllers/pod_util.h"

#include <algorithm>

namespace cube::controllers::nodelifecycle {

namespace bj = boost::json;

namespace {

const client::Resource kNodes{"", "v1", "nodes", false};
const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kLeases{"coordination.k8s.io", "v1", "leases", true};

std::string leaseRenewTime(const ObjectPtr& lease) {
  if (!lease) return "";
  const auto* spec = json::getObject(*lease, "spec");
  return spec ? json::getString(*spec, "renewTime") : "";
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(const ControllerContext& context,
                                                 NodeLifecycleOptions options)
    : NodeLifecycleController(
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kNodes)),
               std::make_shared<InformerCache>(context.informers->informerFor(kLeases)),
               std::make_shared<client::ApiEventRecorder>(
                   context.client, client::EventSource{"node-controller"}, context.clock),
               context.clock},
          options) {
  context.informers->informerFor(kNodes)->addHandlers(
      {[this](const ObjectPtr& o) { onNodeAdd(o); },
       [this](const ObjectPtr& a, const ObjectPtr& b) { onNodeUpdate(a, b); },
       [this](const ObjectPtr& o) { onNodeDelete(o); }});
  context.informers->informerFor(kLeases)->addHandlers(
      {[this](const ObjectPtr& o) { onLeaseEvent(o); },
       [this](const ObjectPtr&, const ObjectPtr& b) { onLeaseEvent(b); },
       [this](const ObjectPtr& o) { onLeaseEvent(o); }});
  context.informers->informerFor(kPods)->addHandlers(
      {[this](const ObjectPtr& o) { onPodAdd(o); },
       [this](const ObjectPtr& a, const ObjectPtr& b) { onPodUpdate(a, b); },
       [this](const ObjectPtr& o) { onPodDelete(o); }});
}

NodeLifecycleController::NodeLifecycleController(Deps deps, NodeLifecycleOptions options)
    : deps_(std::move(deps)),
      options_(options),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>("node-lifecycle-controller", *queue_,
                                              [this](const std::string& key) { reconcile(key); })) {
}

NodeLifecycleController::~NodeLifecycleController() {
  stop();
}

void NodeLifecycleController::start(int workers) {
  workers_->start(workers);
}

void NodeLifecycleController::stop() {
  workers_->stop();
}

TimePoint NodeLifecycleController::observeHeartbeat(const std::string& name,
                                                    const std::string& heartbeat, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = health_.try_emplace(name, Health{heartbeat, now});
  if (!inserted && it->second.heartbeat != heartbeat) it->second = Health{heartbeat, now};
  return it->second.probeTime;
}

void NodeLifecycleController::reconcile(const std::string& name) {
  ObjectPtr cached = deps_.nodes->get(name);
  if (!cached) {
    std::lock_guard lock(mutex_);
    health_.erase(name);
    taintsSeen_.erase(name);
    return;
  }
  TimePoint now = deps_.clock->now();
  ObjectPtr lease = deps_.leases->get(std::string(kLeaseNamespace) + "/" + name);
  std::string heartbeat = leaseRenewTime(lease) + "|" + nodeReadyHeartbeat(*cached);
  TimePoint probeTime = observeHeartbeat(name, heartbeat, now);
  TimePoint deadline = probeTime + options_.nodeMonitorGracePeriod;

  bj::object node = *cached;
  std::string ready = nodeReadyStatus(node);
  if (now > deadline && ready != "Unknown") {
    if (markNodeStatusUnknown(node, now)) {
      node = deps_.client->update(kNodes, "", name, node, "status");
      CUBE_LOG(Info) << "node-lifecycle: node " << name << " stopped posting status; now Unknown";
      deps_.events->event(client::ObjectReference::of(node, "v1", "Node"), "Normal", "NodeNotReady",
                          "Node " + name + " status is now: NodeNotReady");
    }
    ready = nodeReadyStatus(node);
  }
  if (reconcileLifecycleTaints(node, ready, now)) {
    node = deps_.client->update(kNodes, "", name, node);
  }

  std::string firstError;
  std::optional<TimePoint> nextEviction;
  bool notReady = !ready.empty() && ready != "True";
  auto taints = noExecuteTaints(node);
  // Healthy untainted nodes (nearly all of them) never scan the pods.
  if (notReady || !taints.empty()) {
    auto pods = podsByNode_.podsOn(name);
    if (notReady) firstError = markPodsNotReady(pods, now);
    if (!taints.empty()) nextEviction = evictPods(node, pods, now, firstError);
  }
  if (taints.empty()) {
    std::lock_guard lock(mutex_);
    taintsSeen_.erase(name);
  }
  if (!firstError.empty()) throw ApiError(409, "Conflict", firstError);

  // Come back when the node would go stale, or when the next toleration runs out.
  if (now <= deadline) queue_->addAfter(name, deadline - now + std::chrono::milliseconds(1));
  if (nextEviction) queue_->addAfter(name, *nextEviction - now);
}

std::string NodeLifecycleController::markPodsNotReady(const std::vector<ObjectPtr>& pods,
                                                      TimePoint now) {
  std::string firstError;
  for (const auto& cachedPod : pods) {
    bj::object pod = *cachedPod;
    if (!markPodNotReady(pod, now)) continue;
    try {
      deps_.client->update(kPods, namespaceOf(pod), nameOf(pod), pod, "status");
    } catch (const ApiError& e) {
      if (e.code() == 404) continue;
      if (firstError.empty()) firstError = "marking pod " + nameOf(pod) + " not ready: " + e.what();
    }
  }
  return firstError;
}

std::optional<TimePoint> NodeLifecycleController::evictPods(const bj::object& node,
                                                            const std::vector<ObjectPtr>& pods,
                                                            TimePoint now,
                                                            std::string& firstError) {
  auto taints = noExecuteTaints(node);
  {
    // A taint written without timeAdded (a client that left it out) counts from when we first
    // saw it, so its toleration still runs out.
    std::lock_guard lock(mutex_);
    auto& seen = taintsSeen_[nameOf(node)];
    std::map<std::string, TimePoint> current;
    for (auto& t : taints) {
      std::string id = t.key + "=" + t.value;
      auto it = seen.find(id);
      TimePoint first = it == seen.end() ? now : it->second;
      current[id] = first;
      if (!t.timeAdded) t.timeAdded = first;
    }
    seen = std::move(current);
  }
  std::optional<TimePoint> next;
  for (const auto& pod : pods) {
    if (isBeingDeleted(*pod)) continue;
    EvictionDecision d = evictionFor(*pod, taints, now);
    if (d.kind == EvictionDecision::Kind::Never) continue;
    if (d.kind == EvictionDecision::Kind::At) {
      if (!next || d.at < *next) next = d.at;
      continue;
    }
    std::string ns = namespaceOf(*pod), podName = nameOf(*pod);
    deps_.events->event(client::ObjectReference::of(*pod, "v1", "Pod"), "Normal",
                        "TaintManagerEviction", "Marking for deletion Pod " + ns + "/" + podName);
    try {
      // As Kubernetes' taint eviction: the pod says why it goes before it goes.
      bj::object status = statusWithConditionsOf(*pod);
      if (setPodCondition(status,
                          disruptionTarget("DeletionByTaintManager",
                                           "Taint manager: deleting due to NoExecute taint"),
                          now)) {
        deps_.client->patch(kPods, ns, podName, client::PatchKind::Merge,
                            podStatusPatch(uidOf(*pod), std::move(status)), "status");
      }
      client::DeleteOptions options;
      options.preconditionUid = uidOf(*pod);
      deps_.client->remove(kPods, ns, podName, options);
      CUBE_LOG(Info) << "node-lifecycle: evicted pod " << ns << "/" << podName << " from node "
                     << nameOf(node);
    } catch (const ApiError& e) {
      // Gone, or replaced by a new pod (the uid in the patch: 422; in the delete: 409).
      if (e.code() == 404 || e.code() == 409 || e.code() == 422) continue;
      if (firstError.empty()) firstError = "evicting pod " + ns + "/" + podName + ": " + e.what();
    }
  }
  return next;
}

void NodeLifecycleController::onNodeAdd(const ObjectPtr& node) {
  queue_->add(nameOf(*node));
}

void NodeLifecycleController::onNodeUpdate(const ObjectPtr&, const ObjectPtr& now) {
  queue_->add(nameOf(*now));
}

void NodeLifecycleController::onNodeDelete(const ObjectPtr& node) {
  queue_->add(nameOf(*node));
}

void NodeLifecycleController::onLeaseEvent(const ObjectPtr& lease) {
  if (namespaceOf(*lease) != kLeaseNamespace) return;
  queue_->add(nameOf(*lease));
}

void NodeLifecycleController::onPodAdd(const ObjectPtr& pod) {
  podsByNode_.put(pod);
  std::string node = podNodeName(*pod);
  if (!node.empty()) queue_->add(node);
}

void NodeLifecycleController::onPodUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  podsByNode_.put(now);
  // A pod matters to us when it lands on a node (its tolerations are fixed by then).
  std::string node = podNodeName(*now);
  if (!node.empty() && node != podNodeName(*old)) queue_->add(node);
}

void NodeLifecycleController::onPodDelete(const ObjectPtr& pod) {
  podsByNode_.remove(pod);
}

}  // namespace cube::controllers::nodelifecycle
