// The Store contract, run against every backend.

#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_util.h"

namespace cube::store {
namespace {

using testing::Collector;
using testing::TempDir;

enum class Backend { Memory, Sqlite };

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::Memory) {
      store_ = makeMemoryStore();
    } else {
      dir_ = std::make_unique<TempDir>();
      store_ = makeSqliteStore(dir_->file("db.sqlite"));
    }
  }
  void TearDown() override { store_.reset(); }

  std::unique_ptr<TempDir> dir_;
  StorePtr store_;
};

TEST(PrefixEnd, IncrementsLastByte) {
  EXPECT_EQ(prefixEnd("/registry/pods/"), "/registry/pods0");
  EXPECT_EQ(prefixEnd("a"), "b");
  EXPECT_EQ(prefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefixEnd(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(prefixEnd(""), "");
}

TEST(ErrorName, NamesEveryError) {
  EXPECT_STREQ(errorName(Error::None), "None");
  EXPECT_STREQ(errorName(Error::Conflict), "Conflict");
  EXPECT_STREQ(errorName(Error::Compacted), "Compacted");
  EXPECT_STREQ(errorName(Error::Io), "Io");
}

TEST_P(StoreTest, RevisionsIncreaseByOnePerWrite) {
  EXPECT_EQ(store_->currentRevision(), 0);
  auto a = store_->create("/a", "1");
  ASSERT_EQ(a.error, Error::None);
  EXPECT_EQ(a.revision, 1);
  EXPECT_EQ(a.kv.createRevision, 1);
  EXPECT_EQ(a.kv.modRevision, 1);
  auto u = store_->update("/a", "2", a.kv.modRevision);
  ASSERT_EQ(u.error, Error::None);
  EXPECT_EQ(u.revision, 2);
  EXPECT_EQ(u.kv.createRevision, 1);
  EXPECT_EQ(u.kv.modRevision, 2);
  auto r = store_->remove("/a", 0);
  ASSERT_EQ(r.error, Error::None);
  EXPECT_EQ(r.revision, 3);
  EXPECT_EQ(r.kv.value, "2");  // the deleted value
  auto b = store_->create("/a", "3");
  ASSERT_EQ(b.error, Error::None);
  EXPECT_EQ(b.revision, 4);
  EXPECT_EQ(b.kv.createRevision, 4);  // a new incarnation
  EXPECT_EQ(store_->currentRevision(), 4);
}

TEST_P(StoreTest, FailedWritesDoNotConsumeRevisions) {
  ASSERT_EQ(store_->create("/a", "1").error, Error::None);
  EXPECT_EQ(store_->create("/a", "x").error, Error::AlreadyExists);
  EXPECT_EQ(store_->update("/a", "x", 99).error, Error::Conflict);
  EXPECT_EQ(store_->remove("/nope", 0).error, Error::NotFound);
  EXPECT_EQ(store_->create("/b", "1").revision, 2);
}

TEST_P(StoreTest, CreateOfExistingKeyIsAlreadyExists) {
  ASSERT_EQ(store_->create("/a", "1").error, Error::None);
  auto again = store_->create("/a", "2");
  EXPECT_EQ(again.error, Error::AlreadyExists);
  EXPECT_EQ(store_->get("/a").kv.value, "1");
}

TEST_P(StoreTest, StaleModRevisionIsConflictWithCurrentValue) {
  auto a = store_->create("/a", "1");
  auto u = store_->update("/a", "2", a.kv.modRevision);
  ASSERT_EQ(u.error, Error::None);

  auto stale = store_->update("/a", "3", a.kv.modRevision);
  EXPECT_EQ(stale.error, Error::Conflict);
  EXPECT_EQ(stale.kv.value, "2");
  EXPECT_EQ(stale.kv.modRevision, u.kv.modRevision);
  EXPECT_EQ(stale.revision, u.revision);

  auto staleRemove = store_->remove("/a", a.kv.modRevision);
  EXPECT_EQ(staleRemove.error, Error::Conflict);
  EXPECT_EQ(staleRemove.kv.value, "2");
  EXPECT_EQ(store_->get("/a").kv.value, "2");

  EXPECT_EQ(store_->update("/a", "4", 0).error, Error::None);  // unconditional
  EXPECT_EQ(store_->remove("/a", store_->get("/a").kv.modRevision).error, Error::None);
}

TEST_P(StoreTest, MissingKeysAreNotFound) {
  auto g = store_->get("/missing");
  EXPECT_EQ(g.error, Error::NotFound);
  EXPECT_EQ(store_->update("/missing", "x", 0).error, Error::NotFound);
  EXPECT_EQ(store_->remove("/missing", 0).error, Error::NotFound);
  ASSERT_EQ(store_->create("/gone", "x").error, Error::None);
  ASSERT_EQ(store_->remove("/gone", 0).error, Error::None);
  EXPECT_EQ(store_->get("/gone").error, Error::NotFound);
}

TEST_P(StoreTest, GetReportsValueAndRevision) {
  ASSERT_EQ(store_->create("/a", "hello").error, Error::None);
  ASSERT_EQ(store_->create("/b", "").error, Error::None);  // empty values are values
  auto g = store_->get("/a");
  ASSERT_EQ(g.error, Error::None);
  EXPECT_EQ(g.kv.key, "/a");
  EXPECT_EQ(g.kv.value, "hello");
  EXPECT_EQ(g.kv.createRevision, 1);
  EXPECT_EQ(g.revision, 2);
  auto b = store_->get("/b");
  ASSERT_EQ(b.error, Error::None);
  EXPECT_EQ(b.kv.value, "");
}

TEST_P(StoreTest, BinaryKeysAndValuesRoundTrip) {
  std::string key("/bin/\x00\xff\x01", 8), value("\x00\x01\xfe\xff", 4);
  ASSERT_EQ(store_->create(key, value).error, Error::None);
  auto g = store_->get(key);
  ASSERT_EQ(g.error, Error::None);
  EXPECT_EQ(g.kv.value, value);
  auto r = store_->range("/bin/", prefixEnd("/bin/"), 0);
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].key, key);
}

