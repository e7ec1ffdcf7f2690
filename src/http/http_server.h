#pragma once
// HttpServer: HTTP/1.1 on Asio/Beast. A few I/O threads own the sockets; handlers run on a
// separate pool of blocking workers (store writes wait for fsync batches) so a slow handler never
// stalls I/O. Watches are chunked streams written from the I/O threads.

#include "http/http_types.h"

#include <cstdint>
#include <memory>
#include <string>

namespace cube::http {

struct ServerOptions {
  std::string bindAddress = "127.0.0.1";
  uint16_t port = 6443;  // 0 = any free port
  int ioThreads = 2;
  int workerThreads = 32;
  size_t maxStreamBufferBytes = 8 * 1024 * 1024;  // per watch stream, before it is closed
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Binds and starts serving; throws std::runtime_error when the address cannot be bound.
  virtual void start() = 0;
  virtual uint16_t port() const = 0;
  // Stops accepting, closes connections and joins threads.
  virtual void stop() = 0;
};

std::unique_ptr<HttpServer> makeHttpServer(ServerOptions options, Handler handler);

}  // namespace cube::http
