#include "controllers/nodelifecycle/pods_by_node.h"

#include "controllers/pod_util.h"

namespace cube::controllers::nodelifecycle {

void PodsByNode::put(const client::ObjectPtr& pod) {
  std::string key = client::Informer::keyOf(*pod);
  std::string node = podNodeName(*pod);
  std::lock_guard lock(mutex_);
  // Keyed by the node we filed it under, not by the old object: a missed event cannot strand it.
  auto it = nodeOf_.find(key);
  if (it != nodeOf_.end() && it->second != node) unsafeRemove(key);
  if (node.empty()) return;
  byNode_[node][key] = pod;
  nodeOf_[key] = node;
}

void PodsByNode::remove(const client::ObjectPtr& pod) {
  std::lock_guard lock(mutex_);
  unsafeRemove(client::Informer::keyOf(*pod));
}

void PodsByNode::unsafeRemove(const std::string& key) {
  auto it = nodeOf_.find(key);
  if (it == nodeOf_.end()) return;
  auto pods = byNode_.find(it->second);
  if (pods != byNode_.end()) {
    pods->second.erase(key);
    if (pods->second.empty()) byNode_.erase(pods);
  }
  nodeOf_.erase(it);
}

std::vector<client::ObjectPtr> PodsByNode::podsOn(const std::string& node) const {
  std::vector<client::ObjectPtr> out;
  std::lock_guard lock(mutex_);
  auto it = byNode_.find(node);
  if (it == byNode_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [key, pod] : it->second) out.push_back(pod);
  return out;
}

size_t PodsByNode::nodeCount() const {
  std::lock_guard lock(mutex_);
  return byNode_.size();
}

}  // namespace cube::controllers::nodelifecycle
