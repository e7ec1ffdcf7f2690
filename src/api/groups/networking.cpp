// networking.k8s.io/v1: Ingress, IngressClass, NetworkPolicy.
#include "api/groups/builtin_kind.h"
#include "api/kinds/networking/networking_strategies.h"

namespace cube::api {

void registerNetworkingV1(ResourceRegistry& registry) {
  namespace k = kinds::networking;
  const BuiltinKind kinds[] = {
      {.kind = "Ingress",
       .plural = "ingresses",
       .singular = "ingress",
       .shortNames = {"ing"},
       .subresources = {"status"},
       .strategy = k::ingressStrategy},
      {.kind = "IngressClass",
       .plural = "ingressclasses",
       .singular = "ingressclass",
       .namespaced = false,
       .strategy = k::ingressClassStrategy},
      {.kind = "NetworkPolicy",
       .plural = "networkpolicies",
       .singular = "networkpolicy",
       .shortNames = {"netpol"},
       .strategy = k::networkPolicyStrategy},
  };
  for (const auto& kind : kinds)
    registry.add(builtinResource("networking.k8s.io", "v1", "io.k8s.api.networking.v1.", kind));
}

}  // namespace cube::api
