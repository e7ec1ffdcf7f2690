#include "client/http_api_client.h"

#include "common/json_util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace cube::client {

namespace bj = boost::json;

std::string Resource::collectionPath(const std::string& ns) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  return p + "/" + plural;
}

std::string Resource::itemPath(const std::string& ns, const std::string& name) const {
  return collectionPath(ns) + "/" + name;
}

std::string urlEncode(const std::string& value) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

ApiError errorFromResponse(int httpStatus, const std::string& body) {
  try {
    bj::value v = json::parse(body);
    if (v.is_object() && json::getString(v.get_object(), "kind") == "Status") {
      const auto& s = v.get_object();
      ApiError e(static_cast<int>(json::getInt(s, "code", httpStatus)),
                 json::getString(s, "reason"), json::getString(s, "message"));
      if (const auto* details = json::getObject(s, "details")) {
        std::vector<StatusCause> causes;
        if (const auto* list = json::getArray(*details, "causes")) {
          for (const auto& c : *list) {
            if (!c.is_object()) continue;
            const auto& co = c.get_object();
            causes.push_back({json::getString(co, "reason"), json::getString(co, "message"),
                              json::getString(co, "field")});
          }
        }
        e.withDetails(json::getString(*details, "group"), json::getString(*details, "kind"),
                      json::getString(*details, "name"));
        if (!causes.empty()) e.withCauses(std::move(causes));
      }
      return e;
    }
  } catch (const ApiError&) {
  }
  return ApiError(httpStatus, "",
                  "the server answered " + std::to_string(httpStatus) + ": " + body.substr(0, 200));
}

namespace {

std::string query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "?" : "&") + k + "=" + urlEncode(v);
  }
  return q;
}

bj::object objectBody(const HttpResult& r) {
  bj::value v = json::parse(r.body);
  if (!v.is_object()) throw ApiError::internal("the server answered a non-object");
  return std::move(v.get_object());
}

// Reads WatchEvents, one JSON document per line, from a chunked response on a plain socket.
class HttpWatchStream : public WatchStream {
 public:
  HttpWatchStream(const std::string& host, uint16_t port, const std::string& target) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) {
      throw ApiError::serviceUnavailable("cannot resolve " + host);
    }
    fd_ = ::socket(res->ai_family, SOCK_STREAM, 0);
    int rc = fd_ >= 0 ? ::connect(fd_, res->ai_addr, res->ai_addrlen) : -1;
    freeaddrinfo(res);
    if (rc != 0) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
      throw ApiError::serviceUnavailable("cannot connect to the API server: " +
                                         std::string(std::strerror(errno)));
    }
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                          "\r\nAccept: application/json\r\nUser-Agent: cube-client\r\n\r\n";
    if (!writeAll(request)) throw ApiError::serviceUnavailable("watch request failed");
    readHeader();
  }

  ~HttpWatchStream() override {
    close();
    if (fd_ >= 0) ::close(fd_);
  }

  bool next(WatchEvent& event) override {
    while (true) {
      size_t nl = lines_.find('\n');
      if (nl != std::string::npos) {
        std::string line = lines_.substr(0, nl);
        lines_.erase(0, nl + 1);
        if (line.empty()) continue;
        bj::value v;
        try {
          v = json::parse(line);
        } catch (const ApiError&) {
          return false;
        }
        if (!v.is_object()) return false;
        auto& o = v.get_object();
        event.type = json::getString(o, "type");
        auto* obj = o.if_contains("object");
        event.object = std::make_shared<const bj::object>(
            obj && obj->is_object() ? std::move(obj->get_object()) : bj::object());
        return true;
      }
      if (!readChunk()) return false;
    }
  }

  void close() override {
    if (!closed_.exchange(true) && fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

 private:
  bool writeAll(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  bool fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    raw_.append(buf, static_cast<size_t>(n));
    return true;
  }

  void readHeader() {
    size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (raw_.size() > 65536 || !fill()) {
        throw ApiError::serviceUnavailable("watch: no response header");
      }
    }
    std::string header = raw_.substr(0, end);
    raw_.erase(0, end + 4);
    int status = 0;
    if (std::sscanf(header.c_str(), "HTTP/1.1 %d", &status) != 1) {
      throw ApiError::serviceUnavailable("watch: malformed response");
    }
    chunked_ = header.find("chunked") != std::string::npos;
    if (status != 200) {
      // A refused watch answers with a Status body of Content-Length bytes.
      size_t cl = header.find("Content-Length: ");
      size_t length = cl == std::string::npos ? 0 : std::stoul(header.substr(cl + 16));
      while (raw_.size() < length && fill()) {
      }
      throw errorFromResponse(status, raw_.substr(0, length));
    }
  }

  // Decodes the next chunk of the body into lines_; false at the end of the stream.
  bool readChunk() {
    if (!chunked_) {
      if (!raw_.empty()) {
        lines_ += raw_;
        raw_.clear();
        return true;
      }
      if (!fill()) return false;
      lines_ += raw_;
      raw_.clear();
      return true;
    }
    while (true) {
      size_t crlf = raw_.find("\r\n");
      if (crlf != std::string::npos) {
        size_t size = std::strtoul(raw_.substr(0, crlf).c_str(), nullptr, 16);
        if (size == 0) return false;  // last chunk
        while (raw_.size() < crlf + 2 + size + 2) {
          if (!fill()) return false;
        }
        lines_ += raw_.substr(crlf + 2, size);
        raw_.erase(0, crlf + 2 + size + 2);
        return true;
      }
      if (!fill()) return false;
    }
  }

  int fd_ = -1;
  std::atomic<bool> closed_{false};
  bool chunked_ = true;
  std::string raw_;    // bytes received, not yet decoded
  std::string lines_;  // decoded body, not yet split into events
};

}  // namespace

