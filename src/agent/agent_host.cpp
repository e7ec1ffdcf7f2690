#include "agent/agent_host.h"

#include "common/json_util.h"
#include "common/log.h"

#include <algorithm>
#include <stdexcept>

namespace cube::agent {

runtime::RuntimePtr makeRuntime(const std::string& name, const ExecutorPtr& executor,
                                const AgentHostOptions& options,
                                std::shared_ptr<DeferredPodNetwork>* network) {
  const auto& fake = options.fake;
  if (name == "crun") {
    CrunNode node = makeCrunNode(options.crun);
    if (network) *network = node.network;
    return node.runtime;
  }
  if (name == "fake") {
    std::weak_ptr<Executor> weak = executor;
    auto timer = [weak](TimePoint when, std::function<void()> fn) {
      if (auto e = weak.lock()) e->postAt(when, std::move(fn));
    };
    return std::make_shared<runtime::FakeRuntime>(executor, timer, fake);
  }
  throw std::invalid_argument("unknown runtime \"" + name + "\": use \"crun\" or \"fake\"");
}

AgentHost::AgentHost(AgentHostOptions options, client::ApiClientPtr client, ExecutorPtr executor)
    : options_(std::move(options)), client_(std::move(client)), executor_(std::move(executor)) {
  if (options_.nodes.empty()) throw std::invalid_argument("no node to run");
  if (executor_) {
    heartbeats_ = executor_;  // a test's executor drives every loop
  } else {
    ownExecutor_ = std::make_shared<ThreadPoolExecutor>(options_.threads);
    executor_ = ownExecutor_;
    // About 64 nodes per thread: 1,000 nodes renew 100 Leases a second, which must not queue
    // behind each other for long even when the server answers slowly.
    size_t threads = options_.heartbeatThreads
                         ? options_.heartbeatThreads
                         : std::clamp<size_t>(options_.nodes.size() / 64, 2, 16);
    ownHeartbeats_ = std::make_shared<ThreadPoolExecutor>(threads);
    heartbeats_ = ownHeartbeats_;
  }
  events_ = std::make_shared<client::EventBroadcaster>(client_, executor_);
  if (options_.runtime == "crun") {
    // A real node mounts its pods' volumes from under its data dir.
    for (auto& node : options_.nodes) node.podsDir = podsDirOf(options_.crun.dataDir);
  }
  if (options_.runtime == "crun" && options_.nodes.size() != 1) {
    throw std::invalid_argument("the crun runtime runs one node per process");
  }
  if (options_.nodes.size() == 1 && options_.nodes[0].kubeletPort >= 0) {
    // Bound before the Node registers, so that it reports the port it really has.
    auto& node = options_.nodes[0];
    streaming_ = std::make_unique<streaming::StreamingServer>(
        node.internalIP, static_cast<uint16_t>(node.kubeletPort),
        [this](const std::string& ns, const std::string& name) { return locatePod(ns, name); });
    node.kubeletPort = streaming_->port();
    CUBE_LOG(Info) << "agent: serving logs and exec on " << node.internalIP << ":"
                   << node.kubeletPort;
  }
  for (const auto& config : options_.nodes) {
    if (byName_.count(config.nodeName)) {
      throw std::invalid_argument("node name " + config.nodeName + " given twice");
    }
    auto recorder = std::make_shared<client::ApiEventRecorder>(
        events_, client::EventSource{"kubelet", config.nodeName});
    std::shared_ptr<DeferredPodNetwork> network;
    auto agent = std::make_shared<NodeAgent>(
        config, executor_, client_, makeRuntime(options_.runtime, executor_, options_, &network),
        recorder, heartbeats_);
    if (network) {
      // Pod sandboxes wait for the node's podCIDR (the node IPAM controller assigns it).
      agent->setPodCidrHandler([network](const std::string& cidr) { network->setPodCidr(cidr); });
    }
    nodeList_.push_back(agent);
    byName_[config.nodeName] = agent;
  }
  // Node names are DNS subdomains, so they need no field-selector escaping.
  client::ListOptions selector;
  podFieldSelector_ =
      nodeList_.size() == 1 ? "spec.nodeName=" + nodeList_[0]->nodeName() : "spec.nodeName!=";
  selector.fieldSelector = podFieldSelector_;
  pods_ = std::make_unique<client::Informer>(client_, client::Resource{"", "v1", "pods", true}, "",
                                             selector);
  // The handlers only hand the pod to its worker, which syncs on the executor.
  client::InformerHandlers handlers;
  // A mirror pod that comes, goes or is being deleted wants a pass of the static pod source
  // (after the node has noted it): `kubectl delete` of a mirror waits for it.
  auto mirrorMoved = [this](const client::ObjectPtr& pod) {
    if (staticPods_ && isMirrorPod(*pod)) staticPods_->requestSync();
  };
  handlers.onAdd = [this, mirrorMoved](const client::ObjectPtr& pod) {
    if (auto n = nodeOf(pod)) n->podChanged(pod);
    mirrorMoved(pod);
  };
  handlers.onUpdate = [this, mirrorMoved](const client::ObjectPtr& old,
                                          const client::ObjectPtr& pod) {
    if (auto n = nodeOf(pod)) n->podChanged(pod);
    const auto* before = json::getObject(*old, "metadata");
    const auto* after = json::getObject(*pod, "metadata");
    if (after && after->contains("deletionTimestamp") &&
        !(before && before->contains("deletionTimestamp"))) {
      mirrorMoved(pod);
    }
  };
  handlers.onDelete = [this, mirrorMoved](const client::ObjectPtr& pod) {
    if (auto n = nodeOf(pod)) n->podDeleted(pod);
    mirrorMoved(pod);
  };
  pods_->addHandlers(std::move(handlers));
  if (nodeList_.size() == 1) {
    client::ListOptions byName;
    byName.fieldSelector = "metadata.name=" + nodeList_[0]->nodeName();
    self_ = std::make_unique<client::Informer>(client_, NodeAgent::nodes(), "", byName);
    client::InformerHandlers nodeHandlers;
    nodeHandlers.onAdd = [node = nodeList_[0]](const client::ObjectPtr& obj) {
      node->noteNode(*obj);
    };
    nodeHandlers.onUpdate = [node = nodeList_[0]](const client::ObjectPtr&,
                                                  const client::ObjectPtr& obj) {
      node->noteNode(*obj);
    };
    self_->addHandlers(std::move(nodeHandlers));
  }
  if (!options_.podManifestPath.empty()) {
    if (nodeList_.size() != 1) throw std::invalid_argument("static pods need a single node");
    staticPods_ = std::make_shared<StaticPodSource>(
        StaticPodOptions{options_.podManifestPath, nodeList_[0]->nodeName()}, heartbeats_, client_,
        nodeList_[0], [informer = pods_.get()] { return informer->hasSynced(); });
  }
}

AgentHost::~AgentHost() {
  stop();
}

NodeAgentPtr AgentHost::nodeOf(const client::ObjectPtr& pod) const {
  const auto* spec = json::getObject(*pod, "spec");
  if (!spec) return nullptr;
  auto it = byName_.find(json::getString(*spec, "nodeName"));
  return it == byName_.end() ? nullptr : it->second;
}

std::optional<streaming::LocatedPod> AgentHost::locatePod(const std::string& ns,
                                                          const std::string& name) const {
  if (!pods_) return std::nullopt;
  auto pod = pods_->get(ns + "/" + name);
  if (!pod) return std::nullopt;
  auto node = nodeOf(pod);
  if (!node) return std::nullopt;
  // A mirror pod's containers are its static pod's, whose uid is the mirror's config hash.
  const auto* meta = json::getObject(*pod, "metadata");
  std::string uid =
      isMirrorPod(*pod) ? mirrorHashOf(*pod) : (meta ? json::getString(*meta, "uid") : "");
  return streaming::LocatedPod{pod, uid, node->runtime()};
}

NodeAgentPtr AgentHost::node(const std::string& name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

void AgentHost::start() {
  if (started_) return;
  started_ = true;
  for (const auto& n : nodeList_) n->start();
  pods_->start();
  if (self_) self_->start();
  if (staticPods_) staticPods_->start();
  housekeeping();
}

void AgentHost::housekeeping() {
  if (*stopping_) return;
  // Static pods count as the node's once their source has handed them over.
  if (pods_->hasSynced() && (!staticPods_ || staticPods_->hasSynced())) {
    for (const auto& n : nodeList_) n->removeOrphanSandboxes();
  }
  executor_->postAfter(options_.housekeepingInterval, [this, stopping = stopping_] {
    if (!*stopping) housekeeping();
  });
}

void AgentHost::stop() {
  *stopping_ = true;
  if (streaming_) streaming_->stop();
  for (const auto& n : nodeList_) n->stop();
  if (staticPods_) staticPods_->stop();
  if (pods_) pods_->stop();
  if (self_) self_->stop();
  if (ownHeartbeats_) ownHeartbeats_->stop();
  if (ownExecutor_) ownExecutor_->stop();
  if (events_ && !eventsStopped_.exchange(true)) {
    events_->stop();
    // Dropped events mean the writer could not keep up: worth knowing when reading a scale run.
    CUBE_LOG(Info) << "agent: events written " << events_->written() << ", dropped "
                   << events_->dropped();
  }
}

}  // namespace cube::agent
