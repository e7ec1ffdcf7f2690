#include "apiserver/request_info.h"

#include <vector>

namespace cube::apiserver {

namespace {
std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

bool truthy(const std::string& v) {
  return v == "true" || v == "1";
}
}  // namespace

RequestInfo parseRequestInfo(const http::Request& request) {
  RequestInfo info;
  auto parts = splitPath(request.path);
  size_t i = 0;
  if (parts.empty()) return info;
  if (parts[0] == "api") {
    info.apiPrefix = "api";
    if (parts.size() < 3) return info;  // /api, /api/v1 are discovery
    info.version = parts[1];
    i = 2;
  } else if (parts[0] == "apis") {
    info.apiPrefix = "apis";
    if (parts.size() < 4) return info;  // /apis, /apis/g, /apis/g/v are discovery
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;
  }
  info.isResourceRequest = true;

  const std::string& method = request.method;
  if (method == "POST") {
    info.verb = "create";
  } else if (method == "GET" || method == "HEAD") {
    info.verb = "get";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = "delete";
  } else {
    info.verb = "";
  }

  // /namespaces/{ns}/{resource}... ; /namespaces/{name} itself is the namespace resource.
  // /namespaces/{name}/status and /finalize are subresources of the namespace itself.
  bool namespaceSubresource = parts[i] == "namespaces" && parts.size() == i + 3 &&
                              (parts[i + 2] == "status" || parts[i + 2] == "finalize");
  if (parts[i] == "namespaces" && parts.size() > i + 2 && !namespaceSubresource) {
    info.namespace_ = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i];
  if (parts.size() > i + 1) info.name = parts[i + 1];
  if (parts.size() > i + 2) info.subresource = parts[i + 2];

  if (info.name.empty()) {
    if (info.verb == "get") info.verb = truthy(request.param("watch")) ? "watch" : "list";
    if (info.verb == "delete") info.verb = "deletecollection";
  } else if (info.verb == "get" && truthy(request.param("watch"))) {
    info.verb = "watch";
  }
  if (info.subresource == "exec" || info.subresource == "attach" ||
      info.subresource == "portforward" || info.subresource == "proxy") {
    info.verb = "connect";
  }
  return info;
}

}  // namespace cube::apiserver
