#pragma once
// ResourceInfo: one served resource (a kind in one group/version) and the hooks that give it its
// behaviour. The generic REST storage in src/apiserver is driven by these entries alone; adding a
// kind means adding a schema type and one entry, never touching the HTTP layer.

#include "api/schema/type.h"
#include "common/api_error.h"

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cube::api {

// Per-kind behaviour. Every hook is optional.
struct KindStrategy {
  // Kind-specific defaulting after schema defaults (e.g. imagePullPolicy from the image tag).
  std::function<void(boost::json::object& obj)> applyDefaults;
  // Semantic validation (names, ports, enums that depend on other fields, ...). `old` is null on
  // create. Returns field causes; empty means valid.
  std::function<std::vector<StatusCause>(const boost::json::object& obj,
                                         const boost::json::object* old)>
      validate;
  // Canonicalises values in place (quantities, ...) before storing.
  std::function<void(boost::json::object& obj)> normalize;
};

// A served version of a kind that is not the storage version converts to and from it.
struct VersionConversion {
  std::function<void(boost::json::object& obj)> toStorage;
  std::function<void(boost::json::object& obj)> fromStorage;
};

struct ResourceInfo {
  std::string group;  // "" = core
  std::string version;
  std::string kind;
  std::string listKind;  // e.g. PodList
  std::string plural;    // e.g. pods
  std::string singular;  // e.g. pod
  bool namespaced = true;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;  // e.g. "all"
  std::vector<std::string> verbs;       // create delete deletecollection get list patch update watch
  // Subresources served: "status", "scale", "binding", "log", "exec", "attach", "portforward",
  // "finalize", "eviction", ...
  std::vector<std::string> subresources;
  std::string typeName;        // schema definition name of the object type
  std::string storageVersion;  // version objects are stored in (== version for the storage one)
  // Set when another group's kind is the storage (events.k8s.io/v1 Event is stored as core/v1
  // Event): the storage entry is (storageGroup, storageVersion, storageKind or kind).
  std::optional<std::string> storageGroup;
  std::string storageKind;
  bool preferred = true;       // the group's preferred version serves this kind
  VersionConversion conversion;  // set when version != storageVersion
  KindStrategy strategy;

  GroupVersionKind gvk() const { return {group, version, kind}; }
  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  bool hasSubresource(const std::string& name) const;
  // "pods" or "deployments.apps": how errors name the resource.
  std::string qualifiedPlural() const;
};

using ResourceInfoPtr = std::shared_ptr<const ResourceInfo>;

}  // namespace cube::api
