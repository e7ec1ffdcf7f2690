#pragma once
// Kind behaviour of coordination.k8s.io/v1: Lease.

#include "api/resource.h"

namespace cube::api::kinds::coordination {

KindStrategy leaseStrategy();

}  // namespace cube::api::kinds::coordination
