#include "agent/streaming/streaming_server.h"

#include "agent/streaming/container_logs.h"
#include "agent/streaming/exec_handler.h"
#include "agent/streaming/portforward_endpoint.h"
#include "common/api_error.h"
#include "common/json_util.h"

#include <stdexcept>
#include <vector>

namespace cube::agent::streaming {

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

StreamingServer::StreamingServer(const std::string& address, uint16_t port, PodLocator locator) {
  http::ServerOptions options;
  options.bindAddress = address;
  options.port = port;
  options.ioThreads = 1;
  options.workerThreads = 4;  // sessions that last run on threads of their own
  // A whole log is queued at once when not following: allow a big one.
  options.maxStreamBufferBytes = 256 * 1024 * 1024;
  server_ = http::makeHttpServer(
      options, [locator = std::move(locator)](const http::Request& request,
                                              const http::ResponderPtr& responder) {
        handle(locator, request, responder);
      });
  try {
    server_->start();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve logs and exec on " + address + ":" +
                             std::to_string(port) + " (--kubelet-port): " + e.what());
  }
}

StreamingServer::~StreamingServer() {
  stop();
}

uint16_t StreamingServer::port() const {
  return server_->port();
}

void StreamingServer::stop() {
  if (server_) server_->stop();
}

void StreamingServer::handle(const PodLocator& locator, const http::Request& request,
                             const http::ResponderPtr& responder) {
  auto parts = splitPath(request.path);
  if (parts.size() == 1 && parts[0] == "healthz") {
    http::Response r;
    r.contentType = "text/plain";
    r.body = "ok";
    responder->respond(std::move(r));
    return;
  }
  if (parts.size() == 3 && parts[0] == "portForward") {
    auto pod = locator(parts[1], parts[2]);
    if (!pod) throw ApiError::notFound("", "pods", parts[2]);
    servePortForward(request, *pod, responder);
    return;
  }
  if (parts.size() != 4 ||
      (parts[0] != "containerLogs" && parts[0] != "exec" && parts[0] != "attach")) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  auto pod = locator(parts[1], parts[2]);
  if (!pod) throw ApiError::notFound("", "pods", parts[2]);
  if (parts[0] == "containerLogs") {
    if (request.method != "GET") throw ApiError::methodNotAllowed("logs are read with GET");
    serveContainerLogs(request, *pod, parts[3], responder);
    return;
  }
  serveExec(request, *pod, parts[3], parts[0] == "attach", responder);
}

}  // namespace cube::agent::streaming
