#pragma once
// EventTtl: Events expire a fixed time after they were last written, as kube-apiserver's
// --event-ttl (default 1h) does with etcd leases — without it every Event a cluster ever made
// stays in the store and in the watch cache. A repeat that bumps an Event's count and
// lastTimestamp keeps it alive, as a write renews the etcd lease.

#include "apiserver/rest/resource_store.h"

#include <chrono>

namespace cube::apiserver {

class EventTtl {
 public:
  EventTtl(ResourceStore& store, std::chrono::seconds ttl);
  // Deletes every Event last written more than the TTL ago. Returns how many it deleted.
  size_t reconcileAll();

 private:
  ResourceStore& store_;
  const std::chrono::seconds ttl_;
};

}  // namespace cube::apiserver
