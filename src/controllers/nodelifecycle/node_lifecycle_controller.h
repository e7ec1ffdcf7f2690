#pragma once
// NodeLifecycleController: notices nodes whose agent stopped reporting and moves their pods away.
//
//  - Health: a node's heartbeat is its Lease in kube-node-lease (spec.renewTime) or its Ready
//    condition's lastHeartbeatTime. The controller records, on its own clock, when it last saw
//    either change (so clock skew between nodes and server does not matter, as in Kubernetes);
//    when that is longer ago than the grace period, every node condition becomes Unknown
//    (NodeStatusUnknown, written through nodes/status) and a NodeNotReady event is recorded.
//  - Taints follow the Ready condition: Unknown -> node.kubernetes.io/unreachable, False ->
//    node.kubernetes.io/not-ready (NoExecute, with timeAdded, and NoSchedule); True -> neither.
//    The node recovers when its agent reports Ready again.
//  - Pods on a node that is not Ready get their Ready condition set False (no kubelet will).
//  - Taint eviction: a pod on a node with NoExecute taints is deleted at once when it does not
//    tolerate one, or tolerationSeconds after the taint was added (TaintManagerEviction event);
//    its controller replaces it elsewhere.
//
// One key per node; reconcile(name) is level-triggered and asks to be called again when the
// grace period or a toleration would run out (queue.addAfter), so no periodic scan is needed.
// Pods are found through PodsByNode, an index by spec.nodeName fed by the pod handlers (the pod
// handlers must therefore see every pod: the informer's initial LIST replays them as adds).
// Not done (see docs/controllers.md): zone-aware eviction rate limits and disruption modes.

#include "client/event_recorder.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/nodelifecycle/pods_by_node.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace cube::controllers::nodelifecycle {

struct NodeLifecycleOptions {
  // How long a node may go without a heartbeat before it is marked Unknown/unreachable.
  std::chrono::milliseconds nodeMonitorGracePeriod{std::chrono::seconds(40)};
};

class NodeLifecycleController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // node/pod status writes, taints, pod deletions
    ObjectCachePtr nodes;
    ObjectCachePtr leases;  // coordination.k8s.io Leases, all namespaces
    client::EventRecorderPtr events;
    client::ClockPtr clock;
  };

  NodeLifecycleController(const ControllerContext& context, NodeLifecycleOptions options = {});
  NodeLifecycleController(Deps deps, NodeLifecycleOptions options = {});
  ~NodeLifecycleController() override;

  std::string name() const override { return "node-lifecycle-controller"; }
  void start(int workers) override;
  void stop() override;

  // Checks node `name`'s health and brings its conditions, taints and pods in line. Throws when
  // a write must be retried.
  void reconcile(const std::string& name);

  void onNodeAdd(const ObjectPtr& node);
  void onNodeUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onNodeDelete(const ObjectPtr& node);
  void onLeaseEvent(const ObjectPtr& lease);
  void onPodAdd(const ObjectPtr& pod);
  void onPodUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onPodDelete(const ObjectPtr& pod);

  const PodsByNode& podsByNode() const { return podsByNode_; }

  client::WorkQueue& queue() { return *queue_; }

  static constexpr const char* kLeaseNamespace = "kube-node-lease";

 private:
  struct Health {
    std::string heartbeat;  // lease renewTime + Ready heartbeat, as last seen
    TimePoint probeTime;    // when (on our clock) the heartbeat last changed
  };

  // When the node's heartbeat last changed, on our clock.
  TimePoint observeHeartbeat(const std::string& name, const std::string& heartbeat, TimePoint now);
  // Sets Ready False on the pods of a node that is not Ready. Returns the first failure.
  std::string markPodsNotReady(const std::vector<ObjectPtr>& pods, TimePoint now);
  // Deletes the pods the node's NoExecute taints evict now; returns when the next one is due.
  std::optional<TimePoint> evictPods(const boost::json::object& node,
                                     const std::vector<ObjectPtr>& pods, TimePoint now,
                                     std::string& firstError);

  Deps deps_;
  NodeLifecycleOptions options_;
  std::mutex mutex_;  // guards health_ and taintsSeen_
  std::map<std::string, Health> health_;
  // node -> "key=value" of each NoExecute taint -> when we first saw it (for taints that lack
  // timeAdded).
  std::map<std::string, std::map<std::string, TimePoint>> taintsSeen_;
  PodsByNode podsByNode_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::nodelifecycle