TEST_P(StoreTest, RangeIsOrderedAndHonorsLimit) {
  for (const char* k : {"/p/c", "/p/a", "/q/x", "/p/b", "/o/z", "/p/d"}) {
    ASSERT_EQ(store_->create(k, k).error, Error::None);
  }
  auto all = store_->range("/p/", prefixEnd("/p/"), 0);
  ASSERT_EQ(all.error, Error::None);
  ASSERT_EQ(all.kvs.size(), 4u);
  EXPECT_EQ(all.kvs[0].key, "/p/a");
  EXPECT_EQ(all.kvs[1].key, "/p/b");
  EXPECT_EQ(all.kvs[2].key, "/p/c");
  EXPECT_EQ(all.kvs[3].key, "/p/d");
  EXPECT_EQ(all.kvs[0].value, "/p/a");
  EXPECT_FALSE(all.more);
  EXPECT_EQ(all.revision, 6);

  auto page = store_->range("/p/", prefixEnd("/p/"), 2);
  ASSERT_EQ(page.kvs.size(), 2u);
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.kvs[1].key, "/p/b");
  // Continue after the last key of the page.
  auto rest = store_->range(page.kvs[1].key + '\0', prefixEnd("/p/"), 2);
  ASSERT_EQ(rest.kvs.size(), 2u);
  EXPECT_FALSE(rest.more);
  EXPECT_EQ(rest.kvs[0].key, "/p/c");

  auto exact = store_->range("/p/", prefixEnd("/p/"), 4);
  EXPECT_EQ(exact.kvs.size(), 4u);
  EXPECT_FALSE(exact.more);

  auto unbounded = store_->range("/p/c", "", 0);
  ASSERT_EQ(unbounded.kvs.size(), 3u);
  EXPECT_EQ(unbounded.kvs[2].key, "/q/x");

  EXPECT_TRUE(store_->range("/x/", prefixEnd("/x/"), 0).kvs.empty());
}

