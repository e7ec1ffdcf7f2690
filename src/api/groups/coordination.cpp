// coordination.k8s.io/v1: Lease.
#include "api/groups/builtin_kind.h"
#include "api/kinds/coordination/coordination_strategies.h"

namespace cube::api {

void registerCoordinationV1(ResourceRegistry& registry) {
  registry.add(builtinResource("coordination.k8s.io", "v1", "io.k8s.api.coordination.v1.",
                               {.kind = "Lease",
                                .plural = "leases",
                                .singular = "lease",
                                .strategy = kinds::coordination::leaseStrategy}));
}

}  // namespace cube::api
