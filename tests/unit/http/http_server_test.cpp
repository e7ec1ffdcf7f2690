// HttpServer: request/response over a real loopback socket, the 3 MiB body limit, and a watch
// stream whose client stops reading being closed instead of buffering without bound.

#include "http/http_server.h"
#include "client/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace cube::http {
namespace {

TEST(HttpServerTest, AnswersRequestsOnKeepAliveConnections) {
  auto server =
      makeHttpServer({"127.0.0.1", 0, 1, 2}, [](const Request& r, const ResponderPtr& responder) {
        Response res;
        res.body = r.method + " " + r.path + " " + r.param("q");
        responder->respond(std::move(res));
      });
  server->start();
  client::HttpConnection c("127.0.0.1", server->port());
  EXPECT_EQ(c.request("GET", "/a?q=1").body, "GET /a 1");
  EXPECT_EQ(c.request("POST", "/b?q=x%20y", "{}").body, "POST /b x y");
  server->stop();
}

TEST(HttpServerTest, RefusesBodiesOverThreeMiB) {
  auto server =
      makeHttpServer({"127.0.0.1", 0, 1, 2},
                     [](const Request&, const ResponderPtr& responder) { responder->respond({}); });
  server->start();
  client::HttpConnection c("127.0.0.1", server->port());
  auto r = c.request("POST", "/x", std::string(kMaxRequestBodyBytes + 1, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("RequestEntityTooLarge"), std::string::npos);
  server->stop();
}

TEST(HttpServerTest, ClosesAStreamWhoseClientDoesNotRead) {
  std::promise<bool> writesRefused;
  ServerOptions options{"127.0.0.1", 0, 1, 2};
  options.maxStreamBufferBytes = 1 << 20;
  auto server = makeHttpServer(options, [&](const Request&, const ResponderPtr& responder) {
    StreamPtr stream = responder->startStream(200, "application/json");
    std::string chunk(64 * 1024, 'x');
    // The socket buffers fill, then the stream's bound: a writer is told to stop, never blocked.
    for (int i = 0; i < 100000; ++i) {
      if (!stream->write(chunk)) {
        writesRefused.set_value(true);
        return;
      }
    }
    writesRefused.set_value(false);
  });
  server->start();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = "GET /watch HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  auto refused = writesRefused.get_future();
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(refused.get());
  close(fd);
  server->stop();
}

}  // namespace
}  // namespace cube::http
