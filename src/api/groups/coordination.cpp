// coordination.k8s.io/v1: Lease.
#include "api/kinds/coordination/coordination_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerCoordinationV1(ResourceRegistry& registry) {
  ResourceInfo info;
  info.group = "coordination.k8s.io";
  info.version = "v1";
  info.kind = "Lease";
  info.listKind = "LeaseList";
  info.plural = "leases";
  info.singular = "lease";
  info.verbs = standardVerbs();
  info.typeName = "io.k8s.api.coordination.v1.Lease";
  info.strategy = kinds::coordination::leaseStrategy();
  registry.add(std::move(info));
}

}  // namespace cube::api
