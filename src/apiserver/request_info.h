#pragma once
// RequestInfo: what an API path and method ask for, parsed as Kubernetes' RequestInfoFactory does
// (/api/v1/namespaces/ns/pods/name/status, /apis/apps/v1/deployments?watch=true, ...).

#include "http/http_types.h"

#include <string>

namespace cube::apiserver {

struct RequestInfo {
  bool isResourceRequest = false;
  std::string apiPrefix;  // "api" or "apis"
  std::string group;      // "" for core
  std::string version;
  std::string namespace_;  // "" when cluster-wide
  std::string resource;    // plural, e.g. "pods"
  std::string name;
  std::string subresource;
  // get list watch create update patch delete deletecollection connect
  std::string verb;
};

// Parses method + path + query. Non-resource paths (/version, /api, /apis/apps) come back with
// isResourceRequest false.
RequestInfo parseRequestInfo(const http::Request& request);

}  // namespace cube::apiserver
