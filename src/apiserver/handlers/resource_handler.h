#pragma once
// ResourceHandler: the HTTP face of ResourceStore. Parses query parameters and bodies, calls the
// store, and encodes the answer; subresources (status, scale, binding, finalize, ...) and watches
// are routed from here.

#include "api/resource_registry.h"
#include "apiserver/request_info.h"
#include "apiserver/rest/resource_store.h"
#include "http/http_types.h"

namespace cube::apiserver {

class WatchHandler;

class ResourceHandler {
 public:
  ResourceHandler(api::ResourceRegistry& registry, ResourceStore& store, WatchHandler& watches);

  void handle(const http::Request& request, const RequestInfo& info,
              const http::ResponderPtr& responder);

 private:
  void handleScale(const http::Request& request, const RequestInfo& info,
                   const api::ResourceInfo& resource, const http::ResponderPtr& responder);
  void handleBinding(const http::Request& request, const std::string& ns, const std::string& pod,
                     const api::ResourceInfo& podResource, const http::ResponderPtr& responder);
  void handleFinalize(const http::Request& request, const RequestInfo& info,
                      const api::ResourceInfo& resource, const http::ResponderPtr& responder);
  void handleEviction(const http::Request& request, const RequestInfo& info,
                      const api::ResourceInfo& resource, const http::ResponderPtr& responder);

  api::ResourceRegistry& registry_;
  ResourceStore& store_;
  WatchHandler& watches_;
};

// Decodes a JSON or YAML request body into an object; throws ApiError(400/415).
boost::json::object decodeBody(const http::Request& request);
// An http::Response carrying a JSON body (and Warning headers).
http::Response jsonResponse(int status, std::string body,
                            const std::vector<std::string>& warnings = {},
                            const std::string& contentType = "application/json");

}  // namespace cube::apiserver
