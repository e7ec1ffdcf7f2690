#pragma once
// HttpConnection: one blocking HTTP/1.1 keep-alive connection to the API server. The building
// block of cube's API client (informers, controllers, agents and benchmarks all use it); it
// reconnects on the next request after the server closes the connection.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cube::client {

struct HttpResult {
  int status = 0;
  std::string body;
  std::string contentType;
};

class HttpConnection {
 public:
  // `host` is an address (loopback or a test namespace's), `port` the API port.
  HttpConnection(std::string host, uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request and reads the whole response. Throws std::runtime_error on I/O failure.
  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::string& contentType = "application/json",
                     const std::string& accept = "application/json");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "http://127.0.0.1:6443" into host and port; throws std::invalid_argument otherwise.
void parseServerUrl(const std::string& url, std::string* host, uint16_t* port);

}  // namespace cube::client
