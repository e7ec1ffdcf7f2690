#pragma once
// YAML request bodies (Content-Type application/yaml) decoded to JSON with YAML 1.2 core-schema
// scalar typing, as Kubernetes' sigs.k8s.io/yaml decoder does.

#include <boost/json/value.hpp>

#include <string_view>

namespace cube {

// Throws ApiError(400 BadRequest) on malformed YAML.
boost::json::value yamlToJson(std::string_view text);

}  // namespace cube
