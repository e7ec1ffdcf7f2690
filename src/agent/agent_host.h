#pragma once
// AgentHost: the node agents of one process — one node normally, N hollow nodes for scale tests
// — sharing one API client, one executor (a few threads) and one pod watch: a single node
// watches `spec.nodeName=<node>`; several watch every bound pod once (`spec.nodeName!=`) and
// hand each pod to its node, so 1,000 nodes cost one watch stream, not 1,000.

#include "agent/crun_node_runtime.h"
#include "agent/executor.h"
#include "agent/node_agent.h"
#include "agent/static_pods.h"
#include "agent/streaming/streaming_server.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "runtime/fake/fake_runtime.h"

#include <atomic>
#include <map>
#include <memory>
#include <vector>

namespace cube::agent {

struct AgentHostOptions {
  std::vector<NodeConfig> nodes;
  std::string runtime = "fake";  // "fake" (hollow nodes) or "crun" (real containers, one node)
  runtime::FakeRuntimeOptions fake;
  CrunNodeOptions crun;
  // The kubelet's --pod-manifest-path: static pods of the (single) node; empty: none.
  std::string podManifestPath;
  size_t threads = 4;
  // Threads for registration, Lease renewals and status reports (0: by node count, 2..16),
  // apart from the pod work so that a node under load still looks alive.
  size_t heartbeatThreads = 0;
  std::chrono::milliseconds housekeepingInterval{10000};
};

// The runtime of one node. For "crun" `network` receives the pod network waiting for the
// node's podCIDR. Throws std::invalid_argument for a runtime name it does not know, and
// std::runtime_error when crun cannot run here.
runtime::RuntimePtr makeRuntime(const std::string& name, const ExecutorPtr& executor,
                                const AgentHostOptions& options,
                                std::shared_ptr<DeferredPodNetwork>* network = nullptr);

class AgentHost {
 public:
  // `executor` null: a ThreadPoolExecutor of options.threads threads.
  AgentHost(AgentHostOptions options, client::ApiClientPtr client, ExecutorPtr executor = nullptr);
  ~AgentHost();

  void start();
  void stop();

  NodeAgentPtr node(const std::string& name) const;
  const std::vector<NodeAgentPtr>& nodes() const { return nodeList_; }
  // The field selector of the pod watch (for tests and logs).
  const std::string& podFieldSelector() const { return podFieldSelector_; }
  // Where the nodes' events are written (tests flush it).
  const std::shared_ptr<client::EventBroadcaster>& events() const { return events_; }

 private:
  NodeAgentPtr nodeOf(const client::ObjectPtr& pod) const;
  // Every housekeepingInterval once the pod watch has synced: the nodes remove the sandboxes of
  // pods they no longer have (deleted while the agent was down).
  void housekeeping();
  // The streaming server's view of a pod: from the pod watch, with its node's runtime.
  std::optional<streaming::LocatedPod> locatePod(const std::string& ns,
                                                 const std::string& name) const;

  AgentHostOptions options_;
  client::ApiClientPtr client_;
  ExecutorPtr executor_;
  std::shared_ptr<ThreadPoolExecutor> ownExecutor_;  // set when we made the executor
  ExecutorPtr heartbeats_;                           // executor_ when one was given (tests)
  std::shared_ptr<ThreadPoolExecutor> ownHeartbeats_;
  std::vector<NodeAgentPtr> nodeList_;
  std::map<std::string, NodeAgentPtr> byName_;  // fixed after construction: no lock needed
  std::string podFieldSelector_;
  // One writer thread and queue for the events of every hosted node.
  std::shared_ptr<client::EventBroadcaster> events_;
  std::atomic<bool> eventsStopped_{false};
  std::unique_ptr<client::Informer> pods_;
  // A single node's own Node object (the kubelet watches it too): its podCIDR reaches the pod
  // network as soon as the node IPAM controller assigns it.
  std::unique_ptr<client::Informer> self_;
  // The node's own server (logs, exec, attach) when its NodeConfig asks for one (one node only).
  std::unique_ptr<streaming::StreamingServer> streaming_;
  std::shared_ptr<StaticPodSource> staticPods_;
  bool started_ = false;
  // Shared with the housekeeping timer, which may outlive us on an executor given by a test.
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace cube::agent
