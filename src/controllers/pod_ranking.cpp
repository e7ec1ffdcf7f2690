#include "controllers/pod_ranking.h"

#include "controllers/controller_ref.h"
#include "controllers/pod_util.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

namespace cube::controllers {

namespace {

int phaseOrder(const std::string& phase) {
  if (phase == "Pending" || phase.empty()) return 0;
  if (phase == "Unknown") return 1;
  return 2;  // Running
}

// floor(log2(age in ns)); -1 for an age of zero or less (a time in the future).
int logAge(TimePoint t, TimePoint now) {
  auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(now - t).count();
  return age > 0 ? static_cast<int>(std::log2(static_cast<double>(age))) : -1;
}

struct Ranked {
  client::ObjectPtr pod;
  bool assigned;
  int phase;
  bool ready;
  int32_t deletionCost;
  int colocated;  // active related pods on the same node
  std::optional<TimePoint> readySince;
  int64_t restarts;
  std::optional<TimePoint> created;
  std::string uid;
};

// -1: a goes first, 1: b goes first, 0: the times do not decide. Newer goes first; an unknown
// time goes first; times in the same power-of-two age bucket fall back to the uid.
int compareTimes(const std::optional<TimePoint>& a, const std::optional<TimePoint>& b,
                 TimePoint now, const std::string& uidA, const std::string& uidB,
                 bool* decidedByUid) {
  if (a == b) return 0;
  if (!a || !b) return !a ? -1 : 1;
  int bucketA = logAge(*a, now), bucketB = logAge(*b, now);
  if (bucketA == bucketB) {
    *decidedByUid = true;
    return uidA < uidB ? -1 : (uidA > uidB ? 1 : 0);
  }
  return bucketA < bucketB ? -1 : 1;
}

bool before(const Ranked& a, const Ranked& b, TimePoint now) {
  if (a.assigned != b.assigned) return !a.assigned;
  if (a.phase != b.phase) return a.phase < b.phase;
  if (a.ready != b.ready) return !a.ready;
  if (a.deletionCost != b.deletionCost) return a.deletionCost < b.deletionCost;
  if (a.colocated != b.colocated) return a.colocated > b.colocated;
  bool byUid = false;
  if (a.ready && b.ready) {
    int c = compareTimes(a.readySince, b.readySince, now, a.uid, b.uid, &byUid);
    if (c != 0 || byUid) return c < 0;
  }
  if (a.restarts != b.restarts) return a.restarts > b.restarts;
  int c = compareTimes(a.created, b.created, now, a.uid, b.uid, &byUid);
  return c < 0;
}

}  // namespace

void rankPodsForDeletion(std::vector<client::ObjectPtr>& pods,
                         const std::vector<client::ObjectPtr>& relatedPods, TimePoint now) {
  std::unordered_map<std::string, int> perNode;
  for (const auto& p : relatedPods) {
    if (isPodActive(*p)) ++perNode[podNodeName(*p)];
  }
  std::vector<Ranked> ranked;
  ranked.reserve(pods.size());
  for (const auto& p : pods) {
    std::string node = podNodeName(*p);
    int colocated = 0;
    if (!node.empty()) {
      auto it = perNode.find(node);
      colocated = it == perNode.end() ? 0 : it->second;
    }
    ranked.push_back({p, !node.empty(), phaseOrder(podPhase(*p)), isPodReady(*p),
                      podDeletionCost(*p), colocated, podReadySince(*p), maxContainerRestarts(*p),
                      creationTime(*p), uidOf(*p)});
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [now](const Ranked& a, const Ranked& b) { return before(a, b, now); });
  for (size_t i = 0; i < pods.size(); ++i) pods[i] = ranked[i].pod;
}

std::vector<client::ObjectPtr> podsToDelete(const std::vector<client::ObjectPtr>& pods,
                                            const std::vector<client::ObjectPtr>& relatedPods,
                                            size_t count, TimePoint now) {
  std::vector<client::ObjectPtr> sorted = pods;
  if (count < sorted.size()) rankPodsForDeletion(sorted, relatedPods, now);
  sorted.resize(std::min(count, sorted.size()));
  return sorted;
}

}  // namespace cube::controllers
