// storage.k8s.io/v1: StorageClass.
#include "api/kinds/storage/storage_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerStorageV1(ResourceRegistry& registry) {
  ResourceInfo info;
  info.group = "storage.k8s.io";
  info.version = "v1";
  info.kind = "StorageClass";
  info.listKind = "StorageClassList";
  info.plural = "storageclasses";
  info.singular = "storageclass";
  info.namespaced = false;
  info.shortNames = {"sc"};
  info.verbs = standardVerbs();
  info.typeName = "io.k8s.api.storage.v1.StorageClass";
  info.strategy = kinds::storage::storageClassStrategy();
  registry.add(std::move(info));
}

}  // namespace cube::api
