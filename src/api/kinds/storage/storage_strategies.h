#pragma once
// Kind behaviour of storage.k8s.io/v1: StorageClass.

#include "api/resource.h"

namespace cube::api::kinds::storage {

KindStrategy storageClassStrategy();

}  // namespace cube::api::kinds::storage
