#pragma once
// Filters: may this pod run on this node? Each check is a plain function over parsed objects so
// it can be tested on its own; runFilters() applies them in a fixed order (cheap and decisive
// first) and returns a bitmask of reasons, without allocating, because it runs for thousands of
// nodes per pod. The reasons become the Kubernetes-style message only when a pod fits nowhere.

#include "scheduler/node_info.h"
#include "scheduler/pod_affinity.h"
#include "scheduler/pod_info.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cube::scheduler {

// Why a node was rejected. One node may fail for several resource reasons at once.
enum FilterReason : uint32_t {
  kFitOk = 0,
  kNodeUnschedulable = 1u << 0,
  kNodeNotReady = 1u << 1,
  kUntoleratedTaint = 1u << 2,
  kNodeAffinityMismatch = 1u << 3,
  kHostPortConflict = 1u << 4,
  kInsufficientCpu = 1u << 5,
  kInsufficientMemory = 1u << 6,
  kTooManyPods = 1u << 7,
  kInsufficientScalar = 1u << 8,
  kPodAffinityMismatch = 1u << 9,
  kPodAntiAffinityMismatch = 1u << 10,
  kExistingAntiAffinity = 1u << 11,
};

// The individual checks. Each returns true when the node passes.
bool fitsSchedulable(const PodInfo& pod, const NodeSpecInfo& node);
bool fitsReady(const PodInfo& pod, const NodeSpecInfo& node);
bool fitsTaints(const PodInfo& pod, const NodeSpecInfo& node);
bool fitsNodeAffinity(const PodInfo& pod, const NodeSpecInfo& node);
bool fitsHostPorts(const PodInfo& pod, const NodeInfo& node);
// The resource reasons (kInsufficientCpu | ...) or kFitOk.
uint32_t resourceFit(const PodInfo& pod, const NodeInfo& node);

// All filters in order; stops at the first failing group, as Kubernetes' framework does.
uint32_t runFilters(const PodInfo& pod, const NodeInfo& node, const PodAffinityState& affinity);

// The reason phrases Kubernetes prints for a node failing with `reasons` (e.g. "Insufficient
// cpu", "node(s) had untolerated taint {dedicated: gpu}").
std::vector<std::string> reasonPhrases(uint32_t reasons, const PodInfo& pod, const NodeInfo& node);

// Whether evicting pods from `node` could let the pod fit there, given why the node was rejected
// (Kubernetes' Unschedulable as opposed to UnschedulableAndUnresolvable).
bool evictionMightHelp(uint32_t reasons, const PodInfo& pod, const NodeInfo& node);

// Counts reason phrases over all rejected nodes.
class FitDiagnosis {
 public:
  void add(uint32_t reasons, const PodInfo& pod, const NodeInfo& node);
  // "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match Pod's node
  // affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for
  // incoming pod, 2 Preemption is not helpful for scheduling.." The counted phrases are sorted
  // as strings, as Kubernetes sorts them.
  std::string message(size_t totalNodes) const;

 private:
  std::map<std::string, int> counts_;
  size_t noVictims_ = 0;   // nodes where eviction could make room (none is evictable)
  size_t notHelpful_ = 0;  // nodes that would not take the pod even empty
};

}  // namespace cube::scheduler
