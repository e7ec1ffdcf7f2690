// networking.k8s.io/v1: Ingress, IngressClass, NetworkPolicy.
#include "api/kinds/networking/networking_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerNetworkingV1(ResourceRegistry& registry) {
  namespace k = kinds::networking;
  ResourceInfo ingress;
  ingress.group = "networking.k8s.io";
  ingress.version = "v1";
  ingress.kind = "Ingress";
  ingress.listKind = "IngressList";
  ingress.plural = "ingresses";
  ingress.singular = "ingress";
  ingress.shortNames = {"ing"};
  ingress.verbs = standardVerbs();
  ingress.subresources = {"status"};
  ingress.typeName = "io.k8s.api.networking.v1.Ingress";
  ingress.strategy = k::ingressStrategy();
  registry.add(std::move(ingress));

  ResourceInfo cls;
  cls.group = "networking.k8s.io";
  cls.version = "v1";
  cls.kind = "IngressClass";
  cls.listKind = "IngressClassList";
  cls.plural = "ingressclasses";
  cls.singular = "ingressclass";
  cls.namespaced = false;
  cls.verbs = standardVerbs();
  cls.typeName = "io.k8s.api.networking.v1.IngressClass";
  cls.strategy = k::ingressClassStrategy();
  registry.add(std::move(cls));

  ResourceInfo policy;
  policy.group = "networking.k8s.io";
  policy.version = "v1";
  policy.kind = "NetworkPolicy";
  policy.listKind = "NetworkPolicyList";
  policy.plural = "networkpolicies";
  policy.singular = "networkpolicy";
  policy.shortNames = {"netpol"};
  policy.verbs = standardVerbs();
  policy.typeName = "io.k8s.api.networking.v1.NetworkPolicy";
  policy.strategy = k::networkPolicyStrategy();
  registry.add(std::move(policy));
}

}  // namespace cube::api
