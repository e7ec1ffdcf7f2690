#pragma once
// Component schemas of one OpenAPI v3 document (internal to openapi.cpp): collects every object
// type reachable from the document's kinds and renders each as a JSON schema the way Kubernetes
// does (allOf-wrapped $refs when a property has its own description or default, list and patch
// extensions on the property, shared Quantity / IntOrString / Time definitions).

#include "api/schema/type.h"
#include "api/schema/type_registry.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <set>
#include <string>

namespace cube::api {

class OpenApiSchemas {
 public:
  static constexpr std::string_view kRefPrefix = "#/components/schemas/";
  static constexpr std::string_view kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";

  explicit OpenApiSchemas(const TypeRegistry& types) : types_(types) {}

  // Adds `type` (and everything it reaches) under its own name.
  void addType(const Type& type);
  // Adds a top-level kind under `name` (its own name or a GV-specific one) and records `gvk` in
  // its x-kubernetes-group-version-kind.
  void addKind(const Type& type, const std::string& name, const GroupVersionKind& gvk);
  // Adds a list kind: the registry's type when there is one, else a synthesised
  // {apiVersion, kind, metadata: ListMeta, items: []ITEM}.
  void addList(const Type* listType, const std::string& name, const std::string& itemName,
               const std::string& itemKind, const GroupVersionKind& gvk);
  // Adds a free-form object definition (a kind without a schema type, Patch when not declared).
  void addOpaque(const std::string& name, const std::string& description,
                 const GroupVersionKind* gvk);

  bool has(const std::string& name) const { return schemas_.count(name) > 0; }

  // {"NAME": schema, ...}, sorted by name.
  boost::json::object render() const;

 private:
  boost::json::object objectSchema(const Type& type);
  // The schema of a value of `type` (a property, array item or map value).
  boost::json::object valueSchema(const Type& type);
  boost::json::object propertySchema(const Field& field);
  void addGvk(const std::string& name, const GroupVersionKind& gvk);

  const TypeRegistry& types_;
  std::map<std::string, boost::json::object> schemas_;
  std::map<std::string, boost::json::array> gvks_;
  std::set<const Type*> visited_;
};

}  // namespace cube::api
