#include "http/socket_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cube::http {

int dialTcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  std::string shown = host + ":" + std::to_string(port);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
    shown = "[" + host + "]:" + std::to_string(port);
  } else {
    throw std::runtime_error("dial tcp " + shown + ": not an IP address");
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::runtime_error("dial tcp " + shown + ": socket: " + std::strerror(errno));
  auto fail = [&](const char* what, int err) {
    ::close(fd);
    std::string reason = std::strerror(err);  // lower case, as Go's error strings are
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
    return std::runtime_error("dial tcp " + shown + ": " + what + ": " + reason);
  };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) throw fail("connect", errno);
    pollfd p{fd, POLLOUT, 0};
    int r;
    while ((r = ::poll(&p, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (r == 0) throw fail("connect", ETIMEDOUT);
    int err = 0;
    socklen_t errLen = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errLen);
    if (err != 0) throw fail("connect", err);
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void spliceConnections(int a, int b) {
  // open[0]: a -> b still flows; open[1]: b -> a.
  bool open[2] = {true, true};
  int from[2] = {a, b}, to[2] = {b, a};
  char buf[64 * 1024];
  while (open[0] || open[1]) {
    pollfd fds[2];
    for (int i = 0; i < 2; ++i) fds[i] = {open[i] ? from[i] : -1, POLLIN, 0};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (!open[i] || fds[i].revents == 0) continue;
      ssize_t n = ::recv(from[i], buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n < 0) return;  // reset: end both ways
        open[i] = false;
        ::shutdown(to[i], SHUT_WR);
        continue;
      }
      if (!writeAll(to[i], std::string_view(buf, static_cast<size_t>(n)))) return;
    }
  }
}

}  // namespace cube::http
