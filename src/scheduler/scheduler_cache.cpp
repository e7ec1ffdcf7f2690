#include "scheduler/scheduler_cache.h"

#include <cassert>

namespace cube::scheduler {

bool SchedulerCache::upsertNode(const NodeSpecInfo& node) {
  std::lock_guard lock(mutex_);
  if (NodeInfo* existing = unsafeMutableNode(node.name)) {
    if (existing->spec == node) return false;
    existing->spec = node;
    return true;
  }
  auto info = std::make_unique<NodeInfo>();
  info->spec = node;
  if (auto it = podsOnNode_.find(node.name); it != podsOnNode_.end()) {
    for (const std::string& key : it->second) info->addPod(*pods_.at(key).info);
  }
  nodeIndex_[node.name] = nodes_.size();
  nodes_.push_back(std::move(info));
  return true;
}

void SchedulerCache::removeNode(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = nodeIndex_.find(name);
  if (it == nodeIndex_.end()) return;
  size_t index = it->second;
  nodeIndex_.erase(it);
  if (index != nodes_.size() - 1) {
    nodes_[index] = std::move(nodes_.back());
    nodeIndex_[nodes_[index]->name()] = index;
  }
  nodes_.pop_back();
  // Pods stay in podsOnNode_: they still exist until the API deletes them, and if the node
  // comes back its totals are rebuilt from them.
}

void SchedulerCache::addOrUpdatePod(const PodInfoPtr& pod) {
  std::lock_guard lock(mutex_);
  if (auto it = pods_.find(pod->key); it != pods_.end()) {
    if (it->second.assumed) --assumed_;
    unsafeUnplace(it);
  }
  unsafePlace(pod->key, {pod, pod->nodeName, false});
}

void SchedulerCache::removePod(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  if (it->second.assumed) --assumed_;
  unsafeUnplace(it);
}

void SchedulerCache::forgetPod(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = pods_.find(key);
  if (it == pods_.end() || !it->second.assumed) return;
  --assumed_;
  unsafeUnplace(it);
}

bool SchedulerCache::isAssumed(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = pods_.find(key);
  return it != pods_.end() && it->second.assumed;
}

bool SchedulerCache::isPlaced(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return pods_.contains(key);
}

size_t SchedulerCache::nodeCount() const {
  std::lock_guard lock(mutex_);
  return nodes_.size();
}

size_t SchedulerCache::assumedCount() const {
  std::lock_guard lock(mutex_);
  return assumed_;
}

std::optional<NodeInfo> SchedulerCache::nodeInfo(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const NodeInfo* n = unsafeNode(name);
  if (!n) return std::nullopt;
  return *n;
}

const NodeInfo* SchedulerCache::unsafeNode(const std::string& name) const {
  auto it = nodeIndex_.find(name);
  return it == nodeIndex_.end() ? nullptr : nodes_[it->second].get();
}

NodeInfo* SchedulerCache::unsafeMutableNode(const std::string& name) {
  auto it = nodeIndex_.find(name);
  return it == nodeIndex_.end() ? nullptr : nodes_[it->second].get();
}

const std::unordered_map<std::string, int>* SchedulerCache::unsafeOwnerCounts(
    const std::string& ownerUid) const {
  auto it = ownerCounts_.find(ownerUid);
  return it == ownerCounts_.end() ? nullptr : &it->second;
}

void SchedulerCache::unsafeForEachPlacedPod(
    const std::function<void(const PodInfo&, const std::string&)>& fn) const {
  for (const auto& [key, placed] : pods_) fn(*placed.info, placed.node);
}

void SchedulerCache::unsafeForEachAntiAffinityPod(
    const std::function<void(const PodInfo&, const std::string&)>& fn) const {
  for (const std::string& key : antiAffinityPods_) {
    const PlacedPod& placed = pods_.at(key);
    fn(*placed.info, placed.node);
  }
}

void SchedulerCache::unsafeAssume(const PodInfoPtr& pod, const std::string& node) {
  if (auto it = pods_.find(pod->key); it != pods_.end()) {
    if (it->second.assumed) --assumed_;
    unsafeUnplace(it);
  }
  unsafePlace(pod->key, {pod, node, true});
  ++assumed_;
}

void SchedulerCache::unsafePlace(const std::string& key, PlacedPod placed) {
  if (NodeInfo* n = unsafeMutableNode(placed.node)) n->addPod(*placed.info);
  podsOnNode_[placed.node].insert(key);
  if (!placed.info->ownerUid.empty()) ++ownerCounts_[placed.info->ownerUid][placed.node];
  if (!placed.info->antiAffinity.empty()) antiAffinityPods_.insert(key);
  pods_.emplace(key, std::move(placed));
}

void SchedulerCache::unsafeUnplace(std::unordered_map<std::string, PlacedPod>::iterator it) {
  const PlacedPod& placed = it->second;
  if (NodeInfo* n = unsafeMutableNode(placed.node)) n->removePod(*placed.info);
  if (auto on = podsOnNode_.find(placed.node); on != podsOnNode_.end()) {
    on->second.erase(it->first);
    if (on->second.empty()) podsOnNode_.erase(on);
  }
  if (!placed.info->ownerUid.empty()) {
    auto owner = ownerCounts_.find(placed.info->ownerUid);
    if (owner != ownerCounts_.end()) {
      auto count = owner->second.find(placed.node);
      if (count != owner->second.end() && --count->second <= 0) owner->second.erase(count);
      if (owner->second.empty()) ownerCounts_.erase(owner);
    }
  }
  antiAffinityPods_.erase(it->first);
  pods_.erase(it);
}

}  // namespace cube::scheduler
