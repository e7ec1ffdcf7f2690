#include "store/watch_hub.h"

#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>

namespace cube::store {

struct WatchHub::Watcher {
  // Immutable after add().
  std::string prefix;
  WatchCallback cb;
  // Guarded by Shared::mutex.
  Revision next = 0;           // next revision this watcher accepts from publish()
  std::vector<Event> pending;  // accepted, not yet delivered
  bool queued = false;         // in Shared::ready
  bool cancelled = false;      // handle destroyed: never call cb again
};

struct WatchHub::Shared {
  // Guards every field below and the mutable fields of every Watcher. A leaf lock: callbacks run
  // without it, and the backends take it (through publish/add) under their own locks, never the
  // other way round.
  std::mutex mutex;
  std::condition_variable wake;       // dispatcher: ready non-empty or stopping
  std::condition_variable delivered;  // handles: `delivering` changed
  std::list<std::shared_ptr<Watcher>> watchers;
  std::deque<std::shared_ptr<Watcher>> ready;  // watchers with pending events, round-robin
  Watcher* delivering = nullptr;               // whose callback runs right now, if any
  std::thread::id dispatcherId;
  bool stopping = false;
};

class WatchHub::Handle : public WatchHandle {
 public:
  Handle(std::shared_ptr<Shared> shared, std::shared_ptr<Watcher> watcher)
      : shared_(std::move(shared)), watcher_(std::move(watcher)) {}

  // Cancels the watch and waits for a callback in progress to return, so the caller may destroy
  // what the callback uses as soon as this returns. From inside the callback itself (on the
  // dispatcher thread) it cannot wait; the callback object then lives until it returns.
  ~Handle() override {
    std::unique_lock lock(shared_->mutex);
    watcher_->cancelled = true;
    watcher_->pending.clear();
    shared_->watchers.remove(watcher_);
    if (std::this_thread::get_id() == shared_->dispatcherId) return;
    shared_->delivered.wait(lock, [&] { return shared_->delivering != watcher_.get(); });
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<Watcher> watcher_;
};

WatchHub::WatchHub() : shared_(std::make_shared<Shared>()) {
  dispatcher_ = std::thread([shared = shared_] { run(shared); });
  std::lock_guard lock(shared_->mutex);
  shared_->dispatcherId = dispatcher_.get_id();
}

WatchHub::~WatchHub() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->wake.notify_all();
  dispatcher_.join();
}

WatchHandlePtr WatchHub::add(std::string prefix, std::vector<Event> replay, Revision nextRevision,
                             WatchCallback cb) {
  auto watcher = std::make_shared<Watcher>();
  watcher->prefix = std::move(prefix);
  watcher->cb = std::move(cb);
  watcher->next = nextRevision;
  watcher->pending = std::move(replay);
  {
    std::lock_guard lock(shared_->mutex);
    shared_->watchers.push_back(watcher);
    if (!watcher->pending.empty()) {
      watcher->queued = true;
      shared_->ready.push_back(watcher);
    }
  }
  shared_->wake.notify_one();
  return std::make_unique<Handle>(shared_, std::move(watcher));
}

void WatchHub::publish(const std::vector<Event>& events) {
  if (events.empty()) return;
  bool any = false;
  {
    std::lock_guard lock(shared_->mutex);
    for (auto& watcher : shared_->watchers) {
      bool accepted = false;
      for (const auto& event : events) {
        if (event.kv.modRevision < watcher->next) continue;
        if (event.kv.key.compare(0, watcher->prefix.size(), watcher->prefix) != 0) continue;
        watcher->pending.push_back(event);
        watcher->next = event.kv.modRevision + 1;
        accepted = true;
      }
      if (accepted && !watcher->queued) {
        watcher->queued = true;
        shared_->ready.push_back(watcher);
        any = true;
      }
    }
  }
  if (any) shared_->wake.notify_one();
}

void WatchHub::run(const std::shared_ptr<Shared>& shared) {
  std::unique_lock lock(shared->mutex);
  while (true) {
    shared->wake.wait(lock, [&] { return shared->stopping || !shared->ready.empty(); });
    if (shared->stopping) break;
    std::shared_ptr<Watcher> watcher = std::move(shared->ready.front());
    shared->ready.pop_front();
    watcher->queued = false;
    if (watcher->cancelled || watcher->pending.empty()) continue;
    std::vector<Event> batch = std::move(watcher->pending);
    watcher->pending.clear();
    shared->delivering = watcher.get();
    lock.unlock();
    watcher->cb(batch);
    lock.lock();
    shared->delivering = nullptr;
    shared->delivered.notify_all();
  }
  shared->ready.clear();
}

}  // namespace cube::store
