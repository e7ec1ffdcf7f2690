#pragma once
// StreamingServer: the node agent's own HTTP server (the kubelet's server role, --kubelet-port),
// which the API server's pods/log, pods/exec and pods/attach proxy to:
//
//   GET /containerLogs/<ns>/<pod>/<container>?...   container_logs.h
//   GET|POST /exec/<ns>/<pod>/<container>?...       exec_handler.h (WebSocket)
//   GET|POST /attach/<ns>/<pod>/<container>?...
//   GET|POST /portForward/<ns>/<pod>                portforward_endpoint.h (WebSocket or SPDY)
//   GET /healthz
//
// It is the project's one HTTP server (src/http) in a second instance; errors are
// Kubernetes Status objects.

#include "agent/streaming/pod_locator.h"
#include "http/http_server.h"

#include <memory>
#include <string>

namespace cube::agent::streaming {

class StreamingServer {
 public:
  // Binds address:port (port 0: any free port). Throws std::runtime_error when it cannot bind.
  StreamingServer(const std::string& address, uint16_t port, PodLocator locator);
  ~StreamingServer();

  uint16_t port() const;
  void stop();

  // The request router, apart from the socket (tests drive it directly).
  static void handle(const PodLocator& locator, const http::Request& request,
                     const http::ResponderPtr& responder);

 private:
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace cube::agent::streaming
