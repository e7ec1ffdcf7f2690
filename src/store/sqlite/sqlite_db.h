#pragma once
// Thin RAII wrappers over the SQLite C API for the SQLite store: a connection and a prepared
// statement. Failures are return codes (no exceptions on the data path); the caller decides what
// a failure means for the store.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cube::store::sqlite {

class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding is 1-based as in SQLite. Text is bound as BLOB so comparisons are memcmp order, the
  // same order as std::string.
  void bindBlob(int index, std::string_view value);
  void bindInt(int index, int64_t value);
  void bindNull(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Clears bindings and rewinds for the next use.
  void reset();

  bool isNull(int column) const;
  int64_t columnInt(int column) const;
  std::string columnBlob(int column) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  Database() = default;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Returns false (message in error()) when the file cannot be opened.
  bool open(const std::string& path);
  // Runs statements without results; returns false on failure.
  bool exec(const char* sql);
  // Returns an empty Statement (valid() false) on failure.
  Statement prepare(const char* sql);
  static bool valid(const Statement& s) { return s.stmt_ != nullptr; }

  std::string error() const;

 private:
  sqlite3* db_ = nullptr;
};

// Resets a statement when leaving a scope, so a statement never holds a read snapshot open.
class StatementScope {
 public:
  explicit StatementScope(Statement& s) : s_(s) {}
  ~StatementScope() { s_.reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  Statement& s_;
};

}  // namespace cube::store::sqlite
