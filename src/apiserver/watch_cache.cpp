#include "apiserver/watch_cache.h"

#include "common/api_error.h"
#include "common/compact_json.h"
#include "common/log.h"

#include <boost/json/parse.hpp>

namespace cube::apiserver {

namespace {
const std::string kRoot = "/registry/";
}

class WatchCache::WatchImpl : public WatchCache::Watch {
 public:
  WatchImpl(WatchCache* cache, uint64_t id) : cache_(cache), id_(id) {}
  ~WatchImpl() override { cache_->unregister(id_); }

 private:
  WatchCache* cache_;
  uint64_t id_;
};

// A watch of an uncached prefix: its own store watch. Events are decoded and handed to the sink
// on the store's thread; the sink saying it is done stops deliveries (the handle is dropped by
// the owner, as a store callback must not cancel its own watch).
class WatchCache::StoreWatchImpl : public WatchCache::Watch {
 public:
  struct State {
    std::mutex mutex;  // serialises deliveries with each other and with the end
    Sink sink;
    bool done = false;
  };
  StoreWatchImpl(std::shared_ptr<State> state, store::WatchHandlePtr handle)
      : state_(std::move(state)), handle_(std::move(handle)) {}
  ~StoreWatchImpl() override {
    handle_.reset();
    std::lock_guard lock(state_->mutex);
    state_->done = true;
  }

