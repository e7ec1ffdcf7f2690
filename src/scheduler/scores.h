#pragma once
// Scores: among the nodes a pod fits, which is best? Each score is 0..100 (higher is better);
// the raw inputs that need the whole candidate set to normalise (owner counts, preferred
// weights, PreferNoSchedule taints) are normalised by NodeScorer over all candidates.

#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace cube::scheduler {

struct ScoreWeights {
  int64_t leastAllocated = 1;
  int64_t spread = 2;  // replicas of one controller across nodes
  int64_t nodeAffinity = 2;
  int64_t taints = 3;
};

// The free share of cpu and memory after placing the pod, averaged: an empty node scores 100,
// a full one 0. Requests without a value count as 100m / 200Mi so empty pods spread too.
int64_t leastAllocatedScore(const PodInfo& pod, const NodeInfo& node);

// Raw per-node inputs of the normalised scores.
struct RawScore {
  int64_t leastAllocated = 0;    // already 0..100
  int64_t ownerPods = 0;         // pods of the same controller already on the node
  int64_t preferredWeight = 0;   // sum of matched preferred node affinity weights
  int64_t preferNoSchedule = 0;  // intolerable PreferNoSchedule taints
};

RawScore rawScore(const PodInfo& pod, const NodeInfo& node,
                  const std::unordered_map<std::string, int>* ownerCounts);

// Normalises raw scores over the candidates and returns the weighted totals, one per input.
//   spread: 100 * (maxOwnerPods - ownerPods) / maxOwnerPods (100 everywhere when none)
//   nodeAffinity: 100 * preferredWeight / maxPreferredWeight (0 when no term matched anywhere)
//   taints: 100 - 100 * preferNoSchedule / maxPreferNoSchedule (100 when none)
std::vector<int64_t> totalScores(const std::vector<RawScore>& raw, const ScoreWeights& weights);

}  // namespace cube::scheduler
