#pragma once
// ResourceRegistry: every served resource (group, version, plural) and the schema types behind
// them. Built once at start-up from the per-group registration functions in src/api/groups/;
// entries may be added later at run time (CustomResourceDefinitions).

#include "api/resource.h"
#include "api/schema/type_registry.h"

#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cube::api {

struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;  // preferred first
};

class ResourceRegistry {
 public:
  explicit ResourceRegistry(const TypeRegistry& types);

  const TypeRegistry& types() const { return types_; }

  // Adds a resource; throws std::logic_error if (group, version, plural) is already served or its
  // typeName is unknown to the type registry.
  void add(ResourceInfo info);

  ResourceInfoPtr find(std::string_view group, std::string_view version,
                       std::string_view plural) const;
  ResourceInfoPtr findKind(std::string_view group, std::string_view version,
                           std::string_view kind) const;
  // The storage-version entry of the same kind (itself when it is the storage version).
  ResourceInfoPtr storageOf(const ResourceInfo& info) const;
  // Every served version of a storage kind, for example ReplicaSet in apps/v1 and apps/v1beta2.
  std::vector<ResourceInfoPtr> versionsOf(std::string_view group, std::string_view kind) const;

  std::vector<ResourceInfoPtr> all() const;
  std::vector<ResourceInfoPtr> inGroupVersion(std::string_view group,
                                              std::string_view version) const;
  // Groups in discovery order (core first), each with its versions, preferred first.
  std::vector<GroupVersions> groups() const;

  // The registry with every built-in group registered (src/api/groups/*.cpp).
  static ResourceRegistry& builtin();

 private:
  const TypeRegistry& types_;
  mutable std::shared_mutex mutex_;  // guards everything below
  std::vector<ResourceInfoPtr> resources_;  // in registration order
  std::vector<GroupVersions> groups_;
};

// Per-group registration, one function per file in src/api/groups/.
void registerCoreV1(ResourceRegistry& registry);
void registerAppsGroup(ResourceRegistry& registry);       // apps/v1, apps/v1beta2
void registerBatchV1(ResourceRegistry& registry);
void registerNetworkingV1(ResourceRegistry& registry);
void registerDiscoveryV1(ResourceRegistry& registry);
void registerStorageV1(ResourceRegistry& registry);
void registerCoordinationV1(ResourceRegistry& registry);
void registerEventsV1(ResourceRegistry& registry);
void registerRbacV1(ResourceRegistry& registry);
void registerAutoscalingV1(ResourceRegistry& registry);   // Scale type only; no resources

// Verbs of an ordinary resource: create delete deletecollection get list patch update watch.
std::vector<std::string> standardVerbs();

}  // namespace cube::api
