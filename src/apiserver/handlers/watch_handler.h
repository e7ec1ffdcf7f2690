#pragma once
// WatchHandler: serves `?watch=true` as a chunked stream of WatchEvents from the watch cache,
// with label/field selector transitions (an object that starts matching is ADDED, one that stops
// is DELETED), version conversion, Table encoding, bookmarks and timeouts. Slow clients are cut
// off by the stream's bound, never buffered without limit.

#include "api/resource.h"
#include "apiserver/request_info.h"
#include "apiserver/rest/resource_store.h"
#include "http/http_types.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace cube::apiserver {

class WatchHandler {
 public:
  // Bookmarks go to watches that allow them every `bookmarkInterval`.
  WatchHandler(ResourceStore& store,
               std::chrono::seconds bookmarkInterval = std::chrono::seconds(30));
  ~WatchHandler();

  // Ends every watch and stops the bookmark/timeout thread. Must run while the HTTP server still
  // runs (closing a stream posts to its connection); idempotent.
  void shutdown();

  void serve(const http::Request& request, const RequestInfo& info, api::ResourceInfoPtr resource,
             const http::ResponderPtr& responder);

  size_t activeWatches() const;

 private:
  struct Active;
  void janitorLoop();
  void forget(uint64_t id);

  ResourceStore& store_;
  std::chrono::seconds bookmarkInterval_;
  mutable std::mutex mutex_;  // guards active_, nextId_, stopping_
  std::condition_variable changed_;
  std::map<uint64_t, std::shared_ptr<Active>> active_;
  uint64_t nextId_ = 1;
  bool stopping_ = false;
  std::thread janitor_;
};

}  // namespace cube::apiserver