 private:
  std::shared_ptr<State> state_;
  store::WatchHandlePtr handle_;
};

WatchCache::WatchCache(store::StorePtr store, size_t historyCapacity,
                       std::vector<std::string> uncachedPrefixes)
    : store_(std::move(store)),
      historyCapacity_(historyCapacity),
      uncachedPrefixes_(std::move(uncachedPrefixes)) {}

bool WatchCache::cached(const std::string& prefixOrKey) const {
  for (const auto& p : uncachedPrefixes_) {
    if (prefixOrKey.compare(0, p.size(), p) == 0) return false;
  }
  return true;
}

WatchCache::~WatchCache() {
  stop();
}

ObjectPtr WatchCache::decode(const std::string& value, Revision modRevision) {
  boost::system::error_code ec;
  // Compact: cached objects live long, and most of the server's memory is them.
  return json::parseCompactObject(value, ec, [&](boost::json::object& obj) {
    auto& meta = obj["metadata"];
    if (!meta.is_object()) meta = boost::json::object();
    meta.get_object()["resourceVersion"] = std::to_string(modRevision);
  });
}

void WatchCache::start() {
  // Load everything, then follow from the next revision: the store replays anything written
  // between the range and the watch registration.
  store::RangeResult all = store_->range(kRoot, store::prefixEnd(kRoot), 0);
  if (all.error != store::Error::None) {
    throw std::runtime_error(std::string("watch cache: initial list failed: ") +
                             store::errorName(all.error));
  }
  {
    std::unique_lock lock(stateMutex_);
    for (const auto& kv : all.kvs) {
      if (!cached(kv.key)) continue;
      ObjectPtr obj = decode(kv.value, kv.modRevision);
      if (!obj) {
        CUBE_LOG(Error) << "watch cache: skipping undecodable value at " << kv.key;
        continue;
      }
      objects_[kv.key] = std::move(obj);
    }
    revision_ = all.revision;
    historyStart_ = all.revision;
  }
  dispatcher_ = std::thread([this] { dispatchLoop(); });
  store::Error err = store::Error::None;
  storeWatch_ = store_->watch(
      kRoot, all.revision + 1,
      [this](const std::vector<store::Event>& events) { onStoreEvents(events); }, &err);
  if (!storeWatch_) {
    throw std::runtime_error(std::string("watch cache: store watch failed: ") +
                             store::errorName(err));
  }
}

void WatchCache::stop() {
  storeWatch_.reset();
  {
    std::lock_guard lock(queueMutex_);
    stopping_ = true;
  }
  queueChanged_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
}

void WatchCache::onStoreEvents(const std::vector<store::Event>& events) {
  {
    std::lock_guard lock(queueMutex_);
    for (const auto& e : events) queue_.push_back(e);
  }
  queueChanged_.notify_one();
}

void WatchCache::dispatchLoop() {
  while (true) {
    std::deque<store::Event> batch;
    {
      std::unique_lock lock(queueMutex_);
      queueChanged_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch.swap(queue_);
    }
    std::lock_guard dispatchLock(dispatchMutex_);
    std::vector<CachedEvent> applied;
    applied.reserve(batch.size());
    {
      std::unique_lock lock(stateMutex_);
      for (const auto& e : batch) unsafeApply(e, applied);
    }
    revisionChanged_.notify_all();

    std::vector<std::shared_ptr<Watcher>> watchers;
    {
      std::lock_guard lock(watchersMutex_);
      watchers = watchers_;
    }
    std::vector<uint64_t> finished;
    for (const auto& event : applied) {
      for (const auto& w : watchers) {
        if (event.key.compare(0, w->prefix.size(), w->prefix) != 0) continue;
        if (!w->sink(event)) finished.push_back(w->id);
      }
    }
    for (uint64_t id : finished) unregister(id);
  }
}

void WatchCache::unsafeApply(const store::Event& e, std::vector<CachedEvent>& out) {
  if (!this->cached(e.kv.key)) {
    revision_ = std::max(revision_, e.kv.modRevision);
    return;
  }
  auto cached = std::make_shared<CachedEvent>();
  cached->key = e.kv.key;
  cached->revision = e.kv.modRevision;
  auto it = objects_.find(e.kv.key);
  if (it != objects_.end()) cached->prevObject = it->second;
  if (e.type == store::Event::Type::Put) {
    cached->object = decode(e.kv.value, e.kv.modRevision);
    if (!cached->object) {
      CUBE_LOG(Error) << "watch cache: undecodable value at " << e.kv.key;
      revision_ = std::max(revision_, e.kv.modRevision);
      return;
    }
    cached->type = cached->prevObject ? CachedEvent::Type::Modified : CachedEvent::Type::Added;
    objects_[e.kv.key] = cached->object;
  } else {
    // The deleted object as it last was, stamped with the deletion's revision.
    ObjectPtr last = cached->prevObject;
    if (!last) last = decode(e.kv.value, e.kv.modRevision);
    if (!last) {
      revision_ = std::max(revision_, e.kv.modRevision);
      return;
    }
    auto copy = std::make_shared<boost::json::object>(*last);
    (*copy)["metadata"].get_object()["resourceVersion"] = std::to_string(e.kv.modRevision);
    cached->object = std::move(copy);
    cached->type = CachedEvent::Type::Deleted;
    if (it != objects_.end()) objects_.erase(it);
  }
  revision_ = std::max(revision_, e.kv.modRevision);
  out.push_back(*cached);  // delivered with the whole previous version
  // The previous version is referenced by nothing else now; in the history a selection view of
  // it does (an old pod is ~6 KB, its view ~0.3 KB, and a burst fills the history with them).
  if (previousView_ && cached->prevObject) {
    cached->prevObject = previousView_(cached->key, cached->prevObject);
  }
  history_.push_back(cached);
  while (history_.size() > historyCapacity_) {
    historyStart_ = history_.front()->revision;
    history_.pop_front();
  }
}

bool WatchCache::waitFor(Revision revision, std::chrono::milliseconds timeout) {
  std::shared_lock lock(stateMutex_);
  return revisionChanged_.wait_for(lock, timeout, [&] { return revision_ >= revision; });
}

bool WatchCache::sync(std::chrono::milliseconds timeout) {
  return waitFor(store_->currentRevision(), timeout);
}

Revision WatchCache::revision() const {
  std::shared_lock lock(stateMutex_);
  return revision_;
}

ObjectPtr WatchCache::get(const std::string& key) const {
  if (!cached(key)) return getFromStore(key);
  std::shared_lock lock(stateMutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

Revision WatchCache::list(
    const std::string& prefix, const std::string& startAfter,
    const std::function<bool(const std::string& key, const ObjectPtr& obj)>& visit) const {
  if (!cached(prefix)) return listFromStore(prefix, startAfter, visit);
  std::shared_lock lock(stateMutex_);
  auto it = startAfter.empty() ? objects_.lower_bound(prefix) : objects_.upper_bound(startAfter);
  for (; it != objects_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!visit(it->first, it->second)) break;
  }
  return revision_;
}

WatchCache::WatchPtr WatchCache::watch(const std::string& prefix, Revision fromRevision,
                                       bool initialState, Sink sink) {
  if (!cached(prefix)) return watchStore(prefix, fromRevision, initialState, std::move(sink));
  std::lock_guard dispatchLock(dispatchMutex_);
  {
    std::shared_lock lock(stateMutex_);
    if (initialState) {
      for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;
        CachedEvent e;
        e.type = CachedEvent::Type::Added;
        e.key = it->first;
        e.object = it->second;
        e.revision = revision_;
        if (!sink(e)) return nullptr;
      }
    } else {
      if (fromRevision < historyStart_) {
        throw ApiError::gone("too old resource version: " + std::to_string(fromRevision) + " (" +
                             std::to_string(historyStart_ + 1) + ")");
      }
      for (const auto& e : history_) {
        if (e->revision <= fromRevision) continue;
        if (e->key.compare(0, prefix.size(), prefix) != 0) continue;
        if (!sink(*e)) return nullptr;
      }
    }
  }
  auto watcher = std::make_shared<Watcher>();
  watcher->prefix = prefix;
  watcher->sink = std::move(sink);
  {
    std::lock_guard lock(watchersMutex_);
    watcher->id = nextWatcherId_++;
    watchers_.push_back(watcher);
  }
  return std::make_unique<WatchImpl>(this, watcher->id);
}

ObjectPtr WatchCache::getFromStore(const std::string& key) const {
  store::ReadResult r = store_->get(key);
  if (r.error == store::Error::NotFound) return nullptr;
  if (r.error != store::Error::None) {
    throw ApiError::internal(std::string("store read failed: ") + store::errorName(r.error));
  }
  return decode(r.kv.value, r.kv.modRevision);
}

Revision WatchCache::listFromStore(
    const std::string& prefix, const std::string& startAfter,
    const std::function<bool(const std::string& key, const ObjectPtr& obj)>& visit) const {
  // Past `startAfter`: the smallest key greater than it.
  std::string begin = startAfter.empty() ? prefix : startAfter + std::string(1, '\0');
  store::RangeResult r = store_->range(begin, store::prefixEnd(prefix), 0);
  if (r.error != store::Error::None) {
    throw ApiError::internal(std::string("store read failed: ") + store::errorName(r.error));
  }
  for (const auto& kv : r.kvs) {
    ObjectPtr obj = decode(kv.value, kv.modRevision);
    if (!obj) continue;
    if (!visit(kv.key, obj)) break;
  }
  return r.revision;
}

WatchCache::WatchPtr WatchCache::watchStore(const std::string& prefix, Revision fromRevision,
                                            bool initialState, Sink sink) {
  if (initialState) {
    store::RangeResult r = store_->range(prefix, store::prefixEnd(prefix), 0);
    if (r.error != store::Error::None) {
      throw ApiError::internal(std::string("store read failed: ") + store::errorName(r.error));
    }
    for (const auto& kv : r.kvs) {
      CachedEvent e;
      e.type = CachedEvent::Type::Added;
      e.key = kv.key;
      e.object = decode(kv.value, kv.modRevision);
      e.revision = r.revision;
      if (e.object && !sink(e)) return nullptr;
    }
    fromRevision = r.revision;
  }
  auto state = std::make_shared<StoreWatchImpl::State>();
  state->sink = std::move(sink);
  auto deliver = [state](const std::vector<store::Event>& events) {
    std::lock_guard lock(state->mutex);
    for (const auto& e : events) {
      if (state->done) return;
      CachedEvent c;
      c.key = e.kv.key;
      c.revision = e.kv.modRevision;
      if (e.prev.modRevision != 0) c.prevObject = decode(e.prev.value, e.prev.modRevision);
      // A delete's value is the object as it last was; it is stamped with the deletion revision.
      c.object = decode(e.kv.value, e.kv.modRevision);
      if (!c.object) continue;
      if (e.type == store::Event::Type::Delete) {
        c.type = CachedEvent::Type::Deleted;
      } else {
        c.type = c.prevObject ? CachedEvent::Type::Modified : CachedEvent::Type::Added;
      }
      if (!state->sink(c)) state->done = true;
    }
  };
  store::Error err = store::Error::None;
  store::WatchHandlePtr handle = store_->watch(prefix, fromRevision + 1, deliver, &err);
  if (!handle) {
    if (err == store::Error::Compacted) {
      throw ApiError::gone("too old resource version: " + std::to_string(fromRevision) + " (" +
                           std::to_string(store_->compactedRevision() + 1) + ")");
    }
    throw ApiError::internal(std::string("store watch failed: ") + store::errorName(err));
  }
  return std::make_unique<StoreWatchImpl>(state, std::move(handle));
}

void WatchCache::withDeliveredRevision(const std::function<void(Revision revision)>& fn) {
  std::lock_guard dispatchLock(dispatchMutex_);
  fn(revision());
}

void WatchCache::unregister(uint64_t id) {
  std::lock_guard lock(watchersMutex_);
  std::erase_if(watchers_, [id](const auto& w) { return w->id == id; });
}

}  // namespace cube::apiserver
