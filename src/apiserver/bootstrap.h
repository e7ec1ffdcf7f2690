#pragma once
// Objects every cluster has from its first start: the namespaces default, kube-system,
// kube-public and kube-node-lease, and the `kubernetes` Service (first IP of the service range)
// with Endpoints and an EndpointSlice pointing at the API server.

#include "apiserver/rest/resource_store.h"

#include <string>

namespace cube::apiserver {

void ensureBootstrapObjects(ResourceStore& store, const std::string& serviceIp,
                            const std::string& apiServerIp, uint16_t apiServerPort);

}  // namespace cube::apiserver