TEST_P(StoreTest, WatchFromOldRevisionReplaysThenContinuesLive) {
  ASSERT_EQ(store_->create("/w/a", "1").error, Error::None);     // 1
  ASSERT_EQ(store_->create("/other", "x").error, Error::None);   // 2
  ASSERT_EQ(store_->update("/w/a", "2", 0).error, Error::None);  // 3
  ASSERT_EQ(store_->remove("/w/a", 0).error, Error::None);       // 4

  Collector collector;
  Error error = Error::Io;
  auto handle = store_->watch("/w/", 1, collector.callback(), &error);
  ASSERT_EQ(error, Error::None);
  ASSERT_TRUE(handle);

  ASSERT_EQ(store_->create("/w/b", "3").error, Error::None);     // 5
  ASSERT_EQ(store_->create("/other2", "x").error, Error::None);  // 6
  ASSERT_EQ(store_->create("/w/c", "4").error, Error::None);     // 7

  auto events = collector.waitFor(5);
  ASSERT_EQ(events.size(), 5u);
  std::vector<Revision> revs;
  for (const auto& e : events) revs.push_back(e.kv.modRevision);
  EXPECT_EQ(revs, (std::vector<Revision>{1, 3, 4, 5, 7}));

  EXPECT_EQ(events[0].type, Event::Type::Put);
  EXPECT_EQ(events[0].prev.modRevision, 0);
  EXPECT_EQ(events[1].type, Event::Type::Put);
  EXPECT_EQ(events[1].kv.value, "2");
  EXPECT_EQ(events[1].prev.value, "1");
  EXPECT_EQ(events[1].prev.modRevision, 1);
  EXPECT_EQ(events[2].type, Event::Type::Delete);
  EXPECT_EQ(events[2].kv.key, "/w/a");
  EXPECT_EQ(events[2].kv.value, "2");
  EXPECT_EQ(events[2].prev.value, "2");
  EXPECT_EQ(events[2].prev.modRevision, 3);
  EXPECT_EQ(events[3].kv.key, "/w/b");
  EXPECT_EQ(events[4].kv.value, "4");
}

TEST_P(StoreTest, WatchFromNowSkipsHistory) {
  ASSERT_EQ(store_->create("/w/a", "1").error, Error::None);
  Collector collector;
  Error error = Error::Io;
  auto handle = store_->watch("/w/", 0, collector.callback(), &error);
  ASSERT_EQ(error, Error::None);
  ASSERT_EQ(store_->create("/w/b", "2").error, Error::None);
  auto events = collector.waitFor(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/w/b");
  EXPECT_EQ(events[0].kv.modRevision, 2);
}

TEST_P(StoreTest, WatchFromFutureRevisionWaits) {
  ASSERT_EQ(store_->create("/w/a", "1").error, Error::None);
  Collector collector;
  Error error = Error::Io;
  auto handle = store_->watch("/w/", 3, collector.callback(), &error);
  ASSERT_EQ(error, Error::None);
  ASSERT_EQ(store_->create("/w/b", "2").error, Error::None);  // 2: before the start
  ASSERT_EQ(store_->create("/w/c", "3").error, Error::None);  // 3
  auto events = collector.waitFor(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.modRevision, 3);
}

TEST_P(StoreTest, CompactionDropsHistory) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(store_->create("/c/" + std::to_string(i), "v").error, Error::None);
  }
  EXPECT_EQ(store_->compact(9), Error::FutureRevision);
  EXPECT_EQ(store_->compact(3), Error::None);
  EXPECT_EQ(store_->compactedRevision(), 3);
  EXPECT_EQ(store_->compact(3), Error::Compacted);
  EXPECT_EQ(store_->compact(2), Error::Compacted);

  Collector dropped;
  Error error = Error::None;
  EXPECT_EQ(store_->watch("/c/", 2, dropped.callback(), &error), nullptr);
  EXPECT_EQ(error, Error::Compacted);

  // The compaction revision itself is still available.
  Collector kept;
  auto handle = store_->watch("/c/", 3, kept.callback(), &error);
  ASSERT_EQ(error, Error::None);
  ASSERT_TRUE(handle);
  auto events = kept.waitFor(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv.modRevision, 3);
  EXPECT_EQ(events[2].kv.modRevision, 5);

  // Current state is untouched by compaction.
  EXPECT_EQ(store_->range("/c/", prefixEnd("/c/"), 0).kvs.size(), 5u);
  EXPECT_EQ(store_->create("/c/new", "v").revision, 6);
}

