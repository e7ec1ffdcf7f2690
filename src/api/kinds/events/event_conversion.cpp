// Field mapping between events.k8s.io/v1 Event and core/v1 Event (the storage version).
#include "api/kinds/events/events_strategies.h"

#include <array>
#include <utility>

namespace cube::api::kinds::events {

namespace json = boost::json;

namespace {

// events.k8s.io/v1 name -> core/v1 name. Fields with the same name in both (metadata, eventTime,
// series, action, reason, type, related, reportingInstance) are kept as they are.
constexpr std::array<std::pair<const char*, const char*>, 7> kRenames = {{
    {"note", "message"},
    {"regarding", "involvedObject"},
    {"reportingController", "reportingComponent"},
    {"deprecatedSource", "source"},
    {"deprecatedFirstTimestamp", "firstTimestamp"},
    {"deprecatedLastTimestamp", "lastTimestamp"},
    {"deprecatedCount", "count"},
}};

void rename(json::object& obj, const char* from, const char* to) {
  auto it = obj.find(from);
  if (it == obj.end()) return;
  json::value v = std::move(it->value());
  obj.erase(it);
  obj[to] = std::move(v);
}

}  // namespace

void eventsV1ToCoreV1(json::object& obj) {
  for (const auto& [from, to] : kRenames) rename(obj, from, to);
  obj["apiVersion"] = "v1";
  obj["kind"] = "Event";
}

void coreV1ToEventsV1(json::object& obj) {
  for (const auto& [to, from] : kRenames) rename(obj, from, to);
  // core/v1 writes count 0 and empty source for new-style events; the events API omits them.
  if (auto* c = obj.if_contains("deprecatedCount"); c && c->is_int64() && c->as_int64() == 0) {
    obj.erase("deprecatedCount");
  }
  if (auto* s = obj.if_contains("deprecatedSource");
      s && s->is_object() && s->as_object().empty()) {
    obj.erase("deprecatedSource");
  }
  obj["apiVersion"] = "events.k8s.io/v1";
  obj["kind"] = "Event";
}

VersionConversion eventConversion() {
  VersionConversion c;
  c.toStorage = eventsV1ToCoreV1;
  c.fromStorage = coreV1ToEventsV1;
  return c;
}

}  // namespace cube::api::kinds::events
