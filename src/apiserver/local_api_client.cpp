#include "apiserver/local_api_client.h"

#include "apiserver/rest/subresources.h"
#include "apiserver/watch_selection.h"
#include "common/api_error.h"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

ApiError notServed() {
  return ApiError(404, "NotFound", "the server could not find the requested resource");
}

// Events queued by the watch cache's dispatcher for one consumer. Shared with the cache's sink,
// which may outlive the stream by an event.
struct WatchQueue {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<client::WatchEvent> events;
  bool closed = false;
};

class LocalWatchStream : public client::WatchStream {
 public:
  LocalWatchStream(WatchCache& cache, api::ResourceInfoPtr resource,
                   std::shared_ptr<WatchQueue> queue, bool bookmarks,
                   std::chrono::milliseconds bookmarkInterval,
                   std::optional<std::chrono::steady_clock::time_point> deadline)
      : cache_(cache),
        resource_(std::move(resource)),
        queue_(std::move(queue)),
        bookmarks_(bookmarks),
        bookmarkInterval_(bookmarkInterval),
        deadline_(deadline) {}

  ~LocalWatchStream() override {
    close();
    watch_.reset();  // unregisters from the cache
  }

  void attach(WatchCache::WatchPtr watch) { watch_ = std::move(watch); }

  bool next(client::WatchEvent& event) override {
    std::unique_lock lock(queue_->mutex);
    while (true) {
      if (!queue_->events.empty()) {
        event = std::move(queue_->events.front());
        queue_->events.pop_front();
        return true;
      }
      if (queue_->closed) return false;
      auto now = std::chrono::steady_clock::now();
      if (deadline_ && now >= *deadline_) return false;
      auto wakeAt = now + bookmarkInterval_;
      if (deadline_ && *deadline_ < wakeAt) wakeAt = *deadline_;
      if (queue_->changed.wait_until(lock, wakeAt) == std::cv_status::timeout && bookmarks_ &&
          queue_->events.empty() && !queue_->closed &&
          std::chrono::steady_clock::now() >= now + bookmarkInterval_) {
        // Idle: tell the consumer how far the cache has got, never ahead of an event.
        lock.unlock();
        cache_.withDeliveredRevision([&](Revision revision) {
          std::lock_guard inner(queue_->mutex);
          if (queue_->events.empty())
            queue_->events.push_back({"BOOKMARK", std::make_shared<const bj::object>(
                                                      bookmarkObject(*resource_, revision))});
        });
        lock.lock();
      }
    }
  }

  void close() override {
    {
      std::lock_guard lock(queue_->mutex);
      queue_->closed = true;
    }
    queue_->changed.notify_all();
  }

 private:
  WatchCache& cache_;
  api::ResourceInfoPtr resource_;
  std::shared_ptr<WatchQueue> queue_;
  bool bookmarks_;
  std::chrono::milliseconds bookmarkInterval_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  WatchCache::WatchPtr watch_;
};

WriteOptions writeOptions() {
  WriteOptions o;
  o.fieldValidation = "Ignore";  // components send what they mean; nothing to warn a human about
  return o;
}

}  // namespace

LocalApiClient::LocalApiClient(ResourceStore& store, std::chrono::milliseconds bookmarkInterval)
    : store_(store), bookmarkInterval_(bookmarkInterval) {}

api::ResourceInfoPtr LocalApiClient::resolve(const client::Resource& r, const std::string& ns,
                                             const std::string& subresource) const {
  auto info = store_.registry().find(r.group, r.version, r.plural);
  if (!info || (!info->namespaced && !ns.empty())) throw notServed();
  if (!subresource.empty() && !info->hasSubresource(subresource)) throw notServed();
  return info;
}

bj::object LocalApiClient::get(const client::Resource& r, const std::string& ns,
                               const std::string& name) {
  return store_.get(*resolve(r, ns), ns, name);
}

client::ObjectList LocalApiClient::list(const client::Resource& r, const std::string& ns,
                                        const client::ListOptions& options) {
  ListOptions o;
  o.labelSelector = options.labelSelector;
  o.fieldSelector = options.fieldSelector;
  o.limit = options.limit;
  o.continueToken = options.continueToken;
  o.resourceVersion = options.resourceVersion;
  ListResult result = store_.list(*resolve(r, ns), ns, o);
  client::ObjectList out;
  out.items = std::move(result.items);
  out.resourceVersion = std::to_string(result.revision);
  out.continueToken = std::move(result.continueToken);
  return out;
}

