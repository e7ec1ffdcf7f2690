#include "apiserver/controllers/event_ttl.h"

#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"
#include "common/log.h"

#include <optional>

namespace cube::apiserver {

namespace {

// When the Event was last written: the latest of the times the writers set (core/v1 and
// events.k8s.io/v1 spellings), else its creation.
std::optional<TimePoint> lastWritten(const boost::json::object& event) {
  std::optional<TimePoint> latest =
      parseRfc3339(json::getString(metadataOf(event), "creationTimestamp"));
  auto consider = [&](const std::string& text) {
    auto t = parseRfc3339(text);
    if (t && (!latest || *t > *latest)) latest = t;
  };
  consider(json::getString(event, "lastTimestamp"));
  consider(json::getString(event, "eventTime"));
  if (const auto* series = json::getObject(event, "series")) {
    consider(json::getString(*series, "lastObservedTime"));
  }
  return latest;
}

}  // namespace

EventTtl::EventTtl(ResourceStore& store, std::chrono::seconds ttl) : store_(store), ttl_(ttl) {}

size_t EventTtl::reconcileAll() {
  auto events = store_.registry().find("", "v1", "events");
  const TimePoint cutoff = store_.clock()->now() - ttl_;
  std::vector<std::pair<std::string, std::string>> expired;
  store_.cache().list(store_.prefix(*events, ""), "",
                      [&](const std::string&, const ObjectPtr& event) {
                        auto written = lastWritten(*event);
                        if (written && *written < cutoff) {
                          expired.emplace_back(namespaceOf(*event), nameOf(*event));
                        }
                        return true;
                      });
  size_t deleted = 0;
  for (const auto& [ns, name] : expired) {
    try {
      store_.remove(*events, ns, name, DeleteOptions{});
      ++deleted;
    } catch (const ApiError& e) {
      if (e.code() != 404) CUBE_LOG(Warn) << "event " << ns << "/" << name << ": " << e.message();
    }
  }
  if (deleted > 0) CUBE_LOG(Debug) << "event TTL: deleted " << deleted << " expired events";
  return deleted;
}

}  // namespace cube::apiserver
