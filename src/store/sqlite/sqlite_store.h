#pragma once
// The embedded, durable store: one SQLite database in WAL mode with synchronous=FULL, so an
// acknowledged write has been fsynced to the WAL and survives kill -9 and power loss. Concurrent
// writes are group-committed: one committer thread applies every queued write in one transaction.

#include <string>

#include "store/store.h"

namespace cube::store {

// Opens (creating if needed) the database at `path`. Throws std::runtime_error if it cannot be
// opened or its schema cannot be created; every later failure is an Error value.
StorePtr makeSqliteStore(const std::string& path);

}  // namespace cube::store
