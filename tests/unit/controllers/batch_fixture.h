#pragma once
// Shared pieces of the Job, TTL-after-finished and CronJob controller tests: a FakeApiClient as
// the API, MemoryCaches filled from it (what an informer would show), a fake clock, and a
// recorder that keeps every event.

#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/object_cache.h"

#include <functional>
#include <map>

namespace cube::controllers::testing {

namespace bj = boost::json;

inline const client::Resource kPodsRes{"", "v1", "pods", true};
inline const client::Resource kJobsRes{"batch", "v1", "jobs", true};
inline const client::Resource kCronJobsRes{"batch", "v1", "cronjobs", true};

// Copies `resource` from the fake into `cache` and reports each difference like an informer.
struct CacheSync {
  std::function<void(const ObjectPtr&)> onAdd;
  std::function<void(const ObjectPtr&, const ObjectPtr&)> onUpdate;
  std::function<void(const ObjectPtr&)> onDelete;

  void operator()(client::ApiClient& api, const client::Resource& resource,
                  MemoryCache& cache) const {
    std::map<std::string, ObjectPtr> before;
    for (const auto& o : cache.list()) before[client::Informer::keyOf(*o)] = o;
    cache.clear();
    for (const auto& item : itemsOf(api.list(resource, ""))) {
      cache.put(item);
      std::string key = client::Informer::keyOf(item);
      ObjectPtr now = cache.get(key);
      auto it = before.find(key);
      if (it == before.end()) {
        if (onAdd) onAdd(now);
      } else {
        if (onUpdate) onUpdate(it->second, now);
        before.erase(it);
      }
    }
    for (const auto& [key, gone] : before)
      if (onDelete) onDelete(gone);
  }
};

inline int64_t statusInt(const bj::object& obj, const char* field) {
  const auto* status = json::getObject(obj, "status");
  return status ? json::getInt(*status, field) : 0;
}

inline std::string conditionReason(const bj::object& obj, const std::string& type) {
  const auto* status = json::getObject(obj, "status");
  const auto* conds = status ? json::getArray(*status, "conditions") : nullptr;
  if (!conds) return "";
  for (const auto& c : *conds)
    if (json::getString(c.as_object(), "type") == type &&
        json::getString(c.as_object(), "status") == "True")
      return json::getString(c.as_object(), "reason");
  return "";
}

}  // namespace cube::controllers::testing
