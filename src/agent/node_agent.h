#pragma once
// NodeAgent: one node — registers the Node, renews its Lease, reports node status, and runs one
// PodWorker per pod bound to it. It owns no thread: its loops are timers on the shared executor
// and its pods arrive from whoever watches them (AgentHost), so one process hosts many nodes.

#include "agent/executor.h"
#include "agent/node_config.h"
#include "agent/node_lease.h"
#include "agent/pod_ip_allocator.h"
#include "agent/pod_worker.h"
#include "client/api_client.h"
#include "client/event_recorder.h"
#include "runtime/runtime.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace cube::agent {

class NodeAgent : public std::enable_shared_from_this<NodeAgent> {
 public:
  // `recorder`: the kubelet's events (source kubelet, host this node); null records none.
  // `heartbeats` runs registration, Lease renewals and status reports (null: `executor`). Give
  // them their own threads in production: pod syncs block on API writes, and a Lease renewed
  // late behind them makes a busy node look dead.
  NodeAgent(NodeConfig config, ExecutorPtr executor, client::ApiClientPtr client,
            runtime::RuntimePtr runtime, client::EventRecorderPtr recorder = nullptr,
            ExecutorPtr heartbeats = nullptr);

  // Called with the node's spec.podCIDR whenever the server's answer carries one (from any
  // thread); set before start(). Pods are synced again when it first arrives or changes.
  void setPodCidrHandler(std::function<void(const std::string&)> handler);

  // Registers the node (retrying until it works), then keeps lease and status fresh.
  void start();
  // Ends the loops at their next tick; pods are left as they are (as a stopped kubelet does).
  void stop();

  // A pod bound to this node was added or changed / was deleted. Pods come from two sources
  // into one worker map by uid: the pod watch, and the static pods of the file source (uid = the
  // config hash). A mirror pod from the watch runs nothing: it is only remembered (its static
  // pod's status goes there) and the static pod's worker is told when a new one appears.
  void podChanged(const PodPtr& pod);
  void podDeleted(const PodPtr& pod);
  // The Node as the server has it — its answers to our writes, and the node watch (a podCIDR
  // assigned after registration arrives at once): remembers uid, podCIDR, and the status for
  // transition times. Any thread.
  void noteNode(const boost::json::object& node);
  // The mirror pods the pod watch holds for this node / the one named so (null: none).
  std::vector<PodPtr> mirrorPods() const;
  PodPtr mirrorPod(const std::string& ns, const std::string& name) const;
  // A worker of this uid still runs or stops containers.
  bool runsPod(const std::string& uid) const;

  // Housekeeping (the kubelet's pod cleanup): stops and removes the sandboxes of pods this node
  // has no worker for — pods deleted while the agent was down — frees their IPs, and removes
  // their volume directories (under NodeConfig::podsDir). Call it only once the pod watch has
  // synced: before that, every pod looks unknown. Returns how many sandboxes it removed.
  size_t removeOrphanSandboxes();

  const std::string& nodeName() const { return config_->nodeName; }
  bool registered() const { return registered_; }
  // The Node's uid once registered ("" before).
  std::string nodeUid() const;
  size_t workerCount() const;
  const runtime::RuntimePtr& runtime() const { return runtime_; }

  static client::Resource nodes() { return {"", "v1", "nodes", false}; }

 private:
  void registerNode();
  void renewLease();
  void reportStatus();
  void onRuntimeEvent(const runtime::RuntimeEvent& event);
  void removeOrphanVolumes();
  std::shared_ptr<PodWorker> workerFor(const std::string& uid) const;
  void mirrorChanged(const PodPtr& mirror);
  void mirrorDeleted(const PodPtr& mirror);

  std::shared_ptr<NodeConfig> config_;
  ExecutorPtr executor_;    // pod workers
  ExecutorPtr heartbeats_;  // registration, lease, status
  client::ApiClientPtr client_;
  runtime::RuntimePtr runtime_;
  client::EventRecorderPtr recorder_;
  std::shared_ptr<PodIpAllocator> ips_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> registered_{false};

  // Each loop runs one step at a time (a step schedules the next), but the lease and status
  // loops may run at once on different threads: nodeMutex_ guards what they share.
  mutable std::mutex nodeMutex_;  // guards nodeUid_ and lastStatus_
  NodeLease lease_;
  std::string nodeUid_;
  boost::json::object lastStatus_;
  std::string podCidr_;                                     // the last spec.podCIDR seen
  std::function<void(const std::string&)> podCidrHandler_;  // fixed after start()

  mutable std::mutex workersMutex_;                            // guards workers_, gone_
  std::map<std::string, std::shared_ptr<PodWorker>> workers_;  // by pod uid
  // Workers of pods gone from the API that are still stopping their containers: kept (and
  // given runtime events) until finished, or their teardown would stop halfway.
  std::map<std::string, std::shared_ptr<PodWorker>> gone_;
  std::map<std::string, PodPtr> mirrors_;  // by namespace/name; guarded by workersMutex_
};

using NodeAgentPtr = std::shared_ptr<NodeAgent>;

}  // namespace cube::agent
