// EventCorrelator: client-go's spam filter and similar-event combining, with their numbers
// (25 at once then one per 5 minutes; the 10th distinct message in 10 minutes is combined).

#include "client/event_correlator.h"

#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "fake_api_client.h"

#include <gtest/gtest.h>

namespace cube::client {
namespace {

namespace bj = boost::json;
using std::chrono::seconds;

const ObjectReference kReplicaSet{"apps/v1", "ReplicaSet", "default", "web-1", "uid-rs", "", ""};
const EventSource kSource{"replicaset-controller"};
const TimePoint kStart = std::chrono::system_clock::from_time_t(1800000000);

std::string created(int i) {
  return "Created pod: web-1-" + std::to_string(i);
}

TEST(EventCorrelatorTest, NineDistinctMessagesStayApartTheTenthIsCombined) {
  EventCorrelator c;
  std::set<std::string> keys;
  for (int i = 0; i < 9; ++i) {
    auto r = c.correlate(kReplicaSet, kSource, "Normal", "SuccessfulCreate", created(i), kStart);
    EXPECT_FALSE(r.skip);
    EXPECT_EQ(r.message, created(i));
    keys.insert(r.key);
  }
  EXPECT_EQ(keys.size(), 9u);
  auto tenth = c.correlate(kReplicaSet, kSource, "Normal", "SuccessfulCreate", created(9), kStart);
  EXPECT_EQ(tenth.message, "(combined from similar events): " + created(9));
  EXPECT_FALSE(keys.count(tenth.key));
  auto eleventh =
      c.correlate(kReplicaSet, kSource, "Normal", "SuccessfulCreate", created(10), kStart);
  EXPECT_EQ(eleventh.message, "(combined from similar events): " + created(10));
  EXPECT_EQ(eleventh.key, tenth.key) << "every further similar event bumps one Event";
  // Another reason is another group.
  auto deleted =
      c.correlate(kReplicaSet, kSource, "Normal", "SuccessfulDelete", "Deleted pod: x", kStart);
  EXPECT_EQ(deleted.message, "Deleted pod: x");
}

TEST(EventCorrelatorTest, AQuietGroupStartsAfresh) {
  EventCorrelator c;
  for (int i = 0; i < 9; ++i) {
    c.correlate(kReplicaSet, kSource, "Normal", "SuccessfulCreate", created(i), kStart);
  }
  auto later = c.correlate(kReplicaSet, kSource, "Normal", "SuccessfulCreate", created(9),
                           kStart + seconds(601));
  EXPECT_EQ(later.message, created(9));
}

TEST(EventCorrelatorTest, ASourceMaySend25EventsAboutAnObjectThenOneEveryFiveMinutes) {
  EventCorrelator c;
  for (int i = 0; i < 25; ++i) {
    EXPECT_FALSE(
        c.correlate(kReplicaSet, kSource, "Normal", "R" + std::to_string(i), "m", kStart).skip)
        << i;
  }
  EXPECT_TRUE(c.correlate(kReplicaSet, kSource, "Normal", "R25", "m", kStart).skip);
  EXPECT_TRUE(c.correlate(kReplicaSet, kSource, "Normal", "R26", "m", kStart + seconds(299)).skip);
  EXPECT_FALSE(c.correlate(kReplicaSet, kSource, "Normal", "R27", "m", kStart + seconds(300)).skip);
  EXPECT_TRUE(c.correlate(kReplicaSet, kSource, "Normal", "R28", "m", kStart + seconds(301)).skip);
  // Another object, or another source about the same object, has its own budget.
  ObjectReference other = kReplicaSet;
  other.name = "web-2";
  EXPECT_FALSE(c.correlate(other, kSource, "Normal", "R", "m", kStart).skip);
  EXPECT_FALSE(
      c.correlate(kReplicaSet, EventSource{"deployment-controller"}, "Normal", "R", "m", kStart)
          .skip);
}

// Through the broadcaster: a ReplicaSet creating 30 pods writes the Events Kubernetes writes —
// 9 single ones, one combined with the rest of the burst budget (25 - 9 = 16), then nothing.
TEST(EventCorrelatorTest, ABurstOfCreatesWritesWhatKubernetesWrites) {
  auto api = std::make_shared<testing::FakeApiClient>();
  auto clock = std::make_shared<FakeClock>();
  EventBroadcaster broadcaster(api, clock);
  for (int i = 0; i < 30; ++i) {
    broadcaster.post(kReplicaSet, kSource, "Normal", "SuccessfulCreate", created(i));
  }
  broadcaster.flush();
  auto events = itemsOf(api->list({"", "v1", "events", true}, "default"));
  ASSERT_EQ(events.size(), 10u);
  int combined = 0;
  for (const auto& e : events) {
    std::string message = json::getString(e, "message");
    if (message.rfind("(combined from similar events): ", 0) == 0) {
      ++combined;
      EXPECT_EQ(json::getInt(e, "count"), 16);
      EXPECT_EQ(message, "(combined from similar events): " + created(24));
    } else {
      EXPECT_EQ(json::getInt(e, "count"), 1);
    }
  }
  EXPECT_EQ(combined, 1);
  EXPECT_EQ(broadcaster.filtered(), 5u);
}

}  // namespace
}  // namespace cube::client
