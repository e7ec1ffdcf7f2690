// What only the SQLite backend promises: persistence across reopen and across kill -9.

#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace cube::store {
namespace {

using testing::Collector;
using testing::TempDir;

TEST(SqliteStore, ThrowsWhenItCannotOpen) {
  EXPECT_THROW(makeSqliteStore("/nonexistent-dir/for/sure/db.sqlite"), std::runtime_error);
}

TEST(SqliteStore, ReopenKeepsDataRevisionAndHistory) {
  TempDir dir;
  std::string path = dir.file("db.sqlite");
  {
    auto store = makeSqliteStore(path);
    ASSERT_EQ(store->create("/a", "1").error, Error::None);     // 1
    ASSERT_EQ(store->create("/b", "2").error, Error::None);     // 2
    ASSERT_EQ(store->update("/a", "3", 1).error, Error::None);  // 3
    ASSERT_EQ(store->create("/gone", "x").error, Error::None);  // 4
    ASSERT_EQ(store->remove("/gone", 0).error, Error::None);    // 5: the last revision is a delete
    ASSERT_EQ(store->compact(2), Error::None);
  }
  auto store = makeSqliteStore(path);
  EXPECT_EQ(store->currentRevision(), 5);
  EXPECT_EQ(store->compactedRevision(), 2);
  auto a = store->get("/a");
  ASSERT_EQ(a.error, Error::None);
  EXPECT_EQ(a.kv.value, "3");
  EXPECT_EQ(a.kv.createRevision, 1);
  EXPECT_EQ(a.kv.modRevision, 3);
  EXPECT_EQ(a.revision, 5);
  EXPECT_EQ(store->get("/gone").error, Error::NotFound);
  // Conditional writes keep working against the reloaded index.
  EXPECT_EQ(store->create("/a", "x").error, Error::AlreadyExists);
  EXPECT_EQ(store->update("/a", "x", 1).error, Error::Conflict);
  // The deleted key's revision is not reused.
  auto c = store->create("/c", "4");
  EXPECT_EQ(c.revision, 6);

  Error error;
  Collector dropped;
  EXPECT_EQ(store->watch("/", 1, dropped.callback(), &error), nullptr);
  EXPECT_EQ(error, Error::Compacted);
  Collector collector;
  auto handle = store->watch("/", 2, collector.callback(), &error);
  ASSERT_EQ(error, Error::None);
  auto events = collector.waitFor(5);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].kv.key, "/b");
  EXPECT_EQ(events[1].prev.value, "1");
  EXPECT_EQ(events[3].type, Event::Type::Delete);
  EXPECT_EQ(events[3].kv.value, "x");
  EXPECT_EQ(events[4].kv.modRevision, 6);
}

// The child writes keys as fast as it can with several threads and reports each acknowledged key
// through a pipe; the parent kills it with SIGKILL mid-stream, reopens the database and checks that
// every acknowledged key is there.
TEST(SqliteStore, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  std::string path = dir.file("db.sqlite");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto store = makeSqliteStore(path);
    std::mutex pipeMutex;
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
      writers.emplace_back([&, t] {
        for (uint32_t i = 0;; ++i) {
          uint32_t id = i * 4 + t;
          if (store->create("/crash/" + std::to_string(id), std::string(512, 'v')).error !=
              Error::None) {
            _exit(3);
          }
          std::lock_guard lock(pipeMutex);
          if (write(fds[1], &id, sizeof id) != sizeof id) _exit(4);
        }
      });
    }
    for (auto& w : writers) w.join();
    _exit(0);
  }
  close(fds[1]);
  std::vector<uint32_t> acked;
  uint32_t id;
  while (acked.size() < 500 && read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << status;
  // Acknowledgements already in the pipe count too.
  while (read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);
  close(fds[0]);
  ASSERT_GE(acked.size(), 500u);

  auto store = makeSqliteStore(path);
  for (uint32_t key : acked) {
    auto g = store->get("/crash/" + std::to_string(key));
    ASSERT_EQ(g.error, Error::None) << "acknowledged key " << key << " lost";
  }
  auto all = store->range("/crash/", prefixEnd("/crash/"), 0);
  EXPECT_GE(all.kvs.size(), acked.size());
  // Revisions continue after the last persisted one.
  auto next = store->create("/after", "v");
  ASSERT_EQ(next.error, Error::None);
  EXPECT_EQ(next.revision, store->currentRevision());
  EXPECT_GT(next.revision, static_cast<Revision>(all.kvs.size()));
}

// A commit that cannot be written (here: the file size limit, as a full disk would) answers Io to
// its callers and to every later write; nothing unacknowledged is applied and reads keep working.
TEST(SqliteStore, FailedCommitAnswersIoAndKeepsDiskConsistent) {
  TempDir dir;
  std::string path = dir.file("db.sqlite");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG instead of killing us
    auto store = makeSqliteStore(path);
    if (store->create("/before", "v").error != Error::None) _exit(10);
    rlimit limit{1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(11);
    uint32_t acked = 0;
    Error error = Error::None;
    for (; acked < 1000; ++acked) {
      error = store->create("/big/" + std::to_string(acked), std::string(64 << 10, 'b')).error;
      if (error != Error::None) break;
    }
    if (write(fds[1], &acked, sizeof acked) != sizeof acked) _exit(12);
    if (error != Error::Io) _exit(13);
    if (store->create("/after", "v").error != Error::Io) _exit(14);
    if (store->update("/before", "w", 0).error != Error::Io) _exit(15);
    if (store->get("/before").kv.value != "v") _exit(16);
    store.reset();
    _exit(0);
  }
  close(fds[1]);
  uint32_t acked = 0;
  ASSERT_EQ(read(fds[0], &acked, sizeof acked), static_cast<ssize_t>(sizeof acked));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ASSERT_LT(acked, 1000u);

  auto store = makeSqliteStore(path);
  EXPECT_EQ(store->get("/before").kv.value, "v");
  for (uint32_t i = 0; i < acked; ++i) {
    EXPECT_EQ(store->get("/big/" + std::to_string(i)).error, Error::None) << i;
  }
  EXPECT_EQ(store->get("/big/" + std::to_string(acked)).error, Error::NotFound);
  EXPECT_EQ(store->get("/after").error, Error::NotFound);
  EXPECT_EQ(store->currentRevision(), 1 + acked);
  EXPECT_EQ(store->create("/again", "v").revision, 2 + acked);
}

}  // namespace
}  // namespace cube::store
