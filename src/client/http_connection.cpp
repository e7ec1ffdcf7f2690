#include "client/http_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace cube::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpConnection::Impl {
  std::string host;
  uint16_t port;
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  bool connected = false;

  void connect() {
    tcp::resolver resolver(io);
    asio::connect(socket, resolver.resolve(host, std::to_string(port)));
    socket.set_option(tcp::no_delay(true));
    connected = true;
  }
  void close() {
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    connected = false;
    buffer.clear();
  }
};

HttpConnection::HttpConnection(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpConnection::~HttpConnection() {
  impl_->close();
}

HttpResult HttpConnection::request(const std::string& method, const std::string& target,
                                   const std::string& body, const std::string& contentType,
                                   const std::string& accept) {
  // One retry: a keep-alive connection the server closed in the meantime fails on first use.
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!impl_->connected) impl_->connect();
      bhttp::request<bhttp::string_body> req;
      req.method_string(method);
      req.target(target);
      req.version(11);
      req.set(bhttp::field::host, impl_->host);
      req.set(bhttp::field::accept, accept);
      req.set(bhttp::field::user_agent, "cube-client");
      if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.set(bhttp::field::content_type, contentType);
        req.body() = body;
      }
      req.keep_alive(true);
      req.prepare_payload();
      bhttp::write(impl_->socket, req);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(1ull << 32);
      bhttp::read(impl_->socket, impl_->buffer, parser);
      auto& res = parser.get();
      HttpResult result;
      result.status = static_cast<int>(res.result_int());
      result.contentType = std::string(res[bhttp::field::content_type]);
      result.body = std::move(res.body());
      if (!res.keep_alive()) impl_->close();
      return result;
    } catch (const std::exception& e) {
      impl_->close();
      if (attempt == 1) {
        throw std::runtime_error(std::string("http ") + method + " " + target + ": " + e.what());
      }
    }
  }
  throw std::logic_error("unreachable");
}

void parseServerUrl(const std::string& url, std::string* host, uint16_t* port) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) throw std::invalid_argument("server URL must be http://HOST:PORT");
  std::string rest = url.substr(prefix.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("server URL needs a port: " + url);
  *host = rest.substr(0, colon);
  *port = static_cast<uint16_t>(std::stoi(rest.substr(colon + 1)));
}

}  // namespace cube::client
