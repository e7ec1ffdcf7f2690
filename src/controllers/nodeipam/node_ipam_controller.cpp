#include "controllers/nodeipam/node_ipam_controller.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"

namespace cube::controllers::nodeipam {

namespace bj = boost::json;

namespace {

const client::Resource kNodes{"", "v1", "nodes", false};

std::string podCidrOf(const bj::object& node) {
  const auto* spec = json::getObject(node, "spec");
  return spec ? json::getString(*spec, "podCIDR") : "";
}

}  // namespace

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
    if (it != assigned_.end()) {
      allocator_.release(it->second);
      assigned_.erase(it);
    }
    return;
  }
  std::string cidr = podCidrOf(*node);
  if (!cidr.empty()) {
    if (it != assigned_.end() && it->second == cidr) return;
    // Set by someone else (or by us before a restart): account it to this node.
    if (it != assigned_.end()) allocator_.release(it->second);
    if (allocator_.occupy(cidr)) {
      assigned_[name] = cidr;
    } else if (it != assigned_.end()) {
      assigned_.erase(it);
    }
    return;
  }
  // A subnet we gave but whose patch the cache has not shown yet is reused, not leaked.
  std::string chosen;
  if (it != assigned_.end()) {
    chosen = it->second;
  } else {
    auto next = allocator_.allocateNext();
    if (!next) {
      lock.unlock();
      CUBE_LOG(Warn) << "node-ipam: no pod CIDR left for node " << name;
      deps_.events->event(client::ObjectReference::of(*node, "v1", "Node"), "Warning",
                          "CIDRNotAvailable", "Node " + name + " status is now: CIDRNotAvailable");
      throw ApiError(503, "ServiceUnavailable", "no pod CIDR available for node " + name);
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
  CUBE_LOG(Info) << "node-ipam: node " << name << " gets pod CIDR " << chosen;
}

void NodeIpamController::onNodeAdd(const ObjectPtr& node) {
  queue_->add(nameOf(*node));
}

void NodeIpamController::onNodeUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  // Only the pod CIDR matters here; status heartbeats would otherwise flood the queue.
  if (podCidrOf(*now).empty() || podCidrOf(*old) != podCidrOf(*now)) queue_->add(nameOf(*now));
}

void NodeIpamController::onNodeDelete(const ObjectPtr& node) {
  queue_->add(nameOf(*node));
}

}  // namespace cube::controllers::nodeipam
