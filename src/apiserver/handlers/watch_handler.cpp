#include "apiserver/handlers/watch_handler.h"

#include "apiserver/handlers/encoding.h"
#include "apiserver/watch_selection.h"
#include "common/json_util.h"
#include "common/log.h"

#include <random>

namespace cube::apiserver {

namespace bj = boost::json;

struct WatchHandler::Active {
  uint64_t id = 0;
  http::StreamPtr stream;
  WatchCache::WatchPtr watch;  // set once registered; destroying it stops events
  std::chrono::steady_clock::time_point deadline;
  bool bookmarks = false;
  api::ResourceInfoPtr resource;
  std::mutex mutex;  // guards watch
};

namespace {

std::string eventLine(const char* type, const bj::value& object) {
  bj::object e;
  e["type"] = type;
  e["object"] = object;
  return json::serialize(e) + "\n";
}

bool truthy(const std::string& v) {
  return v == "true" || v == "1";
}

}  // namespace

WatchHandler::WatchHandler(ResourceStore& store, std::chrono::seconds bookmarkInterval)
    : store_(store), bookmarkInterval_(bookmarkInterval) {
  janitor_ = std::thread([this] { janitorLoop(); });
}

WatchHandler::~WatchHandler() {
  shutdown();
}

void WatchHandler::shutdown() {
  std::map<uint64_t, std::shared_ptr<Active>> remaining;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    remaining.swap(active_);
  }
  changed_.notify_all();
  if (janitor_.joinable()) janitor_.join();
  for (auto& [id, a] : remaining) {
    std::lock_guard lock(a->mutex);
    a->watch.reset();
    a->stream->close();
  }
}

size_t WatchHandler::activeWatches() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

void WatchHandler::serve(const http::Request& request, const RequestInfo& info,
                         api::ResourceInfoPtr resource, const http::ResponderPtr& responder) {
  // A watch of one object (/pods/name?watch or fieldSelector=metadata.name=x) is a filter.
  auto selection = std::make_shared<WatchSelection>(store_.registry().storageOf(*resource),
                                                    request.param("labelSelector"),
                                                    request.param("fieldSelector"), info.name);
  EncodeOptions encode;
  encode.negotiated = negotiate(request.accept, false);
  encode.includeObject = request.param("includeObject");
  std::string rvText = request.param("resourceVersion");
  WatchStart start =
      resolveWatchStart(store_.cache(), rvText, truthy(request.param("sendInitialEvents")));

  auto active = std::make_shared<Active>();
  active->resource = resource;
  std::string prefix = store_.prefix(*resource, info.namespace_);
  active->bookmarks = truthy(request.param("allowWatchBookmarks")) && store_.cache().cached(prefix);
  int64_t timeout = 0;
  std::string timeoutText = request.param("timeoutSeconds");
  if (!timeoutText.empty()) {
    try {
      timeout = std::stoll(timeoutText);
    } catch (const std::exception&) {
      throw ApiError::badRequest("timeoutSeconds: invalid value \"" + timeoutText + "\"");
    }
  }
  if (timeout <= 0) {
    // Kubernetes spreads unspecified watch timeouts over 30-60 minutes.
    thread_local std::mt19937 rng{std::random_device{}()};
    timeout = 1800 + std::uniform_int_distribution<int>(0, 1800)(rng);
  }
  active->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);

  std::string contentType = encode.negotiated.representation == Representation::Object
                                ? "application/json"
                                : contentTypeFor(encode.negotiated);
  active->stream = responder->startStream(200, contentType);

  ResourceStore& store = store_;
  auto headersSent = std::make_shared<bool>(false);
  std::string memoKey = resource->apiVersion() + "|" + contentType + "|" + encode.includeObject;
  http::StreamPtr stream = active->stream;
  WatchCache::Sink sink = [=, &store](const CachedEvent& event) mutable {
    if (stream->closed()) return false;
    const char* type = selection->eventType(event);
    if (!type) return true;
    // Events are shared by every watcher; encodings are memoised per representation.
    bool tableHeaders = encode.negotiated.representation == Representation::Table && !*headersSent;
    std::string key = memoKey + "|" + type + (tableHeaders ? "|h" : "");
    auto it = event.encoded.find(key);
    if (it == event.encoded.end()) {
      encode.now = store.clock()->now();
      bj::object obj = store.toVersion(*resource, *event.object);
      it =
          event.encoded
              .emplace(key, eventLine(type, watchEventObject(*resource, obj, encode, tableHeaders)))
              .first;
    }
    *headersSent = true;
    return stream->write(it->second);
  };

  uint64_t id;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      active->stream->close();
      return;
    }
    id = nextId_++;
    active->id = id;
    active_[id] = active;
  }
  try {
    auto watch = store_.cache().watch(prefix, start.fromRevision, start.initialState, sink);
    std::lock_guard lock(active->mutex);
    active->watch = std::move(watch);
  } catch (const ApiError& e) {
    // The stream has started: errors travel as an ERROR event, as Kubernetes sends them.
    active->stream->write(eventLine("ERROR", e.toStatus()));
    active->stream->close();
  }
  active->stream->onClosed([this, id] { forget(id); });
  changed_.notify_all();
}

void WatchHandler::forget(uint64_t id) {
  std::shared_ptr<Active> a;
  {
    std::lock_guard lock(mutex_);
    auto it = active_.find(id);
    if (it == active_.end()) return;
    a = it->second;
    active_.erase(it);
  }
  std::lock_guard lock(a->mutex);
  a->watch.reset();
}

void WatchHandler::janitorLoop() {
  auto nextBookmark = std::chrono::steady_clock::now() + bookmarkInterval_;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_) return;
    auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<Active>> expired, bookmarked;
    for (auto& [id, a] : active_) {
      if (now >= a->deadline) {
        expired.push_back(a);
      } else if (a->bookmarks && now >= nextBookmark) {
        bookmarked.push_back(a);
      }
    }
    if (now >= nextBookmark) nextBookmark = now + bookmarkInterval_;
    lock.unlock();
    for (auto& a : expired) a->stream->close();
    if (!bookmarked.empty()) {
      store_.cache().withDeliveredRevision([&](Revision revision) {
        for (auto& a : bookmarked) {
          a->stream->write(eventLine("BOOKMARK", bookmarkObject(*a->resource, revision)));
        }
      });
    }
    lock.lock();
  }
}

}  // namespace cube::apiserver
