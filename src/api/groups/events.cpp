// events.k8s.io/v1: Event, a second view of core/v1 Event. Objects are stored once, as core/v1
// Event; storageGroup/storageVersion point there and the conversion maps the fields.
#include "api/kinds/events/events_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerEventsV1(ResourceRegistry& registry) {
  ResourceInfo info;
  info.group = "events.k8s.io";
  info.version = "v1";
  info.kind = "Event";
  info.listKind = "EventList";
  info.plural = "events";
  info.singular = "event";
  info.shortNames = {"ev"};
  info.verbs = standardVerbs();
  info.typeName = "io.k8s.api.events.v1.Event";
  info.storageGroup = "";  // core
  info.storageVersion = "v1";
  info.conversion = kinds::events::eventConversion();
  info.strategy = kinds::events::eventStrategy();
  registry.add(std::move(info));
}

}  // namespace cube::api
