#pragma once
// Algorithm: one scheduling decision — filter the nodes, score the ones that fit, pick the best
// (ties broken at random). On large clusters it stops filtering once it has enough feasible
// nodes (percentageOfNodesToScore, as Kubernetes does) and starts the next pod's walk where this
// one stopped, so every node gets its turn.

#include "scheduler/filters.h"
#include "scheduler/scheduler_cache.h"
#include "scheduler/scores.h"

#include <cstdint>
#include <random>
#include <string>

namespace cube::scheduler {

struct AlgorithmOptions {
  // 0: adaptive (50% of nodes minus 1% per 125 nodes, at least 5%); 100: every node.
  int percentageOfNodesToScore = 0;
  // Never stop before this many feasible nodes (all nodes when there are fewer).
  size_t minFeasibleNodesToFind = 100;
  ScoreWeights weights;
  uint64_t seed = 0;  // tie-breaking randomness; fixed in tests
};

struct ScheduleDecision {
  std::string node;      // "" when the pod fits nowhere
  size_t evaluated = 0;  // nodes filtered
  size_t feasible = 0;   // nodes that fit
  std::string failure;   // the FailedScheduling message when node is ""
};

class Algorithm {
 public:
  explicit Algorithm(AlgorithmOptions options = {});

  // Requires the cache lock (held by the caller for the whole decision).
  ScheduleDecision unsafeSchedule(const PodInfo& pod, const SchedulerCache& cache);

  size_t numFeasibleNodesToFind(size_t nodes) const;

 private:
  AlgorithmOptions options_;
  size_t nextStart_ = 0;
  std::mt19937_64 rng_;
  // Reused between decisions so the hot path does not allocate.
  std::vector<const NodeInfo*> feasible_;
  std::vector<RawScore> raw_;
};

}  // namespace cube::scheduler
