#pragma once
// TypeRegistry owns every schema Type, parsed from the schema DSL (docs/dev/schema-dsl.md).
// Types can be added at run time (CustomResourceDefinitions later), so lookups are by name.

#include "api/schema/type.h"

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cube::api {

// A malformed schema file: the message names file, line and problem.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TypeRegistry {
 public:
  TypeRegistry();
  ~TypeRegistry();
  TypeRegistry(const TypeRegistry&) = delete;
  TypeRegistry& operator=(const TypeRegistry&) = delete;

  // Parses one DSL file's text and adds its types. References to types not yet defined are
  // allowed until resolve(). Throws SchemaError.
  void load(std::string_view fileName, std::string_view text);
  // Checks that every referenced type name is defined (and that default= literals fit their
  // field types); throws SchemaError naming the first unresolved reference. Call it after the
  // last load() of a batch; types found before resolve() may still hold unresolved fields.
  void resolve();

  // A named Object type, or null. `name` is fully qualified (io.k8s.api.core.v1.Pod).
  const Type* find(std::string_view name) const;
  // Every named Object type, ordered by name.
  std::vector<const Type*> all() const;

  // The shared Type of a scalar kind (String, Integer int64, ...).
  const Type* primitive(TypeKind kind, std::string_view format = "") const;

  // Every type of the embedded schema files, parsed and resolved once.
  static const TypeRegistry& builtin();

 private:
  // Owned types (stable addresses), pending references; see type_registry.cpp.
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cube::api
