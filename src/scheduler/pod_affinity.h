#pragma once
// Required inter-pod affinity and anti-affinity. Before filtering nodes for one pod, the cache's
// placed pods are summarised once into topology values (e.g. which zones or hostnames already
// hold a matching pod), so the per-node check is a few label lookups.

#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"
#include "scheduler/scheduler_cache.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace cube::scheduler {

struct TopologyValues {
  std::string topologyKey;
  std::unordered_set<std::string> values;  // node label values where a matching pod runs
};

class PodAffinityState {
 public:
  // Summarises the placed pods for `pod`. Requires the cache lock.
  static PodAffinityState unsafeCompute(const PodInfo& pod, const SchedulerCache& cache);

  // Nothing to check: the pod has no terms and no placed pod's anti-affinity selects it.
  bool empty() const { return affinity_.empty() && antiAffinity_.empty() && existingAnti_.empty(); }

  // The pod's required affinity terms hold on the node.
  bool affinityFits(const NodeSpecInfo& node) const;
  // No pod the incoming pod's anti-affinity selects shares the node's topology.
  bool antiAffinityFits(const NodeSpecInfo& node) const;
  // No placed pod whose anti-affinity selects the incoming pod shares the node's topology.
  bool existingAntiAffinityFits(const NodeSpecInfo& node) const;

 private:
  std::vector<TopologyValues> affinity_;      // one per required affinity term
  bool noAffinityMatchAnywhere_ = false;      // no placed pod matches any affinity term
  bool podMatchesOwnAffinity_ = false;        // the pod matches all its own affinity terms
  std::vector<TopologyValues> antiAffinity_;  // one per required anti-affinity term
  std::vector<TopologyValues> existingAnti_;  // from placed pods' terms that select this pod
};

}  // namespace cube::scheduler
