// Scores on in-memory objects, and the algorithm's choice: spread, least-allocated, preferred
// node affinity, PreferNoSchedule taints, random tie-breaking, sampling on large clusters.

#include "scheduler/scores.h"
#include "scheduler/algorithm.h"
#include "test_objects.h"

#include <gtest/gtest.h>

#include <set>

namespace cube::scheduler {
namespace {

using namespace testing;

TEST(ScoresTest, LeastAllocated) {
  struct Case {
    const char* used;  // cpu already requested on a 4-cpu, 4Gi node
    const char* cpu;   // the pod's request
    int64_t want;
  };
  const Case cases[] = {
      {"0", "1", (75 + 95) / 2},  // memory: the 200Mi default of 4Gi
      {"2", "1", (25 + 90) / 2},
      {"3", "1", (0 + 90) / 2},
  };
  for (const Case& c : cases) {
    NodeInfo node = nodeInfo(makeNode("n", "4", "4Gi"));
    if (std::string(c.used) != "0") node.addPod(*podInfo(makePod("e", c.used, "")));
    EXPECT_EQ(leastAllocatedScore(*podInfo(makePod("p", c.cpu, "")), node), c.want) << c.used;
  }
}

TEST(ScoresTest, NormalisedTotals) {
  ScoreWeights onlySpread{0, 1, 0, 0};
  EXPECT_EQ(totalScores({{0, 0}, {0, 1}, {0, 2}}, onlySpread), (std::vector<int64_t>{100, 50, 0}));
  EXPECT_EQ(totalScores({{0, 0}, {0, 0}}, onlySpread), (std::vector<int64_t>{100, 100}));
  ScoreWeights onlyAffinity{0, 0, 1, 0};
  EXPECT_EQ(totalScores({{0, 0, 10}, {0, 0, 5}, {0, 0, 0}}, onlyAffinity),
            (std::vector<int64_t>{100, 50, 0}));
  ScoreWeights onlyTaints{0, 0, 0, 1};
  EXPECT_EQ(totalScores({{0, 0, 0, 0}, {0, 0, 0, 2}}, onlyTaints), (std::vector<int64_t>{100, 0}));
}

TEST(ScoresTest, RawInputs) {
  bj::object nodeObj = makeNode("n");
  setLabel(nodeObj, "disk", "ssd");
  spec(nodeObj)["taints"] = parse(R"({"t":[{"key":"spot","effect":"PreferNoSchedule"}]})")["t"];
  NodeInfo node = nodeInfo(nodeObj);
  bj::object pod = makePod("p");
  spec(pod)["affinity"] =
      parse(R"({"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[
      {"weight":30,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}},
      {"weight":5,"preference":{"matchExpressions":[{"key":"gpu","operator":"Exists"}]}}]}})");
  std::unordered_map<std::string, int> owners{{"n", 3}};
  RawScore s = rawScore(*podInfo(pod), node, &owners);
  EXPECT_EQ(s.ownerPods, 3);
  EXPECT_EQ(s.preferredWeight, 30);
  EXPECT_EQ(s.preferNoSchedule, 1);
  spec(pod)["tolerations"] = parse(R"({"t":[{"key":"spot","operator":"Exists"}]})")["t"];
  EXPECT_EQ(rawScore(*podInfo(pod), node, nullptr).preferNoSchedule, 0);
}

// Places `count` pods of one owner through the algorithm and the assumed cache.
std::map<std::string, int> placeReplicas(SchedulerCache& cache, Algorithm& algorithm, int count,
                                         const std::function<void(bj::object&)>& edit = {}) {
  std::map<std::string, int> perNode;
  for (int i = 0; i < count; ++i) {
    bj::object pod = makePod("web-" + std::to_string(i), "100m", "64Mi");
    setOwner(pod, "rs-uid");
    if (edit) edit(pod);
    PodInfoPtr info = podInfo(pod);
    auto lock = cache.lock();
    ScheduleDecision d = algorithm.unsafeSchedule(*info, cache);
    if (d.node.empty()) continue;
    cache.unsafeAssume(info, d.node);
    ++perNode[d.node];
  }
  return perNode;
}

