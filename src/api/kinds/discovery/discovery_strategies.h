#pragma once
// Kind behaviour of discovery.k8s.io/v1: EndpointSlice.

#include "api/resource.h"

namespace cube::api::kinds::discovery {

KindStrategy endpointSliceStrategy();

}  // namespace cube::api::kinds::discovery
