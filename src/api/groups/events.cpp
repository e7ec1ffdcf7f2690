// events.k8s.io/v1: Event, a second view of core/v1 Event. Objects are stored once, as core/v1
// Event; storageGroup/storageVersion point there and the conversion maps the fields.
#include "api/groups/builtin_kind.h"
#include "api/kinds/events/events_strategies.h"

namespace cube::api {

void registerEventsV1(ResourceRegistry& registry) {
  ResourceInfo info = builtinResource("events.k8s.io", "v1", "io.k8s.api.events.v1.",
                                      {.kind = "Event",
                                       .plural = "events",
                                       .singular = "event",
                                       .shortNames = {"ev"},
                                       .strategy = kinds::events::eventStrategy});
  info.storageGroup = "";  // core
  info.storageVersion = "v1";
  info.conversion = kinds::events::eventConversion();
  registry.add(std::move(info));
}

}  // namespace cube::api
