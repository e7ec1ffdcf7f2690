#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_reader.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/watch_hub.h"

// How writes flow
// ---------------
// A writer thread takes indexMutex_, decides the outcome against the in-memory index (key ->
// createRevision, modRevision, including writes that are queued but not yet committed), assigns the
// next revision, updates the index, queues an Op and waits. The committer thread takes the whole
// queue, applies it in one transaction (BEGIN IMMEDIATE ... COMMIT: one fsync of the WAL), then
// publishes the events to watchers and completes every caller. Because outcomes and revisions are
// fixed at enqueue time, a batch never fails because of one of its writes; only I/O can fail it.
//
// Rejected writes (NotFound, AlreadyExists, Conflict) are queued too, as Reject ops: they read the
// current value inside the transaction (Conflict returns it) and are answered after the writes
// before them are durable, so no caller is ever told about a state that was not durable.
//
// I/O failure: when a transaction fails, it is rolled back, every caller in it and every later
// writer gets Error::Io, and the store stays failed (writes only; reads keep serving the last
// durable state) until it is reopened, which rebuilds the index from disk. Rolling back the index
// and the revision counter in place would have to undo writes queued after the failing batch that
// were decided against it; refusing further writes is simpler and obviously consistent.

namespace cube::store {
namespace {

using namespace sqlite;  // the connection wrappers, reader and schema constants

struct IndexEntry {
  Revision createRevision = 0;
  Revision modRevision = 0;
};

// One queued request. Lives on the waiting caller's stack until `done` is fulfilled.
struct Op {
  enum class Kind { Create, Update, Remove, Reject, Compact };
  Kind kind = Kind::Create;
  const std::string* key = nullptr;
  const std::string* value = nullptr;
  // Create/Update/Remove: the assigned revision. Reject: the store's revision when decided.
  // Compact: the compaction revision.
  Revision revision = 0;
  Error reject = Error::None;  // Reject: the outcome decided at enqueue time
  WriteResult result;          // filled by the committer
  std::promise<void> done;
};

class SqliteStore : public Store {
 public:
  explicit SqliteStore(const std::string& path) : readers_(path) {
    if (!writer_.open(path)) throw openError("open", path);
    // WAL + synchronous=FULL: COMMIT returns after the WAL has been fsynced, so an acknowledged
    // write survives kill -9 and power loss. busy_timeout covers other processes (sqlite3 CLI).
    if (!setWalMode() || !writer_.exec("PRAGMA synchronous=FULL") ||
        !writer_.exec("PRAGMA busy_timeout=10000") || !writer_.exec(kSchema)) {
      throw openError("initialize", path);
    }
    if (!prepareWriter()) throw openError("prepare statements for", path);
    if (!loadState()) throw openError("load", path);
    // Opening a reader now reports an unusable file at once rather than on the first read.
    if (!ReaderLease(readers_)) throw std::runtime_error("sqlite store: cannot read " + path);
    committer_ = std::thread([this] { runCommitter(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lock(indexMutex_);
      stopping_ = true;
    }
    queueChanged_.notify_all();
    committer_.join();  // drains the queue first: every queued caller is answered
  }

  ReadResult get(const std::string& key) override {
    ReadResult result;
    ReaderLease reader(readers_);
    bool found = false;
    bool ok = reader && reader->begin();
    ok =
        ok && reader->meta(kMetaRevision, &result.revision) && reader->get(key, &result.kv, &found);
    if (reader) ok = reader->end(ok);
    if (!ok) return ReadResult{Error::Io, {}, published_.load()};
    if (!found) result.error = Error::NotFound;
    return result;
  }

  RangeResult range(const std::string& begin, const std::string& end, int64_t limit) override {
    RangeResult result;
    ReaderLease reader(readers_);
    bool ok = reader && reader->begin();
    ok = ok && reader->meta(kMetaRevision, &result.revision) &&
         reader->range(begin, end, limit, &result.kvs, &result.more);
    if (reader) ok = reader->end(ok);
    if (!ok) return RangeResult{Error::Io, {}, false, published_.load()};
    return result;
  }

  WriteResult create(const std::string& key, const std::string& value) override {
    Op op;
    op.kind = Op::Kind::Create;
    return submit(op, key, &value, 0);
  }

  WriteResult update(const std::string& key, const std::string& value,
                     Revision expectedModRevision) override {
    Op op;
    op.kind = Op::Kind::Update;
    return submit(op, key, &value, expectedModRevision);
  }

  WriteResult remove(const std::string& key, Revision expectedModRevision) override {
    Op op;
    op.kind = Op::Kind::Remove;
    return submit(op, key, nullptr, expectedModRevision);
  }

  WatchHandlePtr watch(const std::string& prefix, Revision fromRevision, WatchCallback cb,
                       Error* error) override {
    Error ignored;
    if (!error) error = &ignored;
    // Held from the history read to the registration, so no batch is published in between:
    // everything committed up to the read's snapshot is replayed, everything after is live.
    std::lock_guard lock(publishMutex_);
    if (fromRevision == 0) {
      *error = Error::None;
      return hub_.add(prefix, {}, published_.load() + 1, std::move(cb));
    }
    Revision compacted = 0, snapshot = 0;
    std::vector<Event> replay;
    ReaderLease reader(readers_);
    bool ok = reader && reader->begin();
    ok = ok && reader->meta(kMetaCompacted, &compacted) && reader->meta(kMetaRevision, &snapshot);
    bool isCompacted = ok && fromRevision < compacted;
    if (ok && !isCompacted) ok = reader->history(prefix, fromRevision, &replay);
    if (reader) ok = reader->end(ok);
    if (!ok) {
      *error = Error::Io;
      return nullptr;
    }
    if (isCompacted) {
      *error = Error::Compacted;
      return nullptr;
    }
    *error = Error::None;
    return hub_.add(prefix, std::move(replay), std::max(fromRevision, snapshot + 1), std::move(cb));
  }

  Error compact(Revision revision) override {
    Op op;
    op.kind = Op::Kind::Compact;
    op.revision = revision;
    {
      std::lock_guard lock(indexMutex_);
      if (Error e = unsafeRefusal(); e != Error::None) return e;
      if (revision > revision_) return Error::FutureRevision;
      if (revision <= compactTarget_) return Error::Compacted;
      compactTarget_ = revision;
      unsafeEnqueue(&op);
    }
    return wait(op).error;
  }

  Revision currentRevision() override { return published_.load(); }
  Revision compactedRevision() override { return compacted_.load(); }

 private:
  // ---- write path -------------------------------------------------------------------------

  // Decides the outcome of a write against the index, assigns its revision, queues it and waits
  // for the committer.
  WriteResult submit(Op& op, const std::string& key, const std::string* value,
                     Revision expectedModRevision) {
    op.key = &key;
    op.value = value;
    {
      std::lock_guard lock(indexMutex_);
      if (Error e = unsafeRefusal(); e != Error::None) return WriteResult{e, {}, revision_};
      auto it = index_.find(key);
      Error reject = Error::None;
      if (op.kind == Op::Kind::Create) {
        if (it != index_.end()) reject = Error::AlreadyExists;
      } else if (it == index_.end()) {
        reject = Error::NotFound;
      } else if (expectedModRevision != 0 && it->second.modRevision != expectedModRevision) {
        reject = Error::Conflict;
      }
      if (reject != Error::None) {
        op.kind = Op::Kind::Reject;
        op.reject = reject;
        op.revision = revision_;
      } else {
        op.revision = ++revision_;
        switch (op.kind) {
          case Op::Kind::Create:
            index_.emplace(key, IndexEntry{op.revision, op.revision});
            break;
          case Op::Kind::Update:
            it->second.modRevision = op.revision;
            break;
          case Op::Kind::Remove:
            index_.erase(it);
            break;
          default:
            break;
        }
      }
      unsafeEnqueue(&op);
    }
    return wait(op);
  }

  // Why a write cannot be accepted now, or None.
  Error unsafeRefusal() const {
    if (failed_) return Error::Io;
    if (stopping_) return Error::Closed;
    return Error::None;
  }

  void unsafeEnqueue(Op* op) {
    queue_.push_back(op);
    if (queue_.size() == 1 || queue_.size() == lingerTarget_) queueChanged_.notify_one();
  }

  WriteResult wait(Op& op) {
    op.done.get_future().wait();
    return std::move(op.result);
  }

  // Group commit. While one batch is being fsynced the next one queues up. The callers released by
  // a batch need a moment (a wake-up each, often on a busy CPU) to queue their next write; taking
  // the queue as soon as the first of them arrives would alternate tiny and full batches and halve
  // throughput when fsync is slow. So when fewer writes are queued than the last batch released,
  // the committer lingers for them, at most a quarter of the last commit's duration (and 2 ms): a
  // lone writer never waits, and a linger never costs more than a fraction of an fsync.
  void runCommitter() {
    using Clock = std::chrono::steady_clock;
    std::vector<Op*> batch;
    size_t released = 0;
    Clock::duration lastCommit{};
    while (true) {
      bool failed;
      {
        std::unique_lock lock(indexMutex_);
        queueChanged_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.size() < released && !stopping_) {
          auto linger = std::min<Clock::duration>(lastCommit / 4, std::chrono::milliseconds(2));
          lingerTarget_ = released;
          queueChanged_.wait_for(lock, linger,
                                 [&] { return stopping_ || queue_.size() >= released; });
          lingerTarget_ = 0;
        }
        if (queue_.empty()) return;  // stopping and drained
        batch.swap(queue_);
        failed = failed_;
      }
      auto start = Clock::now();
      if (failed || !commitBatch(batch)) failBatch(batch);
      lastCommit = Clock::now() - start;
      released = batch.size();
      batch.clear();
    }
  }

  // Committer thread only. Applies, commits, publishes and completes one batch; returns false
  // (with the transaction rolled back and nobody completed) if the transaction failed.
  bool commitBatch(const std::vector<Op*>& batch) {
    std::vector<Event> events;
    Revision lastRevision = 0, newCompacted = 0;
    bool ok = step(begin_);
    for (Op* op : batch) {
      if (!ok) break;
      ok = applyOp(*op, &events);
      if (op->kind == Op::Kind::Compact) newCompacted = op->revision;
      if (!events.empty()) lastRevision = events.back().kv.modRevision;
    }
    if (ok && lastRevision != 0) ok = writeMeta(kMetaRevision, lastRevision);
    if (ok && newCompacted != 0) ok = writeMeta(kMetaCompacted, newCompacted);
    ok = ok && step(commit_);
    if (!ok) {
      step(rollback_);
      return false;
    }
    if (newCompacted != 0) compacted_.store(newCompacted);
    {
      std::lock_guard lock(publishMutex_);
      hub_.publish(events);
      if (lastRevision != 0) published_.store(lastRevision);
    }
    for (Op* op : batch) op->done.set_value();
    return true;
  }

  void failBatch(const std::vector<Op*>& batch) {
    Revision current;
    {
      std::lock_guard lock(indexMutex_);
      failed_ = true;
      current = revision_;
    }
    for (Op* op : batch) {
      op->result = WriteResult{Error::Io, {}, current};
      op->done.set_value();
    }
  }

  // Committer thread only, inside the batch transaction.
  bool applyOp(Op& op, std::vector<Event>* events) {
    const std::string& key = op.key ? *op.key : kNoKey;
    switch (op.kind) {
      case Op::Kind::Create: {
        KeyValue kv{key, *op.value, op.revision, op.revision};
        if (!writeKv(kv) || !writeLog(Event::Type::Put, kv, nullptr)) return false;
        op.result = WriteResult{Error::None, kv, op.revision};
        events->push_back(Event{Event::Type::Put, std::move(kv), KeyValue{}});
        return true;
      }
      case Op::Kind::Update: {
        KeyValue prev;
        if (readKv(key, &prev) != SQLITE_ROW) return false;  // the index said it exists
        KeyValue kv{key, *op.value, prev.createRevision, op.revision};
        if (!writeKv(kv) || !writeLog(Event::Type::Put, kv, &prev)) return false;
        op.result = WriteResult{Error::None, kv, op.revision};
        events->push_back(Event{Event::Type::Put, std::move(kv), std::move(prev)});
        return true;
      }
      case Op::Kind::Remove: {
        KeyValue prev;
        if (readKv(key, &prev) != SQLITE_ROW) return false;
        KeyValue tombstone = prev;
        tombstone.modRevision = op.revision;
        if (!step(deleteKv_, [&](Statement& s) { s.bindBlob(1, key); })) return false;
        if (!writeLog(Event::Type::Delete, tombstone, &prev)) return false;
        op.result = WriteResult{Error::None, prev, op.revision};
        events->push_back(Event{Event::Type::Delete, std::move(tombstone), std::move(prev)});
        return true;
      }
      case Op::Kind::Reject: {
        op.result = WriteResult{op.reject, {}, op.revision};
        if (op.reject == Error::Conflict || op.reject == Error::AlreadyExists) {
          int rc = readKv(key, &op.result.kv);
          if (rc != SQLITE_ROW && rc != SQLITE_DONE) return false;
        }
        return true;
      }
      case Op::Kind::Compact:
        op.result = WriteResult{Error::None, {}, op.revision};
        return step(compactLog_, [&](Statement& s) { s.bindInt(1, op.revision); });
    }
    return false;
  }

  bool step(Statement& stmt) {
    StatementScope scope(stmt);
    return stmt.step() == SQLITE_DONE;
  }

  template <typename Bind>
  bool step(Statement& stmt, Bind bind) {
    StatementScope scope(stmt);
    bind(stmt);
    return stmt.step() == SQLITE_DONE;
  }

  // SQLITE_ROW (found, *kv filled), SQLITE_DONE (absent) or an error code.
  int readKv(const std::string& key, KeyValue* kv) {
    StatementScope scope(selectKv_);
    selectKv_.bindBlob(1, key);
    int rc = selectKv_.step();
    if (rc == SQLITE_ROW) {
      *kv = KeyValue{key, selectKv_.columnBlob(0), selectKv_.columnInt(1), selectKv_.columnInt(2)};
    }
    return rc;
  }

  bool writeKv(const KeyValue& kv) {
    return step(putKv_, [&](Statement& s) {
      s.bindBlob(1, kv.key);
      s.bindBlob(2, kv.value);
      s.bindInt(3, kv.createRevision);
      s.bindInt(4, kv.modRevision);
    });
  }

  bool writeLog(Event::Type type, const KeyValue& kv, const KeyValue* prev) {
    return step(putLog_, [&](Statement& s) {
      s.bindInt(1, kv.modRevision);
      s.bindBlob(2, kv.key);
      s.bindInt(3, type == Event::Type::Put ? kLogPut : kLogDelete);
      s.bindBlob(4, kv.value);
      s.bindInt(5, kv.createRevision);
      if (prev) {
        // A delete's previous value is its own value; not stored twice.
        if (type == Event::Type::Put) s.bindBlob(6, prev->value);
        s.bindInt(7, prev->createRevision);
        s.bindInt(8, prev->modRevision);
      }
    });
  }

  bool writeMeta(const char* name, Revision value) {
    return step(putMeta_, [&](Statement& s) {
      s.bindBlob(1, name);
      s.bindInt(2, value);
    });
  }

  // ---- open ---------------------------------------------------------------------------------

  std::runtime_error openError(const char* what, const std::string& path) {
    return std::runtime_error(std::string("sqlite store: cannot ") + what + " " + path + ": " +
                              writer_.error());
  }

  // journal_mode answers the mode in effect; a file system without shared memory support would
  // leave it in rollback-journal mode, which this store's concurrency reasoning does not cover.
  bool setWalMode() {
    Statement wal = writer_.prepare("PRAGMA journal_mode=WAL");
    if (!Database::valid(wal)) return false;
    StatementScope scope(wal);
    return wal.step() == SQLITE_ROW && wal.columnBlob(0) == "wal";
  }

  bool prepareWriter() {
    begin_ = writer_.prepare("BEGIN IMMEDIATE");
    commit_ = writer_.prepare("COMMIT");
    rollback_ = writer_.prepare("ROLLBACK");
    selectKv_ = writer_.prepare(kSelectKv);
    putKv_ = writer_.prepare(
        "INSERT OR REPLACE INTO kv (key, value, create_rev, mod_rev) VALUES (?1, ?2, ?3, ?4)");
    deleteKv_ = writer_.prepare("DELETE FROM kv WHERE key = ?1");
    putLog_ = writer_.prepare(
        "INSERT INTO log (rev, key, type, value, create_rev, prev_value, prev_create_rev, "
        "prev_mod_rev) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    putMeta_ = writer_.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)");
    compactLog_ = writer_.prepare("DELETE FROM log WHERE rev < ?1");
    for (const Statement* s : {&begin_, &commit_, &rollback_, &selectKv_, &putKv_, &deleteKv_,
                               &putLog_, &putMeta_, &compactLog_}) {
      if (!Database::valid(*s)) return false;
    }
    return true;
  }

  // Rebuilds the index and the revisions from disk. Runs before the committer starts.
  bool loadState() {
    Statement meta = writer_.prepare(kSelectMeta);
    Statement all = writer_.prepare("SELECT key, create_rev, mod_rev FROM kv");
    if (!Database::valid(meta) || !Database::valid(all)) return false;
    Revision rev = 0, compacted = 0;
    for (auto [name, out] :
         {std::pair{kMetaRevision, &rev}, std::pair{kMetaCompacted, &compacted}}) {
      StatementScope scope(meta);
      meta.bindBlob(1, name);
      int rc = meta.step();
      if (rc == SQLITE_ROW) {
        *out = meta.columnInt(0);
      } else if (rc != SQLITE_DONE) {
        return false;
      }
    }
    StatementScope scope(all);
    int rc;
    while ((rc = all.step()) == SQLITE_ROW) {
      Revision mod = all.columnInt(2);
      index_.emplace(all.columnBlob(0), IndexEntry{all.columnInt(1), mod});
      rev = std::max(rev, mod);
    }
    if (rc != SQLITE_DONE) return false;
    revision_ = rev;
    compactTarget_ = compacted;
    published_.store(rev);
    compacted_.store(compacted);
    return true;
  }

  static inline const std::string kNoKey;

  // Committer thread only (and the constructor, before the committer starts).
  Database writer_;
  Statement begin_, commit_, rollback_, selectKv_, putKv_, deleteKv_, putLog_, putMeta_,
      compactLog_;

  // Guards index_, revision_, compactTarget_, queue_, lingerTarget_, failed_ and stopping_. Held
  // only for in-memory work, never across SQLite calls or while taking another lock.
  std::mutex indexMutex_;
  std::condition_variable queueChanged_;               // committer: queue_ non-empty or stopping_
  std::unordered_map<std::string, IndexEntry> index_;  // includes queued, uncommitted writes
  Revision revision_ = 0;                              // last assigned revision
  Revision compactTarget_ = 0;                         // last accepted compaction revision
  std::vector<Op*> queue_;                             // in revision order
  size_t lingerTarget_ = 0;  // queue size the lingering committer waits for (0: not lingering)
  bool failed_ = false;
  bool stopping_ = false;

  // Orders publication of committed batches with watch registration (see watch()). Lock order:
  // publishMutex_ before the reader pool's lock and before the hub's internal lock.
  std::mutex publishMutex_;
  std::atomic<Revision> published_{0};  // last committed and published revision; written under
                                        // publishMutex_
  std::atomic<Revision> compacted_{0};  // committed compaction revision

  ReaderPool readers_;  // its own lock is a leaf

  std::thread committer_;
  WatchHub hub_;  // last: its dispatcher stops first on destruction
};

}  // namespace

StorePtr makeSqliteStore(const std::string& path) {
  return std::make_shared<SqliteStore>(path);
}

}  // namespace cube::store
