#include "scheduler/scores.h"

#include <algorithm>

namespace cube::scheduler {

namespace {

int64_t freeShare(int64_t requested, int64_t capacity) {
  if (capacity <= 0 || requested >= capacity) return 0;
  return (capacity - requested) * 100 / capacity;
}

}  // namespace

int64_t leastAllocatedScore(const PodInfo& pod, const NodeInfo& node) {
  const Resources& cap = node.spec.allocatable.resources;
  int64_t cpu =
      freeShare(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, cap.milliCpu);
  int64_t mem = freeShare(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, cap.memory);
  return (cpu + mem) / 2;
}

RawScore rawScore(const PodInfo& pod, const NodeInfo& node,
                  const std::unordered_map<std::string, int>* ownerCounts) {
  RawScore s;
  s.leastAllocated = leastAllocatedScore(pod, node);
  if (ownerCounts) {
    auto it = ownerCounts->find(node.name());
    if (it != ownerCounts->end()) s.ownerPods = it->second;
  }
  if (!pod.nodeAffinity.preferred.empty()) {
    s.preferredWeight = pod.nodeAffinity.preferredWeight(node.spec.labels, node.name());
  }
  if (!node.spec.taints.empty()) {
    s.preferNoSchedule = countIntolerablePreferNoSchedule(node.spec.taints, pod.tolerations);
  }
  return s;
}

std::vector<int64_t> totalScores(const std::vector<RawScore>& raw, const ScoreWeights& w) {
  int64_t maxOwner = 0, maxWeight = 0, maxTaints = 0;
  for (const RawScore& r : raw) {
    maxOwner = std::max(maxOwner, r.ownerPods);
    maxWeight = std::max(maxWeight, r.preferredWeight);
    maxTaints = std::max(maxTaints, r.preferNoSchedule);
  }
  std::vector<int64_t> out;
  out.reserve(raw.size());
  for (const RawScore& r : raw) {
    int64_t spread = maxOwner == 0 ? 100 : 100 * (maxOwner - r.ownerPods) / maxOwner;
    int64_t affinity = maxWeight == 0 ? 0 : 100 * r.preferredWeight / maxWeight;
    int64_t taints = maxTaints == 0 ? 100 : 100 - 100 * r.preferNoSchedule / maxTaints;
    out.push_back(w.leastAllocated * r.leastAllocated + w.spread * spread +
                  w.nodeAffinity * affinity + w.taints * taints);
  }
  return out;
}

}  // namespace cube::scheduler
