#include "scheduler/pod_affinity.h"

namespace cube::scheduler {

namespace {

const std::string* labelOf(const NodeSpecInfo& node, const std::string& key) {
  auto it = node.labels.find(key);
  if (it != node.labels.end()) return &it->second;
  // Every kubelet sets the hostname label; a node registered without it (a bare Node object)
  // is still its own hostname topology.
  if (key == "kubernetes.io/hostname") return &node.name;
  return nullptr;
}

// Adds `value` for `key` to the list, merging entries with the same key.
void addValue(std::vector<TopologyValues>& list, const std::string& key, const std::string& value) {
  for (TopologyValues& t : list) {
    if (t.topologyKey == key) {
      t.values.insert(value);
      return;
    }
  }
  list.push_back({key, {value}});
}

}  // namespace

PodAffinityState PodAffinityState::unsafeCompute(const PodInfo& pod, const SchedulerCache& cache) {
  PodAffinityState state;
  // Placed pods whose own anti-affinity selects the incoming pod forbid their topology.
  cache.unsafeForEachAntiAffinityPod([&](const PodInfo& placed, const std::string& nodeName) {
    const NodeInfo* node = cache.unsafeNode(nodeName);
    if (!node) return;
    for (const PodAffinityTerm& term : placed.antiAffinity) {
      if (!term.matches(pod, placed.ns)) continue;
      if (const std::string* v = labelOf(node->spec, term.topologyKey)) {
        addValue(state.existingAnti_, term.topologyKey, *v);
      }
    }
  });
  if (pod.affinity.empty() && pod.antiAffinity.empty()) return state;

  state.affinity_.resize(pod.affinity.size());
  for (size_t i = 0; i < pod.affinity.size(); ++i) {
    state.affinity_[i].topologyKey = pod.affinity[i].topologyKey;
  }
  state.antiAffinity_.resize(pod.antiAffinity.size());
  for (size_t i = 0; i < pod.antiAffinity.size(); ++i) {
    state.antiAffinity_[i].topologyKey = pod.antiAffinity[i].topologyKey;
  }
  bool anyAffinityMatch = false;
  cache.unsafeForEachPlacedPod([&](const PodInfo& placed, const std::string& nodeName) {
    if (placed.key == pod.key) return;
    const NodeInfo* node = cache.unsafeNode(nodeName);
    if (!node) return;
    for (size_t i = 0; i < pod.affinity.size(); ++i) {
      if (!pod.affinity[i].matches(placed, pod.ns)) continue;
      anyAffinityMatch = true;
      if (const std::string* v = labelOf(node->spec, pod.affinity[i].topologyKey)) {
        state.affinity_[i].values.insert(*v);
      }
    }
    for (size_t i = 0; i < pod.antiAffinity.size(); ++i) {
      if (!pod.antiAffinity[i].matches(placed, pod.ns)) continue;
      if (const std::string* v = labelOf(node->spec, pod.antiAffinity[i].topologyKey)) {
        state.antiAffinity_[i].values.insert(*v);
      }
    }
  });
  // The first pod of a group that wants to be with its own kind has nobody to join yet; it may
  // go anywhere the topology labels exist, or it could never start.
  state.noAffinityMatchAnywhere_ = !anyAffinityMatch;
  state.podMatchesOwnAffinity_ = !pod.affinity.empty();
  for (const PodAffinityTerm& term : pod.affinity) {
    if (!term.matches(pod, pod.ns)) state.podMatchesOwnAffinity_ = false;
  }
  return state;
}

bool PodAffinityState::affinityFits(const NodeSpecInfo& node) const {
  if (affinity_.empty()) return true;
  bool allFound = true;
  for (const TopologyValues& t : affinity_) {
    const std::string* v = labelOf(node, t.topologyKey);
    if (!v) return false;
    if (!t.values.contains(*v)) allFound = false;
  }
  if (allFound) return true;
  return noAffinityMatchAnywhere_ && podMatchesOwnAffinity_;
}

bool PodAffinityState::antiAffinityFits(const NodeSpecInfo& node) const {
  for (const TopologyValues& t : antiAffinity_) {
    const std::string* v = labelOf(node, t.topologyKey);
    if (v && t.values.contains(*v)) return false;
  }
  return true;
}

bool PodAffinityState::existingAntiAffinityFits(const NodeSpecInfo& node) const {
  for (const TopologyValues& t : existingAnti_) {
    const std::string* v = labelOf(node, t.topologyKey);
    if (v && t.values.contains(*v)) return false;
  }
  return true;
}

}  // namespace cube::scheduler
