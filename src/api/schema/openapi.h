#pragma once
// OpenAPI v3 documents built from the schema table, in the shape the Kubernetes API server
// serves them: `/openapi/v3` lists one document per group-version, and each document holds the
// paths (operations with x-kubernetes-action / x-kubernetes-group-version-kind) and the
// component schemas of its kinds. kubectl reads them for `kubectl explain` and to learn that the
// server supports the `fieldValidation` query parameter (it looks for it on PATCH operations).

#include "api/resource_registry.h"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace cube::api {

// The `/openapi/v3` discovery document:
//   {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=HASH"}, ...}}
// with one entry per served group-version; HASH is openApiV3Hash() of that document, so a
// client may cache the URL's response for good. Builds every document (tens of milliseconds for
// the built-in registry): callers serving HTTP should cache the index and documents until the
// registry changes.
boost::json::object openApiV3Index(const ResourceRegistry& registry);

// The full document of one group-version (group "" is the core group): `openapi: 3.0.0`, `info`,
// `paths` and `components` (schemas of every object type reachable from its kinds, meta types,
// securitySchemes). An empty object when nothing is served in that group-version.
//
// A kind whose schema type lives in another version's package (apps/v1beta2 serving
// io.k8s.api.apps.v1.ReplicaSet) is presented under the document's own version:
// io.k8s.api.apps.v1beta2.ReplicaSet, with that group-version-kind; the types it refers to keep
// their names.
boost::json::object openApiV3Document(const ResourceRegistry& registry, std::string_view group,
                                      std::string_view version);

// A stable hex digest (128-bit FNV-1a, upper case) of the document's serialised content.
std::string openApiV3Hash(const boost::json::object& document);

// "api/v1" or "apis/apps/v1": the key of a group-version in the index and in its URL.
std::string openApiV3PathKey(std::string_view group, std::string_view version);

}  // namespace cube::api
