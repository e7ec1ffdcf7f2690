#include "agent/node_agent.h"

#include "agent/node_status.h"
#include "agent/static_pods.h"
#include "agent/volumes/volume_manager.h"
#include "common/json_util.h"
#include "common/log.h"

#include <filesystem>

namespace cube::agent {

namespace bj = boost::json;

namespace {

std::string uidOf(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  return meta ? json::getString(*meta, "uid") : "";
}

std::string keyOf(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  return meta ? json::getString(*meta, "namespace") + "/" + json::getString(*meta, "name") : "/";
}

}  // namespace

NodeAgent::NodeAgent(NodeConfig config, ExecutorPtr executor, client::ApiClientPtr client,
                     runtime::RuntimePtr runtime, client::EventRecorderPtr recorder,
                     ExecutorPtr heartbeats)
    : config_(std::make_shared<NodeConfig>(std::move(config))),
      executor_(std::move(executor)),
      heartbeats_(heartbeats ? std::move(heartbeats) : executor_),
      client_(std::move(client)),
      runtime_(std::move(runtime)),
      recorder_(std::move(recorder)),
      ips_(std::make_shared<PodIpAllocator>(config_->fallbackPodCIDR)),
      lease_(client_, config_->nodeName, config_->leaseDurationSeconds) {}

void NodeAgent::setPodCidrHandler(std::function<void(const std::string&)> handler) {
  podCidrHandler_ = std::move(handler);
}

void NodeAgent::start() {
  std::weak_ptr<NodeAgent> weak = weak_from_this();
  runtime_->setEventHandler([weak](const runtime::RuntimeEvent& event) {
    if (auto self = weak.lock()) self->onRuntimeEvent(event);
  });
  if (recorder_) {
    // The kubelet's node events name the node by name in the uid too (there is no uid before
    // registration); `kubectl describe node` looks them up that way.
    client::ObjectReference node{"", "Node", "", config_->nodeName, config_->nodeName, "", ""};
    recorder_->event(node, "Normal", "Starting", "Starting kubelet.");
  }
  heartbeats_->post([self = shared_from_this()] { self->registerNode(); });
}

void NodeAgent::stop() {
  stopping_ = true;
}

void NodeAgent::noteNode(const bj::object& node) {
  std::string newCidr;
  {
    std::lock_guard lock(nodeMutex_);
    if (const auto* meta = json::getObject(node, "metadata")) {
      nodeUid_ = json::getString(*meta, "uid");
    }
    if (const auto* spec = json::getObject(node, "spec")) {
      std::string cidr = json::getString(*spec, "podCIDR");
      if (!cidr.empty()) ips_->setCidr(cidr);
      if (!cidr.empty() && cidr != podCidr_) newCidr = podCidr_ = cidr;
    }
    if (const auto* status = json::getObject(node, "status")) lastStatus_ = *status;
  }
  if (newCidr.empty() || !podCidrHandler_) return;
  podCidrHandler_(newCidr);
  // Pods waiting for a network try again now rather than at their retry back-off.
  std::vector<std::shared_ptr<PodWorker>> workers;
  {
    std::lock_guard lock(workersMutex_);
    for (const auto& [uid, w] : workers_) workers.push_back(w);
  }
  for (const auto& w : workers) w->requestSync();
}

void NodeAgent::registerNode() {
  if (stopping_) return;
  auto now = heartbeats_->now();
  try {
    try {
      noteNode(client_->create(nodes(), "", buildNode(*config_, runtime_->version(), now)));
    } catch (const ApiError& e) {
      if (e.code() != 409) throw;
      // Registered before (an agent restart): make the labels ours again, then report status.
      bj::object patch{{"metadata", bj::object{{"labels", nodeLabels(*config_)}}}};
      noteNode(client_->patch(nodes(), "", config_->nodeName, client::PatchKind::Merge,
                              json::serialize(patch)));
    }
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "node " << config_->nodeName
                   << ": registration failed, retrying: " << e.what();
    heartbeats_->postAfter(std::chrono::seconds(2),
                           [self = shared_from_this()] { self->registerNode(); });
    return;
  }
  registered_ = true;
  CUBE_LOG(Info) << "node " << config_->nodeName << " registered";
  renewLease();
  // An early first report: the node IPAM controller assigns spec.podCIDR right after the node
  // appears, and the answer to this report tells us.
  heartbeats_->postAfter(std::chrono::seconds(1),
                         [self = shared_from_this()] { self->reportStatus(); });
}

void NodeAgent::renewLease() {
  if (stopping_) return;
  try {
    std::string uid;
    {
      std::lock_guard lock(nodeMutex_);
      uid = nodeUid_;
    }
    lease_.renew(heartbeats_->now(), uid);
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "node " << config_->nodeName << ": lease renewal failed: " << e.what();
  }
  heartbeats_->postAfter(config_->leaseRenewInterval,
                         [self = shared_from_this()] { self->renewLease(); });
}

void NodeAgent::reportStatus() {
  if (stopping_) return;
  try {
    bj::object body;
    {
      std::lock_guard lock(nodeMutex_);
      body["status"] =
          buildNodeStatus(*config_, runtime_->version(), heartbeats_->now(), &lastStatus_);
    }
    noteNode(client_->patch(nodes(), "", config_->nodeName, client::PatchKind::Merge,
                            json::serialize(body), "status"));
  } catch (const ApiError& e) {
    CUBE_LOG(Warn) << "node " << config_->nodeName << ": status update failed: " << e.message();
    if (e.code() == 404) {
      // Someone deleted our Node: register again, as the kubelet does on restart.
      registered_ = false;
      heartbeats_->post([self = shared_from_this()] { self->registerNode(); });
      return;
    }
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "node " << config_->nodeName << ": status update failed: " << e.what();
  }
  heartbeats_->postAfter(config_->statusInterval,
                         [self = shared_from_this()] { self->reportStatus(); });
}

std::string NodeAgent::nodeUid() const {
  std::lock_guard lock(nodeMutex_);
  return nodeUid_;
}

size_t NodeAgent::workerCount() const {
  std::lock_guard lock(workersMutex_);
  return workers_.size();
}

std::shared_ptr<PodWorker> NodeAgent::workerFor(const std::string& uid) const {
  std::lock_guard lock(workersMutex_);
  auto it = workers_.find(uid);
  if (it != workers_.end()) return it->second;
  auto g = gone_.find(uid);
  return g == gone_.end() ? nullptr : g->second;
}

bool NodeAgent::runsPod(const std::string& uid) const {
  auto worker = workerFor(uid);
  return worker && !worker->finished();
}

std::vector<PodPtr> NodeAgent::mirrorPods() const {
  std::lock_guard lock(workersMutex_);
  std::vector<PodPtr> out;
  for (const auto& [key, pod] : mirrors_) out.push_back(pod);
  return out;
}

PodPtr NodeAgent::mirrorPod(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(workersMutex_);
  auto it = mirrors_.find(ns + "/" + name);
  return it == mirrors_.end() ? nullptr : it->second;
}

void NodeAgent::mirrorChanged(const PodPtr& mirror) {
  bool fresh;
  {
    std::lock_guard lock(workersMutex_);
    auto& slot = mirrors_[keyOf(*mirror)];
    fresh = !slot || uidOf(*slot) != uidOf(*mirror);
    slot = mirror;
  }
  // A new mirror shows nothing until its static pod's worker writes the status there.
  if (!fresh) return;
  if (auto worker = workerFor(mirrorHashOf(*mirror))) worker->requestSync();
}

void NodeAgent::mirrorDeleted(const PodPtr& mirror) {
  std::lock_guard lock(workersMutex_);
  auto it = mirrors_.find(keyOf(*mirror));
  if (it != mirrors_.end() && uidOf(*it->second) == uidOf(*mirror)) mirrors_.erase(it);
}

void NodeAgent::podChanged(const PodPtr& pod) {
  if (isMirrorPod(*pod)) {
    mirrorChanged(pod);
    return;
  }
  std::string uid = uidOf(*pod);
  if (uid.empty()) return;
  std::shared_ptr<PodWorker> worker, fresh;
  {
    std::lock_guard lock(workersMutex_);
    auto& slot = workers_[uid];
    if (slot) {
      worker = slot;
    } else {
      std::weak_ptr<NodeAgent> weak = weak_from_this();
      PodWorkerDeps deps{executor_, runtime_, client_, ips_, config_, recorder_, nullptr};
      deps.mirrorPod = [weak](const std::string& ns, const std::string& name) -> PodPtr {
        auto self = weak.lock();
        return self ? self->mirrorPod(ns, name) : nullptr;
      };
      slot = std::make_shared<PodWorker>(std::move(deps), pod);
      fresh = slot;
    }
  }
  if (fresh) {
    fresh->requestSync();
  } else {
    worker->update(pod);
  }
}

void NodeAgent::podDeleted(const PodPtr& pod) {
  if (isMirrorPod(*pod)) {
    mirrorDeleted(pod);
    return;
  }
  std::string uid = uidOf(*pod);
  std::shared_ptr<PodWorker> worker;
  {
    std::lock_guard lock(workersMutex_);
    auto it = workers_.find(uid);
    if (it == workers_.end()) return;
    worker = std::move(it->second);
    workers_.erase(it);
    for (auto g = gone_.begin(); g != gone_.end();) {
      g = g->second->finished() ? gone_.erase(g) : std::next(g);
    }
    gone_[uid] = worker;
  }
  worker->markGone();
}

size_t NodeAgent::removeOrphanSandboxes() {
  size_t removed = 0;
  for (const auto& sandbox : runtime_->listSandboxes()) {
    if (workerFor(sandbox.podUid)) continue;
    CUBE_LOG(Info) << "node " << config_->nodeName << ": removing sandbox " << sandbox.id
                   << " of pod " << sandbox.podUid << ", which is no longer on this node";
    try {
      runtime_->stopSandbox(sandbox.id);
      runtime_->removeSandbox(sandbox.id);
      if (!sandbox.ip.empty() && sandbox.ip != config_->internalIP) ips_->release(sandbox.ip);
      ++removed;
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << "node " << config_->nodeName << ": sandbox " << sandbox.id << ": "
                     << e.what();
    }
  }
  removeOrphanVolumes();
  return removed;
}

void NodeAgent::removeOrphanVolumes() {
  if (config_->podsDir.empty()) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(config_->podsDir, ec)) {
    const std::string uid = entry.path().filename().string();
    if (workerFor(uid)) continue;
    CUBE_LOG(Info) << "node " << config_->nodeName << ": removing the volumes of pod " << uid
                   << ", which is no longer on this node";
    try {
      volumes::VolumeManager(config_->podsDir).tearDown(uid);
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << "node " << config_->nodeName << ": volumes of " << uid << ": " << e.what();
    }
  }
}

void NodeAgent::onRuntimeEvent(const runtime::RuntimeEvent& event) {
  if (auto worker = workerFor(event.podUid)) worker->requestSync();
}

}  // namespace cube::agent
