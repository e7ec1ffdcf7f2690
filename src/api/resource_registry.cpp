#include "api/resource_registry.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace cube::api {

bool ResourceInfo::hasSubresource(const std::string& name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

std::string ResourceInfo::qualifiedPlural() const {
  return group.empty() ? plural : plural + "." + group;
}

std::vector<std::string> standardVerbs() {
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

ResourceRegistry::ResourceRegistry(const TypeRegistry& types) : types_(types) {}

void ResourceRegistry::add(ResourceInfo info) {
  if (!info.typeName.empty() && types_.find(info.typeName) == nullptr) {
    throw std::logic_error("resource " + info.plural + ": unknown schema type " + info.typeName);
  }
  if (info.storageVersion.empty()) info.storageVersion = info.version;
  if (info.listKind.empty()) info.listKind = info.kind + "List";
  std::unique_lock lock(mutex_);
  for (const auto& r : resources_) {
    if (r->group == info.group && r->version == info.version && r->plural == info.plural) {
      throw std::logic_error("resource " + info.qualifiedPlural() + "/" + info.version +
                             " registered twice");
    }
  }
  auto groupIt = std::find_if(groups_.begin(), groups_.end(),
                              [&](const GroupVersions& g) { return g.group == info.group; });
  if (groupIt == groups_.end()) {
    groups_.push_back({info.group, {}});
    groupIt = groups_.end() - 1;
  }
  auto& versions = groupIt->versions;
  if (std::find(versions.begin(), versions.end(), info.version) == versions.end()) {
    if (info.preferred) {
      versions.insert(versions.begin(), info.version);
    } else {
      versions.push_back(info.version);
    }
  }
  resources_.push_back(std::make_shared<const ResourceInfo>(std::move(info)));
}

ResourceInfoPtr ResourceRegistry::find(std::string_view group, std::string_view version,
                                       std::string_view plural) const {
  std::shared_lock lock(mutex_);
  for (const auto& r : resources_) {
    if (r->group == group && r->version == version && r->plural == plural) return r;
  }
  return nullptr;
}

ResourceInfoPtr ResourceRegistry::findKind(std::string_view group, std::string_view version,
                                           std::string_view kind) const {
  std::shared_lock lock(mutex_);
  for (const auto& r : resources_) {
    if (r->group == group && r->version == version && r->kind == kind) return r;
  }
  return nullptr;
}

ResourceInfoPtr ResourceRegistry::storageOf(const ResourceInfo& info) const {
  const std::string& storageGroup = info.storageGroup ? *info.storageGroup : info.group;
  const std::string& storageKind = info.storageKind.empty() ? info.kind : info.storageKind;
  return findKind(storageGroup, info.storageVersion, storageKind);
}

std::vector<ResourceInfoPtr> ResourceRegistry::versionsOf(std::string_view group,
                                                          std::string_view kind) const {
  std::shared_lock lock(mutex_);
  std::vector<ResourceInfoPtr> out;
  for (const auto& r : resources_) {
    if (r->group == group && r->kind == kind) out.push_back(r);
  }
  return out;
}

std::vector<ResourceInfoPtr> ResourceRegistry::all() const {
  std::shared_lock lock(mutex_);
  return resources_;
}

std::vector<ResourceInfoPtr> ResourceRegistry::inGroupVersion(std::string_view group,
                                                              std::string_view version) const {
  std::shared_lock lock(mutex_);
  std::vector<ResourceInfoPtr> out;
  for (const auto& r : resources_) {
    if (r->group == group && r->version == version) out.push_back(r);
  }
  return out;
}

std::vector<GroupVersions> ResourceRegistry::groups() const {
  std::shared_lock lock(mutex_);
  return groups_;
}

ResourceRegistry& ResourceRegistry::builtin() {
  static ResourceRegistry* registry = [] {
    auto* r = new ResourceRegistry(TypeRegistry::builtin());
    registerCoreV1(*r);
    registerAutoscalingV1(*r);
    registerAppsGroup(*r);
    registerBatchV1(*r);
    registerNetworkingV1(*r);
    registerDiscoveryV1(*r);
    registerStorageV1(*r);
    registerCoordinationV1(*r);
    registerEventsV1(*r);
    registerRbacV1(*r);
    return r;
  }();
  return *registry;
}

}  // namespace cube::api
