// A handler that takes its connection over (hijack): bytes the client sent right after the
// request reach the handler, the socket is blocking and the server writes nothing more on it;
// and spliceConnections copies both ways with half-closes passed on.
#include "http/http_server.h"
#include "http/socket_io.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace cube::http {
namespace {

int connectTo(uint16_t port) {
  return dialTcp("127.0.0.1", port, std::chrono::seconds(5));
}

std::string readAll(int fd) {
  std::string in;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, n);
  return in;
}

TEST(HttpHijackTest, TheHandlerGetsTheSocketAndWhatCameAfterTheRequest) {
  auto server = makeHttpServer({"127.0.0.1", 0, 1, 2},
                               [](const Request& request, const ResponderPtr& responder) {
                                 EXPECT_EQ(request.header("upgrade"), "echo");  // any case
                                 EXPECT_EQ(request.target, "/x?a=1");
                                 HijackedConnection c = responder->hijack();
                                 writeAll(c.fd, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
                                 std::string got = c.buffered;
                                 char buf[64];
                                 while (got.size() < 10) {  // blocking reads
                                   ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
                                   if (n <= 0) break;
                                   got.append(buf, n);
                                 }
                                 writeAll(c.fd, "echo:" + got);
                                 ::close(c.fd);
                               });
  server->start();
  int fd = connectTo(server->port());
  // The first bytes of the new protocol come with the request, in one write.
  writeAll(fd,
           "GET /x?a=1 HTTP/1.1\r\nHost: h\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n01234");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // not an assertion: a 2nd write
  writeAll(fd, "56789");
  std::string answer = readAll(fd);
  ::close(fd);
  EXPECT_EQ(answer, "HTTP/1.1 101 Switching Protocols\r\n\r\necho:0123456789");
  server->stop();
}

TEST(HttpHijackTest, SpliceCopiesBothWaysAndPassesHalfCloses) {
  int a[2], b[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
  std::thread splice([&] { spliceConnections(a[1], b[0]); });
  writeAll(a[0], "to b");
  ::shutdown(a[0], SHUT_WR);         // the client is done sending
  EXPECT_EQ(readAll(b[1]), "to b");  // ends: the half close went on
  writeAll(b[1], "to a");
  ::shutdown(b[1], SHUT_WR);
  EXPECT_EQ(readAll(a[0]), "to a");
  splice.join();  // both directions ended
  for (int fd : {a[0], a[1], b[0], b[1]}) ::close(fd);
}

}  // namespace
}  // namespace cube::http
