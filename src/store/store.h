#pragma once
// The store interface, shaped like etcd v3: a flat ordered key space with one global, monotonically
// increasing revision (the API's resourceVersion), conditional writes and watches from a revision.
// Backends: memory (unit tests), SQLite (embedded, durable), etcd (later, for HA).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cube::store {

using Revision = int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision createRevision = 0;  // revision that created this incarnation of the key
  Revision modRevision = 0;     // revision of the last write to the key
};

// Named outcomes; every call returns one instead of throwing.
enum class Error {
  None,
  NotFound,        // the key does not exist
  AlreadyExists,   // create of an existing key
  Conflict,        // expected modRevision did not match (current value is returned)
  Compacted,       // the requested revision has been compacted away
  FutureRevision,  // the requested revision is newer than the store's
  Closed,          // the store is shutting down
  Io,              // the backend failed to persist (disk full, I/O error); nothing was applied
};
const char* errorName(Error e);

struct Event {
  enum class Type { Put, Delete };
  Type type = Type::Put;
  // Put: the new value. Delete: key, the value before deletion, modRevision = the deletion's
  // revision.
  KeyValue kv;
  // The value before this event; empty (modRevision 0) when the event created the key.
  KeyValue prev;
};

struct ReadResult {
  Error error = Error::None;
  KeyValue kv;
  Revision revision = 0;  // store revision the read observed
};

struct RangeResult {
  Error error = Error::None;
  std::vector<KeyValue> kvs;  // ordered by key
  bool more = false;          // limit cut the result
  Revision revision = 0;      // store revision the read observed
};

struct WriteResult {
  Error error = Error::None;
  // None: the written KeyValue (for a delete, the deleted value). Conflict: the current value.
  KeyValue kv;
  Revision revision = 0;  // revision of the write (or the store's current revision on failure)
};

// Receives events in revision order. Called on a store-owned thread; must not block for long and
// must not call back into the store's watch API.
using WatchCallback = std::function<void(const std::vector<Event>& events)>;

class WatchHandle {
 public:
  virtual ~WatchHandle() = default;  // destroying the handle cancels the watch
};
using WatchHandlePtr = std::unique_ptr<WatchHandle>;

class Store {
 public:
  virtual ~Store() = default;

  virtual ReadResult get(const std::string& key) = 0;
  // Keys in [begin, end), at most `limit` of them (0 = all), ordered by key. An empty `end` means
  // no upper bound (what prefixEnd returns for a prefix that has no end key).
  virtual RangeResult range(const std::string& begin, const std::string& end, int64_t limit) = 0;

  // Conditional writes; an acknowledged write is durable (for persistent backends).
  virtual WriteResult create(const std::string& key, const std::string& value) = 0;
  // expectedModRevision 0 = unconditional.
  virtual WriteResult update(const std::string& key, const std::string& value,
                             Revision expectedModRevision) = 0;
  virtual WriteResult remove(const std::string& key, Revision expectedModRevision) = 0;

  // Events for keys starting with `prefix`, from `fromRevision` on (inclusive; 0 = from now).
  // History older than the compacted revision answers Error::Compacted through `error`.
  virtual WatchHandlePtr watch(const std::string& prefix, Revision fromRevision, WatchCallback cb,
                               Error* error) = 0;

  // Drops history before `revision`; watches from earlier revisions then fail with Compacted.
  virtual Error compact(Revision revision) = 0;

  virtual Revision currentRevision() = 0;
  virtual Revision compactedRevision() = 0;
};

using StorePtr = std::shared_ptr<Store>;

// The end key of a prefix range: the prefix with its last byte incremented.
std::string prefixEnd(const std::string& prefix);

}  // namespace cube::store
