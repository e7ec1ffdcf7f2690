#pragma once
// Per-kind behaviour of the core/v1 resources: defaulting that depends on other fields,
// canonicalisation of quantities, and Kubernetes' semantic validation (exact field paths,
// reasons and messages). Registered by src/api/groups/core_v1.cpp.

#include "api/resource.h"

#include <boost/json/object.hpp>

namespace cube::api::kinds::core {

KindStrategy namespaceStrategy();
KindStrategy podStrategy();
KindStrategy podTemplateStrategy();
KindStrategy bindingStrategy();
KindStrategy replicationControllerStrategy();
KindStrategy serviceStrategy();
KindStrategy endpointsStrategy();
KindStrategy configMapStrategy();
KindStrategy secretStrategy();
KindStrategy serviceAccountStrategy();
KindStrategy eventStrategy();
KindStrategy nodeStrategy();
KindStrategy persistentVolumeStrategy();
KindStrategy persistentVolumeClaimStrategy();
KindStrategy resourceQuotaStrategy();
KindStrategy limitRangeStrategy();

// True while the object has never been stored (no metadata.resourceVersion yet): lets
// applyDefaults apply the create-only defaults Kubernetes sets in PrepareForCreate.
bool isUnstoredObject(const boost::json::object& obj);

// The pod's QoS class from its containers' cpu/memory requests and limits: Guaranteed,
// Burstable or BestEffort.
std::string podQosClass(const boost::json::object& podSpec);

}  // namespace cube::api::kinds::core
