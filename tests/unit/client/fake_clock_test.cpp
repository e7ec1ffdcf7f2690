#include "client/fake_clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace cube::client {
namespace {

using std::chrono::seconds;

TEST(FakeClockTest, StartsAtAFixedTimeAndAdvances) {
  FakeClock clock;
  EXPECT_EQ(formatRfc3339(clock.now()), "2026-01-01T00:00:00Z");
  clock.advance(seconds(90));
  EXPECT_EQ(formatRfc3339(clock.now()), "2026-01-01T00:01:30Z");
  clock.setTime(clock.now() - seconds(10));  // never backwards
  EXPECT_EQ(formatRfc3339(clock.now()), "2026-01-01T00:01:30Z");
}

TEST(FakeClockTest, WaiterWakesWhenTimeReachesItsDeadline) {
  FakeClock clock;
  std::mutex mutex;
  std::condition_variable cv;
  bool timedOut = false;
  const TimePoint deadline = clock.now() + seconds(10);
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    timedOut = !clock.waitUntil(lock, cv, deadline, [] { return false; });
  });
  ASSERT_TRUE(clock.awaitWaiters(1));
  clock.advance(seconds(9));
  EXPECT_EQ(clock.waiters(), 1u);  // not due: still blocked
  clock.advance(seconds(1));
  EXPECT_EQ(clock.waiters(), 0u);
  waiter.join();
  EXPECT_TRUE(timedOut);
}

TEST(FakeClockTest, WaiterWakesWhenTheOwnerNotifies) {
  FakeClock clock;
  std::mutex mutex;
  std::condition_variable cv;
  bool ready = false;
  bool result = false;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    result = clock.waitUntil(lock, cv, TimePoint::max(), [&] { return ready; });
  });
  ASSERT_TRUE(clock.awaitWaiters(1));
  {
    std::lock_guard lock(mutex);
    ready = true;
  }
  cv.notify_all();
  waiter.join();
  EXPECT_TRUE(result);
  EXPECT_EQ(clock.waiters(), 0u);
}

TEST(FakeClockTest, PastDeadlineReturnsAtOnce) {
  FakeClock clock;
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock lock(mutex);
  EXPECT_FALSE(clock.waitUntil(lock, cv, clock.now(), [] { return false; }));
  EXPECT_TRUE(clock.waitUntil(lock, cv, clock.now(), [] { return true; }));
}

}  // namespace
}  // namespace cube::client
