// discovery.k8s.io/v1: EndpointSlice.
#include "api/groups/builtin_kind.h"
#include "api/kinds/discovery/discovery_strategies.h"

namespace cube::api {

void registerDiscoveryV1(ResourceRegistry& registry) {
  registry.add(builtinResource("discovery.k8s.io", "v1", "io.k8s.api.discovery.v1.",
                               {.kind = "EndpointSlice",
                                .plural = "endpointslices",
                                .singular = "endpointslice",
                                .strategy = kinds::discovery::endpointSliceStrategy}));
}

}  // namespace cube::api
