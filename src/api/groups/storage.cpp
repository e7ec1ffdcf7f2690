// storage.k8s.io/v1: StorageClass.
#include "api/groups/builtin_kind.h"
#include "api/kinds/storage/storage_strategies.h"

namespace cube::api {

void registerStorageV1(ResourceRegistry& registry) {
  registry.add(builtinResource("storage.k8s.io", "v1", "io.k8s.api.storage.v1.",
                               {.kind = "StorageClass",
                                .plural = "storageclasses",
                                .singular = "storageclass",
                                .namespaced = false,
                                .shortNames = {"sc"},
                                .strategy = kinds::storage::storageClassStrategy}));
}

}  // namespace cube::api
