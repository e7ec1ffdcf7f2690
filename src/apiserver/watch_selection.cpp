#include "apiserver/watch_selection.h"

#include "apiserver/rest/resource_store.h"
#include "apiserver/rest/selectable_fields.h"
#include "common/api_error.h"
#include "common/json_util.h"

namespace cube::apiserver {

WatchSelection::WatchSelection(api::ResourceInfoPtr storage, const std::string& labelSelector,
                               const std::string& fieldSelector, std::string onlyName)
    : storage_(std::move(storage)),
      filter_(std::make_shared<ObjectFilter>(labelSelector, fieldSelector,
                                             selectableFieldNames(*storage_))),
      onlyName_(std::move(onlyName)) {}

bool WatchSelection::matches(const ObjectPtr& obj) const {
  if (!obj) return false;
  if (!onlyName_.empty()) {
    const auto* meta = json::getObject(*obj, "metadata");
    if (!meta || json::getString(*meta, "name") != onlyName_) return false;
  }
  return filter_->empty() || filter_->matches(*obj, fieldsOf(*storage_, *obj));
}

const char* WatchSelection::eventType(const CachedEvent& event) const {
  bool now = matches(event.object);
  bool before = event.type != CachedEvent::Type::Added && matches(event.prevObject);
  switch (event.type) {
    case CachedEvent::Type::Added:
      return now ? "ADDED" : nullptr;
    case CachedEvent::Type::Modified:
      return now ? (before ? "MODIFIED" : "ADDED") : (before ? "DELETED" : nullptr);
    case CachedEvent::Type::Deleted:
      return now || before ? "DELETED" : nullptr;
  }
  return nullptr;
}

WatchStart resolveWatchStart(WatchCache& cache, const std::string& resourceVersion,
                             bool sendInitialEvents) {
  WatchStart start;
  start.fromRevision = parseResourceVersion(resourceVersion);
  start.initialState = resourceVersion.empty() || resourceVersion == "0" || sendInitialEvents;
  if (!start.initialState && start.fromRevision > cache.revision()) {
    if (!cache.waitFor(start.fromRevision, std::chrono::seconds(3))) {
      ApiError e = ApiError::timeout("Too large resource version: " + resourceVersion +
                                     ", current: " + std::to_string(cache.revision()));
      e.withCauses({{"ResourceVersionTooLarge", "Too large resource version", ""}});
      throw e;
    }
  }
  return start;
}

boost::json::object bookmarkObject(const api::ResourceInfo& resource, Revision revision) {
  return boost::json::object{
      {"kind", resource.kind},
      {"apiVersion", resource.apiVersion()},
      {"metadata", boost::json::object{{"resourceVersion", std::to_string(revision)}}}};
}

}  // namespace cube::apiserver
