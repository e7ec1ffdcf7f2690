#pragma once
// Applies a PATCH body of the given type to an object (in the requested version), using the one
// patch engine in src/json/patch with the kind's schema for strategic merge.

#include "api/resource.h"
#include "api/schema/type_registry.h"
#include "apiserver/rest/resource_store.h"

#include <boost/json/object.hpp>

#include <string>

namespace cube::apiserver {

// Throws ApiError (400 for a malformed patch, 422 for an inapplicable JSON patch).
boost::json::object applyPatch(const api::ResourceInfo& info, const api::TypeRegistry& types,
                               PatchType type, const boost::json::object& original,
                               const std::string& body);

}  // namespace cube::apiserver
