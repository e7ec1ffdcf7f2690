#pragma once
// SchedulerCache: the scheduler's view of the cluster — every node with the running totals of
// the pods placed on it, where "placed" means bound (seen through the informer with a
// spec.nodeName) or assumed (the scheduler chose a node and the binding is in flight or has not
// come back through the watch yet). Counting assumed pods at once is what keeps a burst from
// overcommitting a node: the next decision already sees the capacity as taken.
//
// Threads: informer threads and binder threads call the public methods, which lock. The
// scheduling thread takes lock() for one whole decision and uses the unsafe... readers and
// unsafeAssume under it, so a decision sees one consistent state.

#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cube::scheduler {

class SchedulerCache {
 public:
  // Adds or replaces a node; true when something that decides placement changed (so pending
  // pods deserve another try).
  bool upsertNode(const NodeSpecInfo& node);
  void removeNode(const std::string& name);

  // A pod seen bound to pod->nodeName by the informer. Confirms an assumed pod; moves it when
  // it was bound somewhere other than assumed.
  void addOrUpdatePod(const PodInfoPtr& pod);
  // The pod is gone (deleted or terminal). Releases whatever it held.
  void removePod(const std::string& key);
  // The binding of an assumed pod failed: release what it held unless the informer has since
  // seen it bound.
  void forgetPod(const std::string& key);
  bool isAssumed(const std::string& key) const;
  // Whether the pod holds capacity in the cache (bound or assumed).
  bool isPlaced(const std::string& key) const;

  size_t nodeCount() const;
  size_t assumedCount() const;
  // A copy of one node's state (tests, diagnostics); nullopt when unknown.
  std::optional<NodeInfo> nodeInfo(const std::string& name) const;

  // Held by the scheduling thread for one decision.
  std::unique_lock<std::mutex> lock() const { return std::unique_lock(mutex_); }

  // --- With lock() held. ---
  const std::vector<std::unique_ptr<NodeInfo>>& unsafeNodes() const { return nodes_; }
  const NodeInfo* unsafeNode(const std::string& name) const;
  // Pods of one controller per node name; nullptr when the owner has no placed pods.
  const std::unordered_map<std::string, int>* unsafeOwnerCounts(const std::string& ownerUid) const;
  // Every placed pod with the name of its node.
  void unsafeForEachPlacedPod(
      const std::function<void(const PodInfo& pod, const std::string& node)>& fn) const;
  // Placed pods that carry required anti-affinity terms (every new pod must respect them).
  void unsafeForEachAntiAffinityPod(
      const std::function<void(const PodInfo& pod, const std::string& node)>& fn) const;
  // Counts `pod` on `node` until the informer confirms the binding or forgetPod().
  void unsafeAssume(const PodInfoPtr& pod, const std::string& node);

 private:
  struct PlacedPod {
    PodInfoPtr info;
    std::string node;
    bool assumed = false;
  };

  NodeInfo* unsafeMutableNode(const std::string& name);
  void unsafePlace(const std::string& key, PlacedPod placed);
  void unsafeUnplace(std::unordered_map<std::string, PlacedPod>::iterator it);

  // Guards everything below. A leaf lock: nothing else is locked while it is held.
  mutable std::mutex mutex_;
  // Dense, so a decision walks nodes in a tight loop; nodeIndex_ finds one by name. A removed
  // node is swapped with the last one.
  std::vector<std::unique_ptr<NodeInfo>> nodes_;
  std::unordered_map<std::string, size_t> nodeIndex_;
  std::unordered_map<std::string, PlacedPod> pods_;  // by "namespace/name"
  // Pods by node name, including nodes the cache does not know yet (a pod may be seen before
  // its node); a node that appears starts with their totals.
  std::unordered_map<std::string, std::unordered_set<std::string>> podsOnNode_;
  std::unordered_map<std::string, std::unordered_map<std::string, int>> ownerCounts_;
  std::unordered_set<std::string> antiAffinityPods_;
  size_t assumed_ = 0;
};

}  // namespace cube::scheduler
