#pragma once
// Discovery documents, all generated from the ResourceRegistry: the legacy ones (/api,
// /api/v1, /apis, /apis/<group>, /apis/<group>/<version>) and aggregated discovery
// (apidiscovery.k8s.io v2 and v2beta1 APIGroupDiscoveryList) that kubectl 1.32 asks for first.

#include "api/resource_registry.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace cube::apiserver {

boost::json::object apiVersionsDocument(const std::string& serverAddress);        // /api
boost::json::object apiGroupListDocument(const api::ResourceRegistry& registry);  // /apis
std::optional<boost::json::object> apiGroupDocument(const api::ResourceRegistry& registry,
                                                    const std::string& group);  // /apis/<g>
std::optional<boost::json::object> apiResourceListDocument(const api::ResourceRegistry& registry,
                                                           const std::string& group,
                                                           const std::string& version);
// Aggregated discovery: `legacy` true for /api (the core group), false for /apis.
boost::json::object aggregatedDiscoveryDocument(const api::ResourceRegistry& registry, bool legacy,
                                                const std::string& discoveryVersion);

}  // namespace cube::apiserver