bj::object LocalApiClient::create(const client::Resource& r, const std::string& ns,
                                  const bj::object& obj, const std::string& subresource,
                                  const std::string& name) {
  auto info = resolve(r, ns, subresource);
  if (subresource == "binding") {
    bindPod(store_, *info, ns, name, obj, writeOptions());
    return createdStatus();
  }
  if (subresource == "eviction") {
    evictPod(store_, *info, ns, name, obj);
    return createdStatus();
  }
  if (!subresource.empty()) {
    throw ApiError::methodNotAllowed(
        "the server does not allow this method on the requested "
        "resource");
  }
  return store_.create(*info, ns, obj, writeOptions());
}

bj::object LocalApiClient::update(const client::Resource& r, const std::string& ns,
                                  const std::string& name, const bj::object& obj,
                                  const std::string& subresource) {
  auto info = resolve(r, ns, subresource);
  if (subresource == "scale") {
    return updateScale(
        store_, *info, ns, name, [&](const bj::object&) { return obj; }, writeOptions());
  }
  if (subresource == "finalize") return finalizeObject(store_, *info, name, obj, writeOptions());
  return store_.update(*info, ns, name, obj, subresource, writeOptions());
}

bj::object LocalApiClient::patch(const client::Resource& r, const std::string& ns,
                                 const std::string& name, client::PatchKind kind,
                                 const std::string& body, const std::string& subresource) {
  auto info = resolve(r, ns, subresource);
  PatchType type = PatchType::Merge;
  switch (kind) {
    case client::PatchKind::Json:
      type = PatchType::Json;
      break;
    case client::PatchKind::Merge:
      type = PatchType::Merge;
      break;
    case client::PatchKind::StrategicMerge:
      type = PatchType::StrategicMerge;
      break;
  }
  return store_.patch(*info, ns, name, type, body, subresource, writeOptions());
}

void LocalApiClient::remove(const client::Resource& r, const std::string& ns,
                            const std::string& name, const client::DeleteOptions& options) {
  DeleteOptions o;
  o.gracePeriodSeconds = options.gracePeriodSeconds;
  o.propagationPolicy = options.propagationPolicy;
  o.preconditionUid = options.preconditionUid;
  o.preconditionResourceVersion = options.preconditionResourceVersion;
  store_.remove(*resolve(r, ns), ns, name, o);
}

std::unique_ptr<client::WatchStream> LocalApiClient::watch(const client::Resource& r,
                                                           const std::string& ns,
                                                           const client::WatchOptions& options) {
  auto info = resolve(r, ns);
  auto storage = store_.registry().storageOf(*info);
  auto selection =
      std::make_shared<const WatchSelection>(storage, options.labelSelector, options.fieldSelector);
  WatchStart start = resolveWatchStart(store_.cache(), options.resourceVersion, false);
  bool convert = info->version != storage->version || info->storageGroup.has_value();

  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (options.timeoutSeconds > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeoutSeconds);
  }
  auto queue = std::make_shared<WatchQueue>();
  std::string prefix = store_.prefix(*info, ns);
  bool bookmarks = options.allowBookmarks && store_.cache().cached(prefix);
  auto stream = std::make_unique<LocalWatchStream>(store_.cache(), info, queue, bookmarks,
                                                   bookmarkInterval_, deadline);
  ResourceStore& store = store_;
  WatchCache::Sink sink = [queue, selection, info, convert, &store](const CachedEvent& event) {
    const char* type = selection->eventType(event);
    std::lock_guard lock(queue->mutex);
    if (queue->closed) return false;
    if (!type) return true;
    ObjectPtr obj = convert
                        ? std::make_shared<const bj::object>(store.toVersion(*info, *event.object))
                        : event.object;
    if (queue->events.size() >= kMaxQueuedEvents) {
      // Too far behind: end the watch the way the API does, so the consumer relists.
      queue->events.push_back(
          {"ERROR", std::make_shared<const bj::object>(
                        ApiError::gone("the watch fell too far behind; list again").toStatus())});
      queue->closed = true;
      queue->changed.notify_all();
      return false;
    }
    queue->events.push_back({type, std::move(obj)});
    queue->changed.notify_all();
    return true;
  };
  try {
    stream->attach(store_.cache().watch(prefix, start.fromRevision, start.initialState, sink));
  } catch (const ApiError& e) {
    // As over HTTP, where the stream has started: the error arrives as an ERROR event.
    std::lock_guard lock(queue->mutex);
    queue->events.push_back({"ERROR", std::make_shared<const bj::object>(e.toStatus())});
    queue->closed = true;
  }
  return stream;
}

}  // namespace cube::apiserver
