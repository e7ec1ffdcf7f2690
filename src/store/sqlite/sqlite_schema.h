#pragma once
// The SQLite store's tables and the statements shared by its write and read connections.

namespace cube::store::sqlite {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kv (
  key BLOB PRIMARY KEY,
  value BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL
) WITHOUT ROWID;
-- One row per event, for watches from a past revision. type 0 = put, 1 = delete. For a delete,
-- value/create_rev are the deleted value and prev_value is NULL (it equals value).
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  type INTEGER NOT NULL,
  value BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  prev_value BLOB,
  prev_create_rev INTEGER,
  prev_mod_rev INTEGER
);
-- 'rev': the revision of the last committed write (kept even when that key is deleted, so a
-- revision is never reused); 'compacted': history before it has been dropped.
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
)sql";

constexpr int kLogPut = 0;
constexpr int kLogDelete = 1;

constexpr const char* kMetaRevision = "rev";
constexpr const char* kMetaCompacted = "compacted";

constexpr const char* kSelectMeta = "SELECT value FROM meta WHERE name = ?1";
constexpr const char* kSelectKv = "SELECT value, create_rev, mod_rev FROM kv WHERE key = ?1";

}  // namespace cube::store::sqlite
