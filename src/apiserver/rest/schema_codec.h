#pragma once
// Decoding an object against its schema type, as Kubernetes' strict/lenient JSON decoder does:
// type errors are 400, unknown fields are refused (Strict), warned about (Warn) or dropped
// silently (Ignore), and are never stored.

#include "api/resource.h"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace cube::apiserver {

void decodeAgainstSchema(const api::ResourceInfo& info, boost::json::object& obj,
                         const std::string& fieldValidation, std::vector<std::string>* warnings);

// Schema `default=` values and the kind's own defaulting hook.
void applyDefaults(const api::ResourceInfo& info, boost::json::object& obj);

// Schema-level required/enum errors and the kind's semantic validation; throws 422 Invalid.
void validateObject(const api::ResourceInfo& info, const boost::json::object& obj,
                    const boost::json::object* old);

}  // namespace cube::apiserver
