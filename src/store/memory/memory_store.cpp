#include "store/memory/memory_store.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

#include "store/watch_hub.h"

namespace cube::store {
namespace {

class MemoryStore : public Store {
 public:
  ReadResult get(const std::string& key) override {
    std::lock_guard lock(mutex_);
    ReadResult result;
    result.revision = revision_;
    auto it = kvs_.find(key);
    if (it == kvs_.end()) {
      result.error = Error::NotFound;
    } else {
      result.kv = it->second;
    }
    return result;
  }

  RangeResult range(const std::string& begin, const std::string& end, int64_t limit) override {
    std::lock_guard lock(mutex_);
    RangeResult result;
    result.revision = revision_;
    for (auto it = kvs_.lower_bound(begin); it != kvs_.end(); ++it) {
      if (!end.empty() && it->first >= end) break;
      if (limit > 0 && static_cast<int64_t>(result.kvs.size()) == limit) {
        result.more = true;
        break;
      }
      result.kvs.push_back(it->second);
    }
    return result;
  }

  WriteResult create(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mutex_);
    auto it = kvs_.find(key);
    if (it != kvs_.end()) return unsafeFailure(Error::AlreadyExists, &it->second);
    Revision rev = ++revision_;
    KeyValue kv{key, value, rev, rev};
    kvs_.emplace(key, kv);
    unsafeRecord(Event{Event::Type::Put, kv, KeyValue{}});
    return WriteResult{Error::None, std::move(kv), rev};
  }

  WriteResult update(const std::string& key, const std::string& value,
                     Revision expectedModRevision) override {
    std::lock_guard lock(mutex_);
    auto it = kvs_.find(key);
    if (it == kvs_.end()) return unsafeFailure(Error::NotFound, nullptr);
    if (expectedModRevision != 0 && it->second.modRevision != expectedModRevision) {
      return unsafeFailure(Error::Conflict, &it->second);
    }
    Revision rev = ++revision_;
    KeyValue prev = it->second;
    it->second.value = value;
    it->second.modRevision = rev;
    KeyValue kv = it->second;
    unsafeRecord(Event{Event::Type::Put, kv, std::move(prev)});
    return WriteResult{Error::None, std::move(kv), rev};
  }

  WriteResult remove(const std::string& key, Revision expectedModRevision) override {
    std::lock_guard lock(mutex_);
    auto it = kvs_.find(key);
    if (it == kvs_.end()) return unsafeFailure(Error::NotFound, nullptr);
    if (expectedModRevision != 0 && it->second.modRevision != expectedModRevision) {
      return unsafeFailure(Error::Conflict, &it->second);
    }
    Revision rev = ++revision_;
    KeyValue prev = std::move(it->second);
    kvs_.erase(it);
    KeyValue tombstone = prev;
    tombstone.modRevision = rev;
    unsafeRecord(Event{Event::Type::Delete, std::move(tombstone), prev});
    return WriteResult{Error::None, std::move(prev), rev};
  }

  WatchHandlePtr watch(const std::string& prefix, Revision fromRevision, WatchCallback cb,
                       Error* error) override {
    std::lock_guard lock(mutex_);
    if (fromRevision != 0 && fromRevision < compacted_) {
      if (error) *error = Error::Compacted;
      return nullptr;
    }
    std::vector<Event> replay;
    Revision next = revision_ + 1;
    if (fromRevision != 0) {
      auto it =
          std::lower_bound(history_.begin(), history_.end(), fromRevision,
                           [](const Event& e, Revision rev) { return e.kv.modRevision < rev; });
      for (; it != history_.end(); ++it) {
        if (it->kv.key.compare(0, prefix.size(), prefix) == 0) replay.push_back(*it);
      }
      next = std::max(next, fromRevision);
    }
    if (error) *error = Error::None;
    // Under mutex_, so no write can publish between the history read and the registration.
    return hub_.add(prefix, std::move(replay), next, std::move(cb));
  }

  Error compact(Revision revision) override {
    std::lock_guard lock(mutex_);
    if (revision > revision_) return Error::FutureRevision;
    if (revision <= compacted_) return Error::Compacted;
    compacted_ = revision;
    while (!history_.empty() && history_.front().kv.modRevision < revision) history_.pop_front();
    return Error::None;
  }

  Revision currentRevision() override {
    std::lock_guard lock(mutex_);
    return revision_;
  }

  Revision compactedRevision() override {
    std::lock_guard lock(mutex_);
    return compacted_;
  }

 private:
  WriteResult unsafeFailure(Error error, const KeyValue* current) {
    WriteResult result;
    result.error = error;
    if (current) result.kv = *current;
    result.revision = revision_;
    return result;
  }

  // Appends to the history and hands the event to watchers, both under mutex_ so that watchers see
  // events in revision order and watch() sees a consistent history/live boundary.
  void unsafeRecord(Event event) {
    history_.push_back(event);
    hub_.publish({std::move(event)});
  }

  // Guards every field below. Lock order: mutex_ before the hub's internal lock.
  std::mutex mutex_;
  std::map<std::string, KeyValue> kvs_;
  std::deque<Event> history_;  // every event with revision >= compacted_, in revision order
  Revision revision_ = 0;
  Revision compacted_ = 0;
  // Declared last so its dispatcher stops before the state above is destroyed.
  WatchHub hub_;
};

}  // namespace

StorePtr makeMemoryStore() {
  return std::make_shared<MemoryStore>();
}

}  // namespace cube::store
