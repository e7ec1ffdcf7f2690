#include "controllers/nodeipam/node_ipam_controller.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"

#include <stdexcept>
#include <vector>

namespace cube::controllers::nodeipam {

namespace bj = boost::json;

namespace {

const client::Resource kNodes{"", "v1", "nodes", false};

std::string podCidrOf(const bj::object& node) {
  const auto* spec = json::getObject(node, "spec");
  return spec ? json::getString(*spec, "podCIDR") : "";
}

}  // namespace

void validateNodeIpamOptions(const NodeIpamOptions& options) {
  auto cluster = CidrAllocator::parseCidr(options.clusterCidr);
  if (!cluster) {
    throw std::invalid_argument("--cluster-cidr " + options.clusterCidr +
                                " is not an IPv4 CIDR (e.g. 10.42.0.0/16)");
  }
  int prefix = cluster->second;
  int mask = options.nodeMaskSize;
  if (mask < prefix || mask > 30) {
    throw std::invalid_argument("--node-cidr-mask-size " + std::to_string(mask) +
                                " must be between the prefix length of " + "--cluster-cidr " +
                                options.clusterCidr + " (" + std::to_string(prefix) + ") and 30");
  }
  if (mask - prefix > 24) {
    throw std::invalid_argument("--cluster-cidr " + options.clusterCidr +
                                " with --node-cidr-mask-size " + std::to_string(mask) +
                                " makes more than 2^24 node subnets");
  }
}

NodeIpamController::NodeIpamController(const ControllerContext& context, NodeIpamOptions options)
    : NodeIpamController(
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kNodes)),
               std::make_shared<client::ApiEventRecorder>(
                   context.client, client::EventSource{"node-ipam-controller"}, context.clock),
               context.clock},
          std::move(options)) {
  context.informers->informerFor(kNodes)->addHandlers(
      {[this](const ObjectPtr& o) { onNodeAdd(o); },
       [this](const ObjectPtr& a, const ObjectPtr& b) { onNodeUpdate(a, b); },
       [this](const ObjectPtr& o) { onNodeDelete(o); }});
}

NodeIpamController::NodeIpamController(Deps deps, NodeIpamOptions options)
    : deps_(std::move(deps)),
      allocator_(options.clusterCidr, options.nodeMaskSize),
      waitBackoff_(std::chrono::milliseconds(5), std::chrono::seconds(1000)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          "node-ipam-controller", *queue_, [this](const std::string& key) { reconcile(key); })) {}

NodeIpamController::~NodeIpamController() {
  stop();
}

void NodeIpamController::start(int workers) {
  rebuild();
  workers_->start(workers);
}

void NodeIpamController::stop() {
  workers_->stop();
}

void NodeIpamController::rebuild() {
  std::lock_guard lock(mutex_);
  for (const auto& node : deps_.nodes->list()) {
    std::string name = nameOf(*node);
    std::string cidr = podCidrOf(*node);
    if (cidr.empty() || assigned_.count(name)) continue;
    if (allocator_.occupy(cidr)) {
      assigned_[name] = cidr;
    } else {
      // Outside the cluster CIDR or a duplicate: the node keeps it (spec.podCIDR cannot change),
      // and we never hand it out to another node.
      CUBE_LOG(Warn) << "node-ipam: node " << name << " has pod CIDR " << cidr
                     << " that is not a free subnet of the cluster CIDR";
    }
  }
}

void NodeIpamController::reconcile(const std::string& name) {
  ObjectPtr node = deps_.nodes->get(name);
  std::unique_lock lock(mutex_);
  auto it = assigned_.find(name);
  if (!node) {
    bool freed = it != assigned_.end();
    if (freed) {
      allocator_.release(it->second);
      assigned_.erase(it);
    }
    lock.unlock();
    stopWaiting(name);
    if (freed) requeueWaiting();
    return;
  }
  std::string cidr = podCidrOf(*node);
  if (!cidr.empty()) {
    bool freed = false;
    if (it == assigned_.end() || it->second != cidr) {
      // Set by someone else (or by us before a restart): account it to this node.
      if (it != assigned_.end()) {
        allocator_.release(it->second);
        freed = true;
      }
      if (allocator_.occupy(cidr)) {
        assigned_[name] = cidr;
      } else if (it != assigned_.end()) {
        assigned_.erase(it);
      }
    }
    lock.unlock();
    stopWaiting(name);
    if (freed) requeueWaiting();
    return;
  }
  // A subnet we gave but whose patch the cache has not shown yet is reused, not leaked.
  std::string chosen;
  if (it != assigned_.end()) {
    chosen = it->second;
  } else {
    auto next = allocator_.allocateNext();
    if (!next) {
      // Marked waiting under the same lock a release takes, so a subnet freed from now on
      // requeues this node.
      bool started = waiting_.insert(name).second;
      lock.unlock();
      waitForCidr(name, node, started);
      return;
    }
    chosen = *next;
    assigned_[name] = chosen;
  }
  lock.unlock();
  bj::object patch{
      {"spec", bj::object{{"podCIDR", chosen}, {"podCIDRs", bj::array{bj::value(chosen)}}}}};
  try {
    deps_.client->patch(kNodes, "", name, client::PatchKind::Merge, json::serialize(patch));
  } catch (const ApiError& e) {
    if (e.code() == 404) return;  // deleted meanwhile: its delete event frees the subnet
    throw;
  }
  bool waited = waiting(name);
  stopWaiting(name);
  CUBE_LOG(Info) << "node-ipam: node " << name << " gets pod CIDR " << chosen
                 << (waited ? " (it had waited for a free subnet)" : "");
}

bool NodeIpamController::waiting(const std::string& name) {
  std::lock_guard lock(mutex_);
  return waiting_.count(name) > 0;
}

void NodeIpamController::waitForCidr(const std::string& name, const ObjectPtr& node, bool started) {
  if (started) {
    CUBE_LOG(Warn) << "node-ipam: no pod CIDR left in the cluster CIDR for node " << name << " ("
                   << allocator_.capacity()
                   << " subnets, all in use); it waits for a node to be deleted";
    // As Kubernetes' range allocator: a node status change event on the node.
    deps_.events->event(client::ObjectReference::of(*node, "v1", "Node"), "Normal",
                        "CIDRNotAvailable", "Node " + name + " status is now: CIDRNotAvailable");
  }
  queue_->addAfter(name, waitBackoff_.when(name));
}

void NodeIpamController::stopWaiting(const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    if (waiting_.erase(name) == 0) return;
  }
  waitBackoff_.forget(name);
}

void NodeIpamController::requeueWaiting() {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    names.assign(waiting_.begin(), waiting_.end());
  }
  for (const auto& name : names) queue_->add(name);
}

void NodeIpamController::onNodeAdd(const ObjectPtr& node) {
  queue_->add(nameOf(*node));
}

void NodeIpamController::onNodeUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  // Only the pod CIDR matters here; status heartbeats would otherwise flood the queue. A node
  // waiting for a subnet is retried by its backoff and when a subnet is freed, not on each
  // heartbeat or resync.
  std::string cidr = podCidrOf(*now);
  bool changed = podCidrOf(*old) != cidr;
  if (changed || (cidr.empty() && !waiting(nameOf(*now)))) queue_->add(nameOf(*now));
}

void NodeIpamController::onNodeDelete(const ObjectPtr& node) {
  queue_->add(nameOf(*node));
}

}  // namespace cube::controllers::nodeipam
