// The scale-down ranking: each rule decides when the ones before it tie.

#include "controllers/pod_ranking.h"
#include "client/fake_clock.h"

#include <gtest/gtest.h>

namespace cube::controllers {
namespace {

namespace bj = boost::json;
using std::chrono::seconds;

TimePoint now() {
  return client::FakeClock::defaultStart();
}

struct PodSpec {
  std::string name;
  std::string node = "n1";
  std::string phase = "Running";
  std::optional<seconds> readyAgo = seconds(3600);
  int64_t restarts = 0;
  seconds createdAgo = seconds(7200);
  std::string cost;
};

client::ObjectPtr pod(const PodSpec& s) {
  bj::object meta{{"name", s.name},
                  {"uid", "uid-" + s.name},
                  {"creationTimestamp", formatRfc3339(now() - s.createdAgo)}};
  if (!s.cost.empty())
    meta["annotations"] = bj::object{{"controller.kubernetes.io/pod-deletion-cost", s.cost}};
  bj::array conditions;
  if (s.readyAgo)
    conditions.push_back(bj::object{{"type", "Ready"},
                                    {"status", "True"},
                                    {"lastTransitionTime", formatRfc3339(now() - *s.readyAgo)}});
  bj::object status{{"phase", s.phase},
                    {"conditions", conditions},
                    {"containerStatuses", bj::array{bj::object{{"restartCount", s.restarts}}}}};
  return std::make_shared<const bj::object>(bj::object{
      {"metadata", meta}, {"spec", bj::object{{"nodeName", s.node}}}, {"status", status}});
}

std::vector<std::string> ranked(std::vector<client::ObjectPtr> pods,
                                const std::vector<client::ObjectPtr>& related = {}) {
  rankPodsForDeletion(pods, related.empty() ? pods : related, now());
  std::vector<std::string> names;
  for (const auto& p : pods) names.push_back(p->at("metadata").at("name").as_string().c_str());
  return names;
}

using Names = std::vector<std::string>;

TEST(PodRanking, UnassignedThenPendingThenUnknownThenRunning) {
  EXPECT_EQ(
      ranked(
          {pod({.name = "running"}), pod({.name = "unknown", .phase = "Unknown"}),
           pod({.name = "pending", .phase = "Pending", .readyAgo = std::nullopt}),
           pod({.name = "unassigned", .node = "", .phase = "Pending", .readyAgo = std::nullopt})}),
      (Names{"unassigned", "pending", "unknown", "running"}));
}

TEST(PodRanking, NotReadyBeforeReady) {
  EXPECT_EQ(ranked({pod({.name = "ready"}), pod({.name = "unready", .readyAgo = std::nullopt})}),
            (Names{"unready", "ready"}));
}

TEST(PodRanking, LowerDeletionCostFirst) {
  EXPECT_EQ(ranked({pod({.name = "default"}), pod({.name = "cheap", .cost = "-10"}),
                    pod({.name = "dear", .cost = "100"})}),
            (Names{"cheap", "default", "dear"}));
}

TEST(PodRanking, DoubledUpPodsFirst) {
  auto alone = pod({.name = "alone", .node = "n2"});
  auto crowded = pod({.name = "crowded", .node = "n1"});
  auto sibling = pod({.name = "sibling", .node = "n1"});
  EXPECT_EQ(ranked({alone, crowded}, {alone, crowded, sibling}), (Names{"crowded", "alone"}));
}

TEST(PodRanking, ReadyForLessTimeFirstThenRestartsThenNewer) {
  EXPECT_EQ(ranked({pod({.name = "long", .readyAgo = seconds(100000)}),
                    pod({.name = "short", .readyAgo = seconds(10)})}),
            (Names{"short", "long"}));
  // Same ready time: more restarts go first.
  EXPECT_EQ(ranked({pod({.name = "stable"}), pod({.name = "flappy", .restarts = 5})}),
            (Names{"flappy", "stable"}));
  // Not ready, same restarts: the newer goes first.
  EXPECT_EQ(ranked({pod({.name = "old", .readyAgo = std::nullopt, .createdAgo = seconds(100000)}),
                    pod({.name = "new", .readyAgo = std::nullopt, .createdAgo = seconds(5)})}),
            (Names{"new", "old"}));
}

TEST(PodRanking, SimilarAgesAreOrderedByUidNotByTheExactTime) {
  // 1000s and 1001s ago fall into the same power-of-two bucket.
  EXPECT_EQ(ranked({pod({.name = "b", .readyAgo = seconds(1000)}),
                    pod({.name = "a", .readyAgo = seconds(1001)})}),
            (Names{"a", "b"}));
}

TEST(PodRanking, PodsToDeleteTakesTheFirstN) {
  std::vector<client::ObjectPtr> pods{pod({.name = "ready"}),
                                      pod({.name = "unready", .readyAgo = std::nullopt})};
  auto victims = podsToDelete(pods, pods, 1, now());
  ASSERT_EQ(victims.size(), 1u);
  EXPECT_EQ(victims[0]->at("metadata").at("name").as_string(), "unready");
  EXPECT_EQ(podsToDelete(pods, pods, 5, now()).size(), 2u);
}

}  // namespace
}  // namespace cube::controllers
