#pragma once
// Transport-neutral request/response types: handlers never see Beast, so they can be driven by
// tests (and later by an in-process transport) without sockets.

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cube::http {

struct Request {
  std::string method;                                      // GET, POST, PUT, PATCH, DELETE, ...
  std::string path;                                        // decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string contentType;
  std::string accept;
  std::string userAgent;
  std::string body;
  std::string target;  // as sent: path and query, still encoded (proxies forward it)
  // Every header as received, in order (names as the client spelled them).
  std::vector<std::pair<std::string, std::string>> headers;

  // The first value of a header (case-insensitive name), or "".
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < k.size() && same; ++i) {
        same = (k[i] | 0x20) == (name[i] | 0x20);
      }
      if (same) return v;
    }
    return "";
  }

  // The first value of a query parameter, or "" (and `present` false) when absent.
  std::string param(std::string_view name, bool* present = nullptr) const;
  bool hasParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A chunked response stream (watch). Thread-safe. Writes are queued up to a byte bound; a
// stream whose client does not keep up is closed instead of buffering without bound.
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues one chunk; false once the stream is closed (client gone, overflow, or close()).
  virtual bool write(std::string chunk) = 0;
  // Ends the response (terminating chunk) after the queued chunks.
  virtual void close() = 0;
  virtual bool closed() const = 0;
  // Called once when the stream ends for any reason; runs on an I/O thread, must not block.
  virtual void onClosed(std::function<void()> callback) = 0;
};
using StreamPtr = std::shared_ptr<Stream>;

// A connection a handler took over (hijack): its socket, blocking, owned by the handler, and the
// bytes the server had already read past the request.
struct HijackedConnection {
  int fd = -1;
  std::string buffered;
};

// How a handler answers: exactly one of respond(), startStream() or hijack().
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void respond(Response response) = 0;
  virtual StreamPtr startStream(int status, const std::string& contentType) = 0;
  // Takes the connection out of the server: nothing more is read or written by it, and the
  // handler speaks whatever it upgraded to (WebSocket, SPDY, a proxied byte stream) and closes
  // the fd. Throws std::logic_error where connections cannot be taken (tests' responders).
  virtual HijackedConnection hijack() { throw std::logic_error("this responder cannot hijack"); }
};
using ResponderPtr = std::shared_ptr<Responder>;

using Handler = std::function<void(const Request& request, const ResponderPtr& responder)>;

// Bodies larger than this are refused with 413, as Kubernetes does (3 MiB).
constexpr size_t kMaxRequestBodyBytes = 3 * 1024 * 1024;

}  // namespace cube::http
