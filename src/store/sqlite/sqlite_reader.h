#pragma once
// The read side of the SQLite store: read-only connections, each reading inside one transaction so
// that everything it returns comes from one snapshot (WAL readers never block the writer), and a
// pool that reuses them across threads.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace cube::store::sqlite {

// One connection; used by one thread at a time. Every read method must run between begin() and
// end(); each returns false on an SQLite failure.
class Reader {
 public:
  bool open(const std::string& path);

  bool begin();
  // Ends the transaction; returns `ok` and whether ending succeeded.
  bool end(bool ok);

  // A meta value (kMetaRevision, kMetaCompacted); absent = 0.
  bool meta(const char* name, Revision* out);
  // *found false when the key does not exist.
  bool get(const std::string& key, KeyValue* kv, bool* found);
  // Keys in [begin, end) (end "" = unbounded), at most `limit` (0 = all), in key order.
  bool range(const std::string& begin, const std::string& end, int64_t limit,
             std::vector<KeyValue>* kvs, bool* more);
  // Logged events with revision >= from for keys starting with prefix, in revision order.
  bool history(const std::string& prefix, Revision from, std::vector<Event>* events);

 private:
  Database db_;  // declared first: statements are finalized before the connection closes
  Statement begin_, commit_, rollback_, meta_, get_, rangeTo_, rangeOpen_, log_;
};

class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // An idle reader, or a new one (nullptr if it cannot be opened). Readers run in parallel, one
  // connection each, so the pool grows to the number of concurrent readers.
  std::unique_ptr<Reader> acquire();
  void release(std::unique_ptr<Reader> reader);

 private:
  const std::string path_;
  std::mutex mutex_;  // guards idle_; a leaf lock
  std::vector<std::unique_ptr<Reader>> idle_;
};

// Borrows a reader from a pool for one scope.
class ReaderLease {
 public:
  explicit ReaderLease(ReaderPool& pool) : pool_(pool), reader_(pool.acquire()) {}
  ~ReaderLease() {
    if (reader_) pool_.release(std::move(reader_));
  }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  Reader* operator->() { return reader_.get(); }
  explicit operator bool() const { return reader_ != nullptr; }

 private:
  ReaderPool& pool_;
  std::unique_ptr<Reader> reader_;
};

}  // namespace cube::store::sqlite
