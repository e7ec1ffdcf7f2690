#pragma once
// Informer: keeps a local cache of one resource (optionally one namespace and selector) in sync
// with the API server — LIST, then WATCH from the list's resourceVersion, relisting when the
// watch history is gone (410) — and tells handlers about every change. Controllers read the
// cache, never the server, and act on keys their handlers enqueue.
//
// Threads: one thread per informer runs the list/watch loop and calls the handlers, in order.
// Handlers must be quick (enqueue a key); cache reads are safe from any thread.

#include "client/api_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace cube::client {

struct InformerHandlers {
  std::function<void(const ObjectPtr& obj)> onAdd;
  // Also called with old == now on every resync.
  std::function<void(const ObjectPtr& old, const ObjectPtr& now)> onUpdate;
  std::function<void(const ObjectPtr& obj)> onDelete;
};

class Informer {
 public:
  Informer(ApiClientPtr client, Resource resource, std::string namespace_ = "",
           ListOptions selectors = {},
           std::chrono::milliseconds resyncPeriod = std::chrono::milliseconds(0));
  ~Informer();

  void addHandlers(InformerHandlers handlers);  // before start()
  void start();
  void stop();
  // True once the first LIST is in the cache (waits up to `timeout`).
  bool waitForSync(std::chrono::milliseconds timeout);
  bool hasSynced() const { return synced_; }

  // "namespace/name" (or "name" for cluster-scoped objects).
  static std::string keyOf(const boost::json::object& obj);
  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> listNamespace(const std::string& ns) const;
  const Resource& resource() const { return resource_; }

 private:
  void run();
  // Replaces the cache with a fresh LIST, telling handlers what changed. Returns its revision.
  std::string relist();
  void apply(const WatchEvent& event);

  ApiClientPtr client_;
  Resource resource_;
  std::string namespace_;
  ListOptions selectors_;
  std::chrono::milliseconds resyncPeriod_;
  std::vector<InformerHandlers> handlers_;

  mutable std::shared_mutex cacheMutex_;  // guards cache_
  std::map<std::string, ObjectPtr> cache_;
  std::atomic<bool> synced_{false};
  std::mutex syncMutex_;  // with syncChanged_: waiters for the first sync
  std::condition_variable syncChanged_;

  std::atomic<bool> stopping_{false};
  std::mutex streamMutex_;  // guards stream_
  std::unique_ptr<WatchStream> stream_;
  std::thread thread_;
};

}  // namespace cube::client
