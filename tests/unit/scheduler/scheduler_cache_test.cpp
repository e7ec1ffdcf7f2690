// The assumed-pod accounting: a decision counts the pod at once, the informer confirms it, a
// failed binding forgets it; a burst never overcommits a node.

#include "scheduler/scheduler_cache.h"
#include "scheduler/algorithm.h"
#include "test_objects.h"

#include <gtest/gtest.h>

namespace cube::scheduler {
namespace {

using namespace testing;

TEST(SchedulerCacheTest, AssumeConfirmForget) {
  SchedulerCache cache;
  cache.upsertNode(parseNodeSpecInfo(makeNode("n", "4", "4Gi")));
  PodInfoPtr pod = podInfo(makePod("p", "1", "1Gi"));
  {
    auto lock = cache.lock();
    cache.unsafeAssume(pod, "n");
  }
  EXPECT_TRUE(cache.isAssumed("default/p"));
  EXPECT_EQ(cache.nodeInfo("n")->requested.milliCpu, 1000);
  EXPECT_EQ(cache.assumedCount(), 1u);

  // The binding comes back through the informer: counted once, no longer assumed.
  bj::object bound = makePod("p", "1", "1Gi");
  spec(bound)["nodeName"] = "n";
  cache.addOrUpdatePod(podInfo(bound));
  EXPECT_FALSE(cache.isAssumed("default/p"));
  EXPECT_EQ(cache.nodeInfo("n")->requested.milliCpu, 1000);
  EXPECT_EQ(cache.nodeInfo("n")->podCount, 1);
  // forget() after confirmation changes nothing.
  cache.forgetPod("default/p");
  EXPECT_EQ(cache.nodeInfo("n")->podCount, 1);
  cache.removePod("default/p");
  EXPECT_EQ(cache.nodeInfo("n")->requested.milliCpu, 0);
  EXPECT_EQ(cache.nodeInfo("n")->podCount, 0);

  // A failed binding releases the capacity.
  PodInfoPtr q = podInfo(makePod("q", "2", ""));
  {
    auto lock = cache.lock();
    cache.unsafeAssume(q, "n");
  }
  EXPECT_EQ(cache.nodeInfo("n")->requested.milliCpu, 2000);
  cache.forgetPod("default/q");
  EXPECT_EQ(cache.nodeInfo("n")->requested.milliCpu, 0);
  EXPECT_EQ(cache.assumedCount(), 0u);
}

TEST(SchedulerCacheTest, PodsSeenBeforeTheirNodeCountWhenItArrives) {
  SchedulerCache cache;
  bj::object bound = makePod("p", "1", "");
  spec(bound)["nodeName"] = "late";
  cache.addOrUpdatePod(podInfo(bound));
  cache.upsertNode(parseNodeSpecInfo(makeNode("late")));
  EXPECT_EQ(cache.nodeInfo("late")->requested.milliCpu, 1000);
  // Unchanged node objects (heartbeats) are not news.
  EXPECT_FALSE(cache.upsertNode(parseNodeSpecInfo(makeNode("late"))));
  EXPECT_TRUE(cache.upsertNode(parseNodeSpecInfo(makeNode("late", "8"))));
  cache.removeNode("late");
  EXPECT_EQ(cache.nodeCount(), 0u);
}

TEST(SchedulerCacheTest, BoundElsewhereMovesTheAccounting) {
  SchedulerCache cache;
  cache.upsertNode(parseNodeSpecInfo(makeNode("a")));
  cache.upsertNode(parseNodeSpecInfo(makeNode("b")));
  PodInfoPtr pod = podInfo(makePod("p", "1", ""));
  {
    auto lock = cache.lock();
    cache.unsafeAssume(pod, "a");
  }
  bj::object bound = makePod("p", "1", "");
  spec(bound)["nodeName"] = "b";
  cache.addOrUpdatePod(podInfo(bound));
  EXPECT_EQ(cache.nodeInfo("a")->podCount, 0);
  EXPECT_EQ(cache.nodeInfo("b")->podCount, 1);
}

TEST(SchedulerCacheTest, BurstNeverOvercommitsANode) {
  // 10 nodes with room for exactly 10 pods of 1 cpu each; 110 pods arrive before any binding
  // comes back. Exactly 100 are placed, 10 per node; the rest fit nowhere.
  SchedulerCache cache;
  for (int i = 0; i < 10; ++i) {
    cache.upsertNode(parseNodeSpecInfo(makeNode("n" + std::to_string(i), "10", "64Gi")));
  }
  Algorithm algorithm({.seed = 5});
  std::map<std::string, int> perNode;
  int unplaced = 0;
  for (int i = 0; i < 110; ++i) {
    PodInfoPtr pod = podInfo(makePod("p" + std::to_string(i), "1", "128Mi"));
    auto lock = cache.lock();
    ScheduleDecision d = algorithm.unsafeSchedule(*pod, cache);
    if (d.node.empty()) {
      ++unplaced;
      EXPECT_EQ(d.failure,
                "0/10 nodes are available: 10 Insufficient cpu. preemption: 0/10 nodes are "
                "available: 10 No preemption victims found for incoming pod..");
      continue;
    }
    cache.unsafeAssume(pod, d.node);
    ++perNode[d.node];
  }
  EXPECT_EQ(unplaced, 10);
  ASSERT_EQ(perNode.size(), 10u);
  for (const auto& [node, count] : perNode) {
    EXPECT_EQ(count, 10) << node;
    EXPECT_LE(cache.nodeInfo(node)->requested.milliCpu, 10000);
  }
  EXPECT_EQ(cache.assumedCount(), 100u);
}

}  // namespace
}  // namespace cube::scheduler
