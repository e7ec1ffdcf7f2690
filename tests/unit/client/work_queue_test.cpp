#include "client/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cube::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkQueueTest : public ::testing::Test {
 protected:
  // The timer thread has moved every due key and is blocked again.
  void settle() { ASSERT_TRUE(clock_->awaitWaiters(1)); }

  FakeClockPtr clock_ = std::make_shared<FakeClock>();
  WorkQueue queue_{clock_};
};

TEST_F(WorkQueueTest, AddDeduplicatesQueuedKeys) {
  queue_.add("ns/a");
  queue_.add("ns/b");
  queue_.add("ns/a");
  EXPECT_EQ(queue_.len(), 2u);
  EXPECT_EQ(queue_.get(), "ns/a");
  EXPECT_EQ(queue_.get(), "ns/b");
  EXPECT_EQ(queue_.len(), 0u);
}

TEST_F(WorkQueueTest, KeyAddedWhileProcessingIsRequeuedOnDone) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.get(), "ns/a");
  queue_.add("ns/a");
  queue_.add("ns/a");
  // Not handed out while a worker holds it.
  EXPECT_EQ(queue_.len(), 0u);
  queue_.done("ns/a");
  EXPECT_EQ(queue_.len(), 1u);
  ASSERT_EQ(queue_.get(), "ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.len(), 0u);
}

TEST_F(WorkQueueTest, DoneWithoutNewAddDoesNotRequeue) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.get(), "ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.len(), 0u);
}

TEST_F(WorkQueueTest, ShutDownUnblocksGetAndIgnoresAdds) {
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = queue_.get(); });
  queue_.shutDown();
  worker.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_TRUE(queue_.shuttingDown());
  queue_.add("ns/a");
  EXPECT_EQ(queue_.len(), 0u);
  EXPECT_EQ(queue_.get(), std::nullopt);
}

TEST_F(WorkQueueTest, ShutDownStopsWorkersWithKeysStillQueued) {
  queue_.add("ns/a");
  queue_.shutDown();
  EXPECT_EQ(queue_.get(), std::nullopt);
}

// Many workers, many producers, few keys: no key is ever held by two workers, and every add is
// followed by a processing of its key (nothing lost to deduplication).
TEST(WorkQueueStressTest, OneWorkerPerKeyAndNoLostAdds) {
  WorkQueue queue(std::make_shared<FakeClock>());
  constexpr int kKeys = 16, kWorkers = 8, kProducers = 4, kAddsPerProducer = 5000;
  std::mutex mutex;  // guards inFlight, added, seen
  std::condition_variable progress;
  std::vector<bool> inFlight(kKeys, false);
  std::vector<int64_t> added(kKeys, 0), seen(kKeys, 0);
  std::atomic<int> violations{0};
  std::atomic<int64_t> processed{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        const int k = std::stoi(key->substr(key->find('/') + 1));
        {
          std::lock_guard lock(mutex);
          if (inFlight[k]) ++violations;
          inFlight[k] = true;
          seen[k] = added[k];
        }
        std::this_thread::yield();  // widen the window for a second worker to get the same key
        {
          std::lock_guard lock(mutex);
          inFlight[k] = false;
        }
        queue.done(*key);
        ++processed;
        progress.notify_all();
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kAddsPerProducer; ++i) {
        const int k = (i * 7 + p) % kKeys;
        {
          std::lock_guard lock(mutex);
          ++added[k];
        }
        queue.add("ns/" + std::to_string(k));
      }
    });
  }
  for (auto& t : producers) t.join();
  {
    std::unique_lock lock(mutex);
    const bool caughtUp = progress.wait_for(lock, seconds(60), [&] { return seen == added; });
    EXPECT_TRUE(caughtUp) << "an add was never followed by processing its key";
  }
  queue.shutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_LE(processed.load(), int64_t{kProducers} * kAddsPerProducer);
}

TEST_F(WorkQueueTest, AddAfterHandsKeysOutInReadyOrder) {
  queue_.addAfter("ns/c", seconds(30));
  queue_.addAfter("ns/a", seconds(10));
  queue_.addAfter("ns/b", seconds(20));
  settle();
  EXPECT_EQ(queue_.len(), 0u);

  clock_->advance(seconds(9));
  settle();
  EXPECT_EQ(queue_.len(), 0u);

  clock_->advance(seconds(1));
  EXPECT_EQ(queue_.get(), "ns/a");
  settle();
  EXPECT_EQ(queue_.len(), 0u);

  clock_->advance(seconds(20));
  EXPECT_EQ(queue_.get(), "ns/b");
  EXPECT_EQ(queue_.get(), "ns/c");
}

TEST_F(WorkQueueTest, AddAfterKeepsTheEarlierReadyTime) {
  queue_.addAfter("ns/a", seconds(10));
  queue_.addAfter("ns/a", seconds(5));
  queue_.addAfter("ns/a", seconds(20));
  clock_->advance(seconds(5));
  ASSERT_EQ(queue_.get(), "ns/a");
  queue_.done("ns/a");
  // The replaced entries are gone: nothing comes back later.
  clock_->advance(seconds(30));
  settle();
  EXPECT_EQ(queue_.len(), 0u);
}