TEST_P(StoreTest, DestroyingHandleStopsDelivery) {
  std::atomic<int> calls{0};
  std::atomic<bool> destroyed{false};
  std::atomic<bool> afterDestroy{false};
  Error error;
  auto handle = store_->watch(
      "/d/", 0,
      [&](const std::vector<Event>&) {
        if (destroyed) afterDestroy = true;
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // widen the race window
      },
      &error);
  ASSERT_EQ(error, Error::None);
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) store_->create("/d/" + std::to_string(i), "v");
  });
  while (calls == 0) std::this_thread::yield();
  handle.reset();  // while events are being delivered
  destroyed = true;
  writer.join();
  // A barrier: a second watcher sees an event written after everything else, so the first
  // watcher's events (all published before it) have been dispatched or dropped by then.
  Collector barrier;
  auto barrierHandle = store_->watch("/z", 0, barrier.callback(), &error);
  ASSERT_EQ(store_->create("/z", "v").error, Error::None);
  ASSERT_EQ(barrier.waitFor(1).size(), 1u);
  EXPECT_FALSE(afterDestroy);
}

TEST_P(StoreTest, HandleMayBeDestroyedInsideItsCallback) {
  Collector after;
  Error error;
  WatchHandlePtr handle;
  std::mutex handleMutex;
  std::atomic<int> calls{0};
  {
    std::lock_guard lock(handleMutex);
    handle = store_->watch(
        "/s/", 0,
        [&](const std::vector<Event>&) {
          ++calls;
          std::lock_guard lock(handleMutex);
          handle.reset();
        },
        &error);
  }
  ASSERT_EQ(store_->create("/s/1", "v").error, Error::None);
  auto barrierHandle = store_->watch("/s/", 0, after.callback(), &error);
  ASSERT_EQ(store_->create("/s/2", "v").error, Error::None);
  ASSERT_EQ(after.waitFor(1).size(), 1u);
  EXPECT_EQ(calls.load(), 1);
}

TEST_P(StoreTest, HandleMayOutliveStore) {
  Collector collector;
  Error error;
  auto handle = store_->watch("/", 0, collector.callback(), &error);
  ASSERT_TRUE(handle);
  store_.reset();
  handle.reset();
}

