#pragma once
// Kind behaviour of networking.k8s.io/v1: Ingress, IngressClass, NetworkPolicy.

#include "api/resource.h"

namespace cube::api::kinds::networking {

KindStrategy ingressStrategy();
KindStrategy ingressClassStrategy();
KindStrategy networkPolicyStrategy();

}  // namespace cube::api::kinds::networking