HttpApiClient::HttpApiClient(std::string host, uint16_t port)
    : host_(std::move(host)), port_(port) {}

std::shared_ptr<HttpApiClient> HttpApiClient::fromUrl(const std::string& serverUrl) {
  std::string host;
  uint16_t port = 0;
  parseServerUrl(serverUrl, &host, &port);
  return std::make_shared<HttpApiClient>(host, port);
}

HttpResult HttpApiClient::call(const std::string& method, const std::string& target,
                               const std::string& body, const std::string& contentType) {
  std::unique_ptr<HttpConnection> conn;
  {
    std::lock_guard lock(poolMutex_);
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!conn) conn = std::make_unique<HttpConnection>(host_, port_);
  HttpResult r;
  try {
    r = conn->request(method, target, body, contentType);
  } catch (const std::exception& e) {
    throw ApiError::serviceUnavailable(e.what());
  }
  {
    std::lock_guard lock(poolMutex_);
    idle_.push_back(std::move(conn));
  }
  if (r.status >= 400) throw errorFromResponse(r.status, r.body);
  return r;
}

bj::object HttpApiClient::get(const Resource& r, const std::string& ns, const std::string& name) {
  return objectBody(call("GET", r.itemPath(ns, name), ""));
}

ObjectList HttpApiClient::list(const Resource& r, const std::string& ns,
                               const ListOptions& options) {
  std::string q = query({{"labelSelector", options.labelSelector},
                         {"fieldSelector", options.fieldSelector},
                         {"limit", options.limit ? std::to_string(options.limit) : ""},
                         {"continue", options.continueToken},
                         {"resourceVersion", options.resourceVersion}});
  bj::object body = objectBody(call("GET", r.collectionPath(ns) + q, ""));
  ObjectList out;
  if (const auto* meta = json::getObject(body, "metadata")) {
    out.resourceVersion = json::getString(*meta, "resourceVersion");
    out.continueToken = json::getString(*meta, "continue");
  }
  if (auto* items = body.if_contains("items"); items && items->is_array()) {
    for (auto& item : items->get_array()) {
      if (item.is_object()) {
        out.items.push_back(std::make_shared<const bj::object>(std::move(item.get_object())));
      }
    }
  }
  return out;
}

bj::object HttpApiClient::create(const Resource& r, const std::string& ns, const bj::object& obj,
                                 const std::string& subresource, const std::string& name) {
  std::string path =
      subresource.empty() ? r.collectionPath(ns) : r.itemPath(ns, name) + "/" + subresource;
  return objectBody(call("POST", path, json::serialize(obj)));
}

bj::object HttpApiClient::update(const Resource& r, const std::string& ns, const std::string& name,
                                 const bj::object& obj, const std::string& subresource) {
  std::string path = r.itemPath(ns, name) + (subresource.empty() ? "" : "/" + subresource);
  return objectBody(call("PUT", path, json::serialize(obj)));
}

bj::object HttpApiClient::patch(const Resource& r, const std::string& ns, const std::string& name,
                                PatchKind kind, const std::string& body,
                                const std::string& subresource) {
  std::string path = r.itemPath(ns, name) + (subresource.empty() ? "" : "/" + subresource);
  const char* type = kind == PatchKind::Json    ? "application/json-patch+json"
                     : kind == PatchKind::Merge ? "application/merge-patch+json"
                                                : "application/strategic-merge-patch+json";
  return objectBody(call("PATCH", path, body, type));
}

void HttpApiClient::remove(const Resource& r, const std::string& ns, const std::string& name,
                           const DeleteOptions& options) {
  bj::object body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (!options.preconditionUid.empty() || !options.preconditionResourceVersion.empty()) {
    bj::object pre;
    if (!options.preconditionUid.empty()) pre["uid"] = options.preconditionUid;
    if (!options.preconditionResourceVersion.empty()) {
      pre["resourceVersion"] = options.preconditionResourceVersion;
    }
    body["preconditions"] = std::move(pre);
  }
  call("DELETE", r.itemPath(ns, name), json::serialize(body));
}

std::unique_ptr<WatchStream> HttpApiClient::watch(const Resource& r, const std::string& ns,
                                                  const WatchOptions& options) {
  std::string q = query(
      {{"watch", "true"},
       {"labelSelector", options.labelSelector},
       {"fieldSelector", options.fieldSelector},
       {"resourceVersion", options.resourceVersion},
       {"allowWatchBookmarks", options.allowBookmarks ? "true" : ""},
       {"timeoutSeconds", options.timeoutSeconds ? std::to_string(options.timeoutSeconds) : ""}});
  return std::make_unique<HttpWatchStream>(host_, port_, r.collectionPath(ns) + q);
}

}  // namespace cube::client