TEST_P(StoreTest, ConcurrentWritersGetUniqueContiguousRevisions) {
  constexpr int kThreads = 32;
  constexpr int kPerThread = 40;
  Collector collector;
  Error error;
  auto handle = store_->watch("/", 0, collector.callback(), &error);
  std::vector<std::vector<Revision>> revs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "/k/" + std::to_string(t) + "/" + std::to_string(i);
        auto c = store_->create(key, "v");
        ASSERT_EQ(c.error, Error::None);
        revs[t].push_back(c.revision);
        // Every other write is an update of the key just written, conditional on its revision.
        auto u = store_->update(key, "w", c.kv.modRevision);
        ASSERT_EQ(u.error, Error::None);
        revs[t].push_back(u.revision);
        // Per-thread order: a thread's writes are acknowledged in increasing revision order.
        ASSERT_LT(c.revision, u.revision);
      }
    });
  }
  for (auto& th : threads) th.join();

  std::vector<Revision> all;
  for (const auto& r : revs) all.insert(all.end(), r.begin(), r.end());
  std::sort(all.begin(), all.end());
  constexpr int kWrites = kThreads * kPerThread * 2;
  ASSERT_EQ(all.size(), static_cast<size_t>(kWrites));
  for (int i = 0; i < kWrites; ++i) ASSERT_EQ(all[i], i + 1);
  EXPECT_EQ(store_->currentRevision(), kWrites);

  auto events = collector.waitFor(kWrites);
  ASSERT_EQ(events.size(), static_cast<size_t>(kWrites));
  for (int i = 0; i < kWrites; ++i) ASSERT_EQ(events[i].kv.modRevision, i + 1);
  EXPECT_EQ(store_->range("/k/", prefixEnd("/k/"), 0).kvs.size(),
            static_cast<size_t>(kThreads * kPerThread));
}

TEST_P(StoreTest, ConcurrentConflictingUpdatesExactlyOneWins) {
  auto c = store_->create("/race", "0");
  ASSERT_EQ(c.error, Error::None);
  constexpr int kThreads = 16;
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto u = store_->update("/race", std::to_string(t), c.kv.modRevision);
      if (u.error == Error::None) ++wins;
      if (u.error == Error::Conflict) ++conflicts;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(store_->currentRevision(), 2);
}

// Every write creates one key, so a consistent range holds exactly as many keys as its revision.
TEST_P(StoreTest, RangeIsConsistentWithItsRevision) {
  std::atomic<int> running{4};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i)
        store_->create("/r/" + std::to_string(t) + "/" + std::to_string(i), "v");
      --running;
    });
  }
  int reads = 0;
  for (; reads < 20 || running > 0; ++reads) {
    auto r = store_->range("/r/", prefixEnd("/r/"), 0);
    ASSERT_EQ(r.error, Error::None);
    ASSERT_EQ(static_cast<Revision>(r.kvs.size()), r.revision);
    for (const auto& kv : r.kvs) ASSERT_LE(kv.modRevision, r.revision);
    auto g = store_->get("/r/0/0");
    if (g.error == Error::None) {
      EXPECT_LE(g.kv.modRevision, g.revision);
    }
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(store_->range("/r/", prefixEnd("/r/"), 0).kvs.size(), 1000u);
}

TEST_P(StoreTest, WatchersStartedDuringWritesSeeNoGapNoDuplicate) {
  constexpr int kWrites = 300;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) store_->create("/g/" + std::to_string(i), "v");
  });
  std::vector<std::unique_ptr<Collector>> collectors;
  std::vector<WatchHandlePtr> handles;
  std::vector<Revision> starts;
  for (int i = 0; i < 10; ++i) {
    Revision from = std::max<Revision>(1, store_->currentRevision() - 5);
    collectors.push_back(std::make_unique<Collector>());
    Error error;
    handles.push_back(store_->watch("/g/", from, collectors.back()->callback(), &error));
    ASSERT_EQ(error, Error::None);
    starts.push_back(from);
    std::this_thread::yield();
  }
  writer.join();
  for (size_t i = 0; i < collectors.size(); ++i) {
    size_t expected = kWrites - starts[i] + 1;
    auto events = collectors[i]->waitFor(expected);
    ASSERT_EQ(events.size(), expected) << "watcher " << i;
    for (size_t j = 0; j < events.size(); ++j) {
      ASSERT_EQ(events[j].kv.modRevision, starts[i] + static_cast<Revision>(j));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::Memory, Backend::Sqlite),
                         [](const auto& info) {
                           return info.param == Backend::Memory ? "Memory" : "Sqlite";
                         });

}  // namespace
}  // namespace cube::store
