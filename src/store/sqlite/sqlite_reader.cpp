#include "store/sqlite/sqlite_reader.h"

#include "store/sqlite/sqlite_schema.h"

namespace cube::store::sqlite {
namespace {

Event eventFromLogRow(const Statement& row) {
  Event event;
  event.type = row.columnInt(2) == kLogPut ? Event::Type::Put : Event::Type::Delete;
  event.kv.key = row.columnBlob(1);
  event.kv.value = row.columnBlob(3);
  event.kv.createRevision = row.columnInt(4);
  event.kv.modRevision = row.columnInt(0);
  if (!row.isNull(7)) {
    event.prev.key = event.kv.key;
    event.prev.value = event.type == Event::Type::Delete ? event.kv.value : row.columnBlob(5);
    event.prev.createRevision = row.columnInt(6);
    event.prev.modRevision = row.columnInt(7);
  }
  return event;
}

}  // namespace

bool Reader::open(const std::string& path) {
  if (!db_.open(path) || !db_.exec("PRAGMA busy_timeout=10000") ||
      !db_.exec("PRAGMA query_only=1")) {
    return false;
  }
  begin_ = db_.prepare("BEGIN");
  commit_ = db_.prepare("COMMIT");
  rollback_ = db_.prepare("ROLLBACK");
  meta_ = db_.prepare(kSelectMeta);
  get_ = db_.prepare(kSelectKv);
  // Two statements rather than "(?2 IS NULL OR key < ?2)": the bounded one lets SQLite stop the
  // index scan at the end key.
  rangeTo_ = db_.prepare(
      "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ?1 AND key < ?2 "
      "ORDER BY key LIMIT ?3");
  rangeOpen_ = db_.prepare(
      "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?3");
  // Scans by revision (the primary key) and filters keys, so it costs the number of events since
  // `from`, whatever the prefix.
  log_ = db_.prepare(
      "SELECT rev, key, type, value, create_rev, prev_value, prev_create_rev, prev_mod_rev "
      "FROM log WHERE rev >= ?1 AND key >= ?2 AND (?3 IS NULL OR key < ?3) ORDER BY rev");
  for (const Statement* s :
       {&begin_, &commit_, &rollback_, &meta_, &get_, &rangeTo_, &rangeOpen_, &log_}) {
    if (!Database::valid(*s)) return false;
  }
  return true;
}

bool Reader::begin() {
  StatementScope scope(begin_);
  return begin_.step() == SQLITE_DONE;
}

bool Reader::end(bool ok) {
  Statement& end = ok ? commit_ : rollback_;
  StatementScope scope(end);
  return end.step() == SQLITE_DONE && ok;
}

bool Reader::meta(const char* name, Revision* out) {
  StatementScope scope(meta_);
  meta_.bindBlob(1, name);
  int rc = meta_.step();
  *out = rc == SQLITE_ROW ? meta_.columnInt(0) : 0;
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool Reader::get(const std::string& key, KeyValue* kv, bool* found) {
  StatementScope scope(get_);
  get_.bindBlob(1, key);
  int rc = get_.step();
  *found = rc == SQLITE_ROW;
  if (*found) *kv = KeyValue{key, get_.columnBlob(0), get_.columnInt(1), get_.columnInt(2)};
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool Reader::range(const std::string& begin, const std::string& end, int64_t limit,
                   std::vector<KeyValue>* kvs, bool* more) {
  Statement& stmt = end.empty() ? rangeOpen_ : rangeTo_;
  StatementScope scope(stmt);
  stmt.bindBlob(1, begin);
  if (!end.empty()) stmt.bindBlob(2, end);
  // One row more than asked tells whether the limit cut the result; -1 = no limit.
  stmt.bindInt(3, limit > 0 ? limit + 1 : -1);
  *more = false;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    if (limit > 0 && static_cast<int64_t>(kvs->size()) == limit) {
      *more = true;
      break;
    }
    kvs->push_back(
        KeyValue{stmt.columnBlob(0), stmt.columnBlob(1), stmt.columnInt(2), stmt.columnInt(3)});
  }
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool Reader::history(const std::string& prefix, Revision from, std::vector<Event>* events) {
  StatementScope scope(log_);
  std::string end = prefixEnd(prefix);
  log_.bindInt(1, from);
  log_.bindBlob(2, prefix);
  if (end.empty()) {
    log_.bindNull(3);
  } else {
    log_.bindBlob(3, end);
  }
  int rc;
  while ((rc = log_.step()) == SQLITE_ROW) events->push_back(eventFromLogRow(log_));
  return rc == SQLITE_DONE;
}

std::unique_ptr<Reader> ReaderPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  auto reader = std::make_unique<Reader>();
  if (!reader->open(path_)) return nullptr;
  return reader;
}

void ReaderPool::release(std::unique_ptr<Reader> reader) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(reader));
}

}  // namespace cube::store::sqlite
