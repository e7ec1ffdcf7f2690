#pragma once
// WatchCache: the current objects of the whole key space and a window of recent events, fed by
// one store watch. LIST and WATCH are served from here, never from the store; GET reads it after
// waiting for the cache to reach the store's revision, so every read sees every acknowledged write.
//
// Uncached prefixes (Events, as kube-apiserver keeps no watch cache for them by default): their
// objects are not held; get/list read the store and a watch is its own store watch, so the
// callers see one read path either way. Events are the most numerous objects of a busy cluster
// and read by people, rarely by controllers.
//
// Threads: the store delivers events on its own thread; they are queued and applied by the
// cache's dispatcher thread, which also fans them out to watchers. A watcher's sink must not block
// (it queues into a bounded stream).

#include "store/store.h"

#include <boost/json/object.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

namespace cube::apiserver {

using ObjectPtr = std::shared_ptr<const boost::json::object>;
using store::Revision;

struct CachedEvent {
  enum class Type { Added, Modified, Deleted };
  Type type = Type::Added;
  std::string key;
  ObjectPtr object;      // new state; for Deleted the last state (resourceVersion = deletion rev)
  ObjectPtr prevObject;  // state before the event (null for Added)
  Revision revision = 0;
  // Encodings already produced for this event, shared by every watcher that wants the same one
  // (touched only by the thread that fans the event out).
  mutable std::map<std::string, std::string> encoded;
};

class WatchCache {
 public:
  // A watcher's sink: returns false when the watcher is done (its stream closed).
  using Sink = std::function<bool(const CachedEvent& event)>;

  class Watch {
   public:
    virtual ~Watch() = default;  // unregisters
  };
  using WatchPtr = std::unique_ptr<Watch>;

  WatchCache(store::StorePtr store, size_t historyCapacity = 10000,
             std::vector<std::string> uncachedPrefixes = {});
  ~WatchCache();

  // Loads the whole key space and starts following the store. Throws on store errors.
  void start();
  void stop();

  // Waits (up to `timeout`) until the cache has applied `revision`; false on timeout.
  bool waitFor(Revision revision, std::chrono::milliseconds timeout);
  // Waits until the cache has applied everything the store has acknowledged so far.
  bool sync(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Revision revision() const;
  // Whether keys under `prefix` (or the key itself) are held here; false for uncached prefixes.
  // Bookmarks carry the cache's revision, so only watches of cached keys may get them.
  bool cached(const std::string& prefixOrKey) const;

  ObjectPtr get(const std::string& key) const;
  // Visits objects with keys under `prefix`, starting after `startAfter` (for paging), in key
  // order, until `visit` returns false. Returns the cache revision of the snapshot.
  Revision list(
      const std::string& prefix, const std::string& startAfter,
      const std::function<bool(const std::string& key, const ObjectPtr& obj)>& visit) const;

  // Starts a watch of keys under `prefix`. With `initialState` every current object is first
  // delivered as Added; otherwise events after `fromRevision` are replayed from the window.
  // Throws ApiError(410 Expired) when `fromRevision` is older than the window.
  WatchPtr watch(const std::string& prefix, Revision fromRevision, bool initialState, Sink sink);

  // Runs `fn` with the revision up to which every event has been delivered to every watcher, and
  // no delivery in progress: a bookmark sent from `fn` never overtakes an event.
  void withDeliveredRevision(const std::function<void(Revision revision)>& fn);

  // What the history keeps of an event's previous version once the event has been delivered:
  // only what watchers' selectors read (a replay needs nothing else of it). Without one the
  // whole previous version is kept. Set before start().
  using PreviousView = std::function<ObjectPtr(const std::string& key, const ObjectPtr& previous)>;
  void setPreviousView(PreviousView view) { previousView_ = std::move(view); }

  // Parses a stored value and stamps metadata.resourceVersion; null for malformed data.
  static ObjectPtr decode(const std::string& value, Revision modRevision);

 private:
  struct Watcher {
    uint64_t id;
    std::string prefix;
    Sink sink;
  };
  class WatchImpl;
  class StoreWatchImpl;

  ObjectPtr getFromStore(const std::string& key) const;
  Revision listFromStore(
      const std::string& prefix, const std::string& startAfter,
      const std::function<bool(const std::string& key, const ObjectPtr& obj)>& visit) const;
  WatchPtr watchStore(const std::string& prefix, Revision fromRevision, bool initialState,
                      Sink sink);

  void onStoreEvents(const std::vector<store::Event>& events);
  void dispatchLoop();
  void unsafeApply(const store::Event& e, std::vector<CachedEvent>& out);
  void unregister(uint64_t id);

  store::StorePtr store_;
  size_t historyCapacity_;
  const std::vector<std::string> uncachedPrefixes_;
  PreviousView previousView_;
  store::WatchHandlePtr storeWatch_;

  // Lock order: dispatchMutex_ before stateMutex_ before watchersMutex_.
  std::mutex dispatchMutex_;  // held while a batch is applied and fanned out, and while a watch
                              // registers, so a new watcher misses no event and sees none twice
  mutable std::shared_mutex stateMutex_;  // guards objects_, history_, historyStart_, revision_
  std::map<std::string, ObjectPtr> objects_;
  std::deque<std::shared_ptr<CachedEvent>> history_;
  Revision historyStart_ = 0;  // events after this revision are all in history_
  Revision revision_ = 0;
  std::condition_variable_any revisionChanged_;

  std::mutex watchersMutex_;  // guards watchers_, nextWatcherId_
  std::vector<std::shared_ptr<Watcher>> watchers_;
  uint64_t nextWatcherId_ = 1;

  std::mutex queueMutex_;  // guards queue_, stopping_
  std::condition_variable queueChanged_;
  std::deque<store::Event> queue_;
  bool stopping_ = false;
  std::thread dispatcher_;
};

}  // namespace cube::apiserver
