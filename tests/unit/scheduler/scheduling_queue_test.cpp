// The scheduling queue with a fake clock: FIFO by creation, backoff, unschedulable pods waiting
// for a cluster change, and changes during an attempt not being lost.

#include "scheduler/scheduling_queue.h"
#include "test_objects.h"

#include <gtest/gtest.h>

#include <future>

namespace cube::scheduler {
namespace {

using namespace testing;
using namespace std::chrono_literals;

PodInfoPtr pendingPod(const std::string& name, const std::string& created) {
  bj::object pod = makePod(name);
  meta(pod)["creationTimestamp"] = created;
  return podInfo(pod);
}

class SchedulingQueueTest : public ::testing::Test {
 protected:
  client::FakeClockPtr clock_ = std::make_shared<client::FakeClock>();
  SchedulingQueue queue_{clock_, QueueOptions{1s, 8s, 60s}};
};

TEST_F(SchedulingQueueTest, OldestFirst) {
  queue_.addOrUpdate(pendingPod("b", "2026-01-01T00:00:02Z"));
  queue_.addOrUpdate(pendingPod("c", "2026-01-01T00:00:03Z"));
  queue_.addOrUpdate(pendingPod("a", "2026-01-01T00:00:01Z"));
  queue_.addOrUpdate(pendingPod("b", "2026-01-01T00:00:02Z"));  // an update keeps one entry
  EXPECT_EQ(queue_.activeCount(), 3u);
  EXPECT_EQ(queue_.pop()->pod->name, "a");
  EXPECT_EQ(queue_.pop()->pod->name, "b");
  EXPECT_EQ(queue_.pop()->pod->name, "c");
}

TEST_F(SchedulingQueueTest, UnschedulableWaitsForAClusterChangeThenBacksOff) {
  queue_.addOrUpdate(pendingPod("p", "2026-01-01T00:00:01Z"));
  QueuedPod attempt = *queue_.pop();
  queue_.addUnschedulable(attempt);
  EXPECT_EQ(queue_.unschedulableCount(), 1u);
  // A status-only update (our own condition) does not retry it.
  queue_.addOrUpdate(attempt.pod, /*relevantChange=*/false);
  EXPECT_EQ(queue_.unschedulableCount(), 1u);

  // A node appears: the pod is still inside its 1s backoff, so it goes to backoff...
  queue_.moveAllToActiveOrBackoff();
  EXPECT_EQ(queue_.backoffCount(), 1u);
  // ...and pop() hands it out only once the clock passes the backoff.
  auto popped = std::async(std::launch::async, [&] { return queue_.pop(); });
  ASSERT_TRUE(clock_->awaitWaiters(1));
  clock_->advance(1s);
  auto again = popped.get();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempts, 1);

  // The second failure doubles the backoff.
  queue_.addUnschedulable(*again);
  clock_->advance(1s);
  queue_.moveAllToActiveOrBackoff();
  EXPECT_EQ(queue_.backoffCount(), 1u);
  clock_->advance(1s);
  EXPECT_EQ(queue_.pop()->pod->name, "p");
}

TEST_F(SchedulingQueueTest, AChangeDuringTheAttemptIsNotLost) {
  queue_.addOrUpdate(pendingPod("p", "2026-01-01T00:00:01Z"));
  QueuedPod attempt = *queue_.pop();
  queue_.moveAllToActiveOrBackoff();  // a node arrived while we were deciding
  queue_.addUnschedulable(attempt);
  EXPECT_EQ(queue_.unschedulableCount(), 0u);
  EXPECT_EQ(queue_.backoffCount(), 1u);
}

TEST_F(SchedulingQueueTest, UnschedulablePodsRetryAfterTheMaximumStay) {
  queue_.addOrUpdate(pendingPod("p", "2026-01-01T00:00:01Z"));
  queue_.addUnschedulable(*queue_.pop());
  auto popped = std::async(std::launch::async, [&] { return queue_.pop(); });
  ASSERT_TRUE(clock_->awaitWaiters(1));
  clock_->advance(60s);
  EXPECT_EQ(popped.get()->pod->name, "p");
}

TEST_F(SchedulingQueueTest, RemovedAndDonePodsLeave) {
  queue_.addOrUpdate(pendingPod("p", "2026-01-01T00:00:01Z"));
  queue_.addOrUpdate(pendingPod("q", "2026-01-01T00:00:02Z"));
  queue_.remove("default/q");
  QueuedPod attempt = *queue_.pop();
  queue_.done(attempt.pod->key);
  EXPECT_FALSE(queue_.contains("default/p"));
  // A pod deleted during its attempt is not requeued by the failure.
  queue_.addOrUpdate(pendingPod("r", "2026-01-01T00:00:03Z"));
  QueuedPod r = *queue_.pop();
  queue_.remove(r.pod->key);
  queue_.addUnschedulable(r);
  EXPECT_FALSE(queue_.contains("default/r"));
  queue_.close();
  EXPECT_FALSE(queue_.pop());
}

}  // namespace
}  // namespace cube::scheduler
