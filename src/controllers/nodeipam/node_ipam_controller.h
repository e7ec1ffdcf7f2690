#pragma once
// NodeIpamController: gives every Node a pod subnet — spec.podCIDR and spec.podCIDRs, a /24 of
// 10.42.0.0/16 by default — that no other node has, and takes it back when the node is deleted.
// The agent allocates its pods' IPs from it.
//
// What is allocated is rebuilt from the nodes' spec.podCIDR when the controller starts (before
// any worker runs), so a restart never hands out a subnet twice. reconcile(name) is
// level-triggered: a node without a subnet gets one; a node that is gone frees the subnet it had.
//
// When every subnet is taken, a node waits: one CIDRNotAvailable event and one warning when it
// starts waiting, then retries with a per-node exponential backoff (not on every heartbeat or
// resync, which at hundreds of nodes made a storm of event writes). A freed subnet requeues the
// waiting nodes at once.

#include "client/event_recorder.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/nodeipam/cidr_allocator.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace cube::controllers::nodeipam {

struct NodeIpamOptions {
  std::string clusterCidr = "10.42.0.0/16";  // --cluster-cidr (k3s' default)
  int nodeMaskSize = 24;                     // --node-cidr-mask-size
};

// Throws std::invalid_argument, naming the flag, unless clusterCidr is an IPv4 CIDR and
// nodeMaskSize lies between its prefix length and 30 (and makes at most 2^24 subnets).
void validateNodeIpamOptions(const NodeIpamOptions& options);

class NodeIpamController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // node patches
    ObjectCachePtr nodes;
    client::EventRecorderPtr events;
    client::ClockPtr clock;
  };

  NodeIpamController(const ControllerContext& context, NodeIpamOptions options = {});
  NodeIpamController(Deps deps, NodeIpamOptions options = {});
  ~NodeIpamController() override;

  std::string name() const override { return "node-ipam-controller"; }
  // Rebuilds the allocations from the cached nodes, then starts the workers.
  void start(int workers) override;
  void stop() override;

  // Marks the subnets the cached nodes already have as taken (start() calls it; tests too).
  void rebuild();
  // Gives node `name` a subnet when it has none; frees the subnet of a node that is gone.
  // Throws when the write must be retried.
  void reconcile(const std::string& name);

  void onNodeAdd(const ObjectPtr& node);
  void onNodeUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onNodeDelete(const ObjectPtr& node);

  client::WorkQueue& queue() { return *queue_; }
  CidrAllocator& allocator() { return allocator_; }
  // Whether node `name` is waiting for a subnet to be freed.
  bool waiting(const std::string& name);

 private:
  // Node `name` got no subnet (`started`: it was not waiting before): record that once, and
  // retry it after its backoff.
  void waitForCidr(const std::string& name, const ObjectPtr& node, bool started);
  // The node no longer waits (it has a subnet, or is gone): forget its backoff.
  void stopWaiting(const std::string& name);
  // A subnet was freed: the waiting nodes try again now.
  void requeueWaiting();

  Deps deps_;
  CidrAllocator allocator_;
  std::mutex mutex_;                             // guards assigned_ and waiting_
  std::map<std::string, std::string> assigned_;  // node name -> the subnet we account to it
  std::set<std::string> waiting_;                // nodes that found every subnet taken
  // Per-node retry delay of a waiting node, as the work queue's per-key limiter: 5ms doubling
  // to 1000s. Kept apart from the queue's own limiter because a wait is not a failure: the
  // reconcile returns normally (so the workers neither log nor forget it per retry).
  client::ItemExponentialRateLimiter waitBackoff_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::nodeipam
