#pragma once
// events.k8s.io/v1 Event: validation of the events.k8s.io view and the field mapping to and from
// core/v1 Event, which is its storage.
//
// How storage is found: the registry entry of events.k8s.io/v1 Event sets
// storageGroup = "" (core), storageVersion = "v1" (and storageKind empty = same kind "Event"), so
// ResourceRegistry::storageOf() returns the core/v1 Event entry. The apiserver must:
//  - on write: run this entry's defaulting/validation on the events.k8s.io object, then
//    conversion.toStorage (events.k8s.io/v1 -> core/v1 shape), then store under the core/v1 Event
//    entry's key prefix (so both APIs list and watch the same objects);
//  - on read/watch through events.k8s.io/v1: read the core/v1 object and apply
//    conversion.fromStorage.

#include "api/resource.h"

namespace cube::api::kinds::events {

KindStrategy eventStrategy();
VersionConversion eventConversion();

// The conversions themselves (also used by tests).
void eventsV1ToCoreV1(boost::json::object& obj);
void coreV1ToEventsV1(boost::json::object& obj);

}  // namespace cube::api::kinds::events
