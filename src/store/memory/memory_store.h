#pragma once
// The in-memory store for unit tests: full Store semantics (revisions, conditional writes, history
// for watch-from-revision, compaction), nothing persisted.

#include "store/store.h"

namespace cube::store {

StorePtr makeMemoryStore();

}  // namespace cube::store
