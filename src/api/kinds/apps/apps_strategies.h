#pragma once
// Kind behaviour of the apps group: defaulting and semantic validation of apps/v1 kinds, and the
// conversion between apps/v1beta2 (served for old manifests) and the apps/v1 storage version.

#include "api/resource.h"

namespace cube::api::kinds::apps {

KindStrategy deploymentStrategy();
KindStrategy replicaSetStrategy();
KindStrategy daemonSetStrategy();
KindStrategy statefulSetStrategy();
KindStrategy controllerRevisionStrategy();

// apps/v1beta2 <-> apps/v1. The two versions have the same fields for every kind cube serves;
// only apiVersion differs (see v1beta2_conversion.cpp for the skipped differences).
VersionConversion v1beta2Conversion();

}  // namespace cube::api::kinds::apps
