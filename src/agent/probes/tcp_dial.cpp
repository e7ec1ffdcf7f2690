#include "agent/probes/tcp_dial.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace cube::agent::probes {

using runtime::images::UniqueFd;

std::string joinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

UniqueFd dialTcp(const std::string& host, int port, Deadline deadline, std::string* error) {
  std::string prefix = "dial tcp " + joinHostPort(host, port) + ": ";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) {
    *error = "dial tcp: lookup " + host + ": " + ::gai_strerror(rc);
    return {};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    *error = prefix + "socket: " + std::strerror(errno);
    return {};
  }
  if (::connect(fd.get(), res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
    *error = prefix + "connect: " + std::strerror(errno);
    return {};
  }
  for (;;) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      *error = prefix + "i/o timeout";
      return {};
    }
    pollfd p{fd.get(), POLLOUT, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *error = prefix + "poll: " + std::strerror(errno);
      return {};
    }
    if (r == 0) continue;  // the deadline check above ends it
    int soError = 0;
    socklen_t len = sizeof soError;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soError, &len);
    if (soError != 0) {
      // Go lowercases strerror's text the same way: "connection refused".
      std::string text = std::strerror(soError);
      if (!text.empty()) text[0] = static_cast<char>(std::tolower(text[0]));
      *error = prefix + "connect: " + text;
      return {};
    }
    return fd;
  }
}

ProbeResult tcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout) {
  std::string error;
  UniqueFd fd = dialTcp(host, port, std::chrono::steady_clock::now() + timeout, &error);
  if (!fd) return ProbeResult::failed(error);
  return ProbeResult::ok();
}

}  // namespace cube::agent::probes
