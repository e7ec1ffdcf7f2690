#pragma once
// WatchSelection: what one watcher sees of the watch cache's events, shared by the HTTP watch
// handler and the in-process client. An event is shown when its object is selected now or was
// before: one that starts matching the selectors is ADDED, one that stops matching is DELETED,
// as kube-apiserver's watch does. Also where a watch starts (resourceVersion rules).

#include "api/resource.h"
#include "apiserver/rest/object_filter.h"
#include "apiserver/watch_cache.h"

#include <memory>
#include <string>

namespace cube::apiserver {

class WatchSelection {
 public:
  // `storage`: the resource's storage info (its selectable fields); `onlyName` restricts the
  // watch to one object (a watch of /pods/NAME). Throws ApiError(400) for bad selectors.
  WatchSelection(api::ResourceInfoPtr storage, const std::string& labelSelector,
                 const std::string& fieldSelector, std::string onlyName = "");

  bool matches(const ObjectPtr& obj) const;
  // "ADDED", "MODIFIED" or "DELETED" as this watcher sees `event`; nullptr when it sees nothing.
  const char* eventType(const CachedEvent& event) const;

 private:
  api::ResourceInfoPtr storage_;
  std::shared_ptr<const ObjectFilter> filter_;
  std::string onlyName_;
};

struct WatchStart {
  Revision fromRevision = 0;
  bool initialState = false;  // every current object first, as ADDED
};

// Where a watch with `resourceVersion` (and sendInitialEvents) starts: "" and "0" send the
// current state first; a revision replays what followed it. A revision the cache has not reached
// is waited for briefly, then refused with Kubernetes' "Too large resource version" (504).
WatchStart resolveWatchStart(WatchCache& cache, const std::string& resourceVersion,
                             bool sendInitialEvents);

// The object of a BOOKMARK event: the kind and a resourceVersion, nothing else.
boost::json::object bookmarkObject(const api::ResourceInfo& resource, Revision revision);

}  // namespace cube::apiserver
