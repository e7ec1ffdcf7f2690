#include "scheduler/algorithm.h"

#include <algorithm>

namespace cube::scheduler {

Algorithm::Algorithm(AlgorithmOptions options) : options_(options), rng_(options.seed) {}

size_t Algorithm::numFeasibleNodesToFind(size_t nodes) const {
  if (nodes < options_.minFeasibleNodesToFind || options_.percentageOfNodesToScore >= 100) {
    return nodes;
  }
  int64_t percentage = options_.percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = std::max<int64_t>(5, 50 - static_cast<int64_t>(nodes) / 125);
  }
  size_t n = nodes * percentage / 100;
  return std::max(n, options_.minFeasibleNodesToFind);
}

ScheduleDecision Algorithm::unsafeSchedule(const PodInfo& pod, const SchedulerCache& cache) {
  ScheduleDecision decision;
  const auto& nodes = cache.unsafeNodes();
  const size_t total = nodes.size();
  if (total == 0) {
    decision.failure = FitDiagnosis().message(0);
    return decision;
  }
  PodAffinityState affinity = PodAffinityState::unsafeCompute(pod, cache);
  const size_t wanted = numFeasibleNodesToFind(total);
  const size_t start = nextStart_ % total;
  feasible_.clear();
  size_t evaluated = 0;
  for (; evaluated < total && feasible_.size() < wanted; ++evaluated) {
    const NodeInfo& node = *nodes[(start + evaluated) % total];
    if (runFilters(pod, node, affinity) == kFitOk) feasible_.push_back(&node);
  }
  nextStart_ = start + evaluated;
  decision.evaluated = evaluated;
  decision.feasible = feasible_.size();

  if (feasible_.empty()) {
    // Every node was filtered (the loop only stops early on success); say why, per node.
    FitDiagnosis diagnosis;
    for (const auto& node : nodes) {
      if (uint32_t reasons = runFilters(pod, *node, affinity); reasons != kFitOk) {
        diagnosis.add(reasons, pod, *node);
      }
    }
    decision.failure = diagnosis.message(total);
    return decision;
  }
  if (feasible_.size() == 1) {
    decision.node = feasible_[0]->name();
    return decision;
  }

  const auto* ownerCounts = pod.ownerUid.empty() ? nullptr : cache.unsafeOwnerCounts(pod.ownerUid);
  raw_.clear();
  for (const NodeInfo* node : feasible_) raw_.push_back(rawScore(pod, *node, ownerCounts));
  std::vector<int64_t> totals = totalScores(raw_, options_.weights);

  // Reservoir sampling over the best: each of k tied nodes is chosen with probability 1/k.
  int64_t best = -1;
  size_t ties = 0;
  size_t chosen = 0;
  for (size_t i = 0; i < totals.size(); ++i) {
    if (totals[i] > best) {
      best = totals[i];
      ties = 1;
      chosen = i;
    } else if (totals[i] == best) {
      ++ties;
      if (std::uniform_int_distribution<size_t>(0, ties - 1)(rng_) == 0) chosen = i;
    }
  }
  decision.node = feasible_[chosen]->name();
  return decision;
}

}  // namespace cube::scheduler