TEST(AlgorithmTest, ReplicasSpreadRoundRobinOverNodes) {
  SchedulerCache cache;
  for (const char* n : {"n0", "n1", "n2"}) cache.upsertNode(parseNodeSpecInfo(makeNode(n)));
  Algorithm algorithm({.seed = 7});
  auto perNode = placeReplicas(cache, algorithm, 3);
  EXPECT_EQ(perNode, (std::map<std::string, int>{{"n0", 1}, {"n1", 1}, {"n2", 1}}));
  perNode = placeReplicas(cache, algorithm, 6);
  EXPECT_EQ(perNode, (std::map<std::string, int>{{"n0", 2}, {"n1", 2}, {"n2", 2}}));
}

TEST(AlgorithmTest, PreferencesWinOverEmptiness) {
  SchedulerCache cache;
  for (const char* n : {"plain", "ssd", "spot"}) {
    bj::object node = makeNode(n);
    if (std::string(n) == "ssd") setLabel(node, "disk", "ssd");
    cache.upsertNode(parseNodeSpecInfo(node));
  }
  Algorithm algorithm({.seed = 1});
  bj::object pod = makePod("p", "100m", "");
  spec(pod)["affinity"] =
      parse(R"({"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[
      {"weight":10,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}}]}})");
  auto lock = cache.lock();
  EXPECT_EQ(algorithm.unsafeSchedule(*podInfo(pod), cache).node, "ssd");
}

TEST(AlgorithmTest, PreferNoScheduleTaintsAreAvoidedNotForbidden) {
  SchedulerCache cache;
  bj::object spot = makeNode("spot");
  spec(spot)["taints"] = parse(R"({"t":[{"key":"spot","effect":"PreferNoSchedule"}]})")["t"];
  cache.upsertNode(parseNodeSpecInfo(spot));
  cache.upsertNode(parseNodeSpecInfo(makeNode("plain", "4", "8Gi")));
  Algorithm algorithm({.seed = 3});
  for (int i = 0; i < 5; ++i) {
    auto lock = cache.lock();
    EXPECT_EQ(algorithm.unsafeSchedule(*podInfo(makePod("p")), cache).node, "plain");
  }
  cache.removeNode("plain");
  auto lock = cache.lock();
  EXPECT_EQ(algorithm.unsafeSchedule(*podInfo(makePod("p")), cache).node, "spot");
}

TEST(AlgorithmTest, TiesAreBrokenAtRandom) {
  SchedulerCache cache;
  for (int i = 0; i < 5; ++i) {
    cache.upsertNode(parseNodeSpecInfo(makeNode("n" + std::to_string(i))));
  }
  Algorithm algorithm({.seed = 42});
  std::set<std::string> chosen;
  auto lock = cache.lock();
  for (int i = 0; i < 100; ++i) {
    chosen.insert(algorithm.unsafeSchedule(*podInfo(makePod("p")), cache).node);
  }
  EXPECT_EQ(chosen.size(), 5u);
}

TEST(AlgorithmTest, LargeClustersAreSampled) {
  Algorithm algorithm;
  EXPECT_EQ(algorithm.numFeasibleNodesToFind(50), 50u);
  EXPECT_EQ(algorithm.numFeasibleNodesToFind(1000), 420u);     // 42%
  EXPECT_EQ(algorithm.numFeasibleNodesToFind(5000), 500u);     // 10%
  EXPECT_EQ(algorithm.numFeasibleNodesToFind(100000), 5000u);  // 5% floor
  Algorithm all({.percentageOfNodesToScore = 100});
  EXPECT_EQ(all.numFeasibleNodesToFind(5000), 5000u);

  SchedulerCache cache;
  for (int i = 0; i < 1000; ++i) {
    cache.upsertNode(parseNodeSpecInfo(makeNode("n" + std::to_string(i))));
  }
  auto lock = cache.lock();
  ScheduleDecision d = algorithm.unsafeSchedule(*podInfo(makePod("p")), cache);
  EXPECT_EQ(d.feasible, 420u);
  EXPECT_EQ(d.evaluated, 420u);
}

}  // namespace
}  // namespace cube::scheduler