TEST_F(WorkQueueTest, AddAfterWithoutDelayAddsAtOnce) {
  queue_.addAfter("ns/a", Duration::zero());
  EXPECT_EQ(queue_.len(), 1u);
}

TEST_F(WorkQueueTest, DelayedKeyAlreadyQueuedIsNotQueuedTwice) {
  queue_.add("ns/a");
  queue_.addAfter("ns/a", seconds(1));
  clock_->advance(seconds(1));
  settle();
  EXPECT_EQ(queue_.len(), 1u);
}

TEST_F(WorkQueueTest, ShutDownWithDelayedKeysStopsTheTimer) {
  queue_.addAfter("ns/a", seconds(10));
  settle();
  queue_.shutDown();  // the destructor then joins the timer thread without time passing
}

TEST(WorkQueueRealClockTest, AddAfterWithTheRealClock) {
  WorkQueue queue;
  queue.addAfter("ns/a", milliseconds(1));
  EXPECT_EQ(queue.get(), "ns/a");
}

TEST_F(WorkQueueTest, AddRateLimitedBacksOffPerKey) {
  queue_.addRateLimited("ns/a");
  EXPECT_EQ(queue_.numRequeues("ns/a"), 1);
  settle();
  EXPECT_EQ(queue_.len(), 0u);
  clock_->advance(milliseconds(5));
  ASSERT_EQ(queue_.get(), "ns/a");
  queue_.done("ns/a");

  queue_.addRateLimited("ns/a");  // second failure: 10ms
  EXPECT_EQ(queue_.numRequeues("ns/a"), 2);
  clock_->advance(milliseconds(9));
  settle();
  EXPECT_EQ(queue_.len(), 0u);
  clock_->advance(milliseconds(1));
  ASSERT_EQ(queue_.get(), "ns/a");
  queue_.done("ns/a");

  queue_.forget("ns/a");
  EXPECT_EQ(queue_.numRequeues("ns/a"), 0);
  queue_.addRateLimited("ns/a");  // back to 5ms
  clock_->advance(milliseconds(5));
  EXPECT_EQ(queue_.get(), "ns/a");
}

TEST(RateLimiterTest, ItemExponentialDoublesUpToTheCap) {
  ItemExponentialRateLimiter limiter(milliseconds(5), seconds(1000));
  Duration expected = milliseconds(5);
  for (int i = 0; i < 18; ++i) {
    EXPECT_EQ(limiter.when("ns/a"), expected) << "failure " << i;
    expected *= 2;
  }
  // 5ms * 2^18 = 1310.72s: capped from here on, also after many more failures.
  EXPECT_EQ(limiter.when("ns/a"), seconds(1000));
  for (int i = 0; i < 100; ++i) limiter.when("ns/a");
  EXPECT_EQ(limiter.when("ns/a"), seconds(1000));
  EXPECT_EQ(limiter.numRequeues("ns/a"), 120);

  // Keys are independent.
  EXPECT_EQ(limiter.when("ns/b"), milliseconds(5));

  limiter.forget("ns/a");
  EXPECT_EQ(limiter.numRequeues("ns/a"), 0);
  EXPECT_EQ(limiter.when("ns/a"), milliseconds(5));
  EXPECT_EQ(limiter.when("ns/a"), milliseconds(10));
}

TEST(RateLimiterTest, TokenBucketAllowsABurstThenSpacesAtQps) {
  auto clock = std::make_shared<FakeClock>();
  TokenBucketRateLimiter limiter(10, 100, clock);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.when("k" + std::to_string(i)), Duration::zero());
  EXPECT_EQ(limiter.when("x"), milliseconds(100));
  EXPECT_EQ(limiter.when("y"), milliseconds(200));
  // One second refills 10 tokens; 2 were owed.
  clock->advance(seconds(1));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(limiter.when("z"), Duration::zero());
  EXPECT_EQ(limiter.when("z"), milliseconds(100));
  EXPECT_EQ(limiter.numRequeues("z"), 0);
}

TEST(RateLimiterTest, DefaultTakesTheLongerOfBackoffAndBucket) {
  auto clock = std::make_shared<FakeClock>();
  RateLimiterPtr limiter = defaultControllerRateLimiter(clock);
  EXPECT_EQ(limiter->when("ns/a"), milliseconds(5));
  EXPECT_EQ(limiter->when("ns/a"), milliseconds(10));
  EXPECT_EQ(limiter->numRequeues("ns/a"), 2);
  limiter->forget("ns/a");
  EXPECT_EQ(limiter->numRequeues("ns/a"), 0);
  // 2 tokens used; 98 more first failures stay at the 5ms backoff, then the bucket dominates.
  for (int i = 0; i < 98; ++i) EXPECT_EQ(limiter->when("k" + std::to_string(i)), milliseconds(5));
  EXPECT_EQ(limiter->when("ns/b"), milliseconds(100));
}

}  // namespace
}  // namespace cube::client
