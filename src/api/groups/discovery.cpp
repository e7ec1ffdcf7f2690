// discovery.k8s.io/v1: EndpointSlice.
#include "api/kinds/discovery/discovery_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerDiscoveryV1(ResourceRegistry& registry) {
  ResourceInfo info;
  info.group = "discovery.k8s.io";
  info.version = "v1";
  info.kind = "EndpointSlice";
  info.listKind = "EndpointSliceList";
  info.plural = "endpointslices";
  info.singular = "endpointslice";
  info.verbs = standardVerbs();
  info.typeName = "io.k8s.api.discovery.v1.EndpointSlice";
  info.strategy = kinds::discovery::endpointSliceStrategy();
  registry.add(std::move(info));
}

}  // namespace cube::api
