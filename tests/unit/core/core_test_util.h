#pragma once
// Helpers for the core/v1 kind tests: run an object through what the API server does on a write
// (schema defaults, kind defaults, normalisation, validation) and match causes.

#include "api/kinds/core/core_strategies.h"
#include "api/schema/schema_defaults.h"
#include "api/schema/type_registry.h"
#include "common/api_error.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace cube::api::coretest {

inline boost::json::object obj(const std::string& text) {
  return boost::json::parse(text).as_object();
}

// "field: message [reason]" lines, for assertion messages.
inline std::string describe(const std::vector<StatusCause>& causes) {
  std::string s;
  for (const auto& c : causes) s += c.field + ": " + c.message + " [" + c.reason + "]\n";
  return s;
}

inline bool hasCause(const std::vector<StatusCause>& causes, const std::string& field,
                     const std::string& message) {
  for (const auto& c : causes)
    if (c.field == field && c.message == message) return true;
  return false;
}

inline bool hasField(const std::vector<StatusCause>& causes, const std::string& field) {
  for (const auto& c : causes)
    if (c.field == field) return true;
  return false;
}

// Schema defaults of io.k8s.api.core.v1.<kind>, then the strategy's defaults and normalisation.
inline void prepare(const KindStrategy& s, const std::string& kind, boost::json::object& o) {
  const Type* t = TypeRegistry::builtin().find("io.k8s.api.core.v1." + kind);
  if (t) {
    boost::json::value v = o;
    applySchemaDefaults(*t, v);
    o = v.as_object();
  }
  if (s.applyDefaults) s.applyDefaults(o);
  if (s.normalize) s.normalize(o);
}

inline std::vector<StatusCause> createCauses(const KindStrategy& s, const std::string& kind,
                                             boost::json::object& o) {
  prepare(s, kind, o);
  return s.validate ? s.validate(o, nullptr) : std::vector<StatusCause>{};
}

}  // namespace cube::api::coretest
