#pragma once
// HttpApiClient: ApiClient over HTTP/1.1 to the API server, with a small pool of keep-alive
// connections (so concurrent workers do not serialise) and one dedicated connection per watch.

#include "client/api_client.h"
#include "client/http_connection.h"

#include <mutex>
#include <vector>

namespace cube::client {

class HttpApiClient : public ApiClient {
 public:
  HttpApiClient(std::string host, uint16_t port);
  // From "http://127.0.0.1:6443".
  static std::shared_ptr<HttpApiClient> fromUrl(const std::string& serverUrl);

  boost::json::object get(const Resource& r, const std::string& ns,
                          const std::string& name) override;
  ObjectList list(const Resource& r, const std::string& ns,
                  const ListOptions& options = {}) override;
  boost::json::object create(const Resource& r, const std::string& ns,
                             const boost::json::object& obj, const std::string& subresource = "",
                             const std::string& name = "") override;
  boost::json::object update(const Resource& r, const std::string& ns, const std::string& name,
                             const boost::json::object& obj,
                             const std::string& subresource = "") override;
  boost::json::object patch(const Resource& r, const std::string& ns, const std::string& name,
                            PatchKind kind, const std::string& body,
                            const std::string& subresource = "") override;
  void remove(const Resource& r, const std::string& ns, const std::string& name,
              const DeleteOptions& options = {}) override;
  std::unique_ptr<WatchStream> watch(const Resource& r, const std::string& ns,
                                     const WatchOptions& options) override;

 private:
  // Sends a request on a pooled connection; throws ApiError for non-2xx answers.
  HttpResult call(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& contentType = "application/json");

  std::string host_;
  uint16_t port_;
  std::mutex poolMutex_;  // guards idle_
  std::vector<std::unique_ptr<HttpConnection>> idle_;
};

// The ApiError a Status response body describes (falls back to the HTTP status alone).
ApiError errorFromResponse(int httpStatus, const std::string& body);
// Percent-encodes a query parameter value.
std::string urlEncode(const std::string& value);

}  // namespace cube::client
