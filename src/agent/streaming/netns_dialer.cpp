#include "agent/streaming/netns_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

namespace cube::agent {
namespace {

// Go's wording ("dial tcp 127.0.0.1:8080: connect: connection refused"), which is what users
// see from a kubelet's port-forward and search for.
std::string connectError(const std::string& address, int err) {
  std::string reason = err == EINPROGRESS || err == ETIMEDOUT ? "i/o timeout" : std::strerror(err);
  for (char& c : reason) c = char(std::tolower(static_cast<unsigned char>(c)));
  return "dial tcp " + address + ": connect: " + reason;
}

// Returns the fd, or -errno.
int connectTo(const sockaddr* addr, socklen_t len, int family, std::chrono::milliseconds timeout) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  // SO_SNDTIMEO bounds a blocking connect() on Linux; it is cleared again for the data path.
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int rc;
  do rc = ::connect(fd, addr, len);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int err = errno;
    ::close(fd);
    return -err;
  }
  timeval none{};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int dialHere(uint16_t port, std::chrono::milliseconds timeout, const std::string& where) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = connectTo(reinterpret_cast<sockaddr*>(&v4), sizeof v4, AF_INET, timeout);
  if (fd >= 0) return fd;
  int v4err = -fd;
  // A pod may listen on IPv6 only; a timeout is not worth waiting out twice.
  if (v4err != EINPROGRESS && v4err != ETIMEDOUT) {
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    v6.sin6_addr = in6addr_loopback;
    fd = connectTo(reinterpret_cast<sockaddr*>(&v6), sizeof v6, AF_INET6, timeout);
    if (fd >= 0) return fd;
  }
  throw DialError(where + connectError("127.0.0.1:" + std::to_string(port), v4err));
}

}  // namespace

int dialLoopback(uint16_t port, std::chrono::milliseconds timeout) {
  return dialHere(port, timeout, "");
}

int dialInNetns(const std::string& netnsPath, uint16_t port, std::chrono::milliseconds timeout) {
  std::string where = "failed to connect to localhost:" + std::to_string(port) +
                      " inside namespace \"" + netnsPath + "\": ";
  int fd = -1;
  std::exception_ptr failure;
  // setns() moves only the calling thread, so a thread of its own joins the namespace and ends
  // with it; the process's other threads never leave the host namespace.
  std::thread dialer([&] {
    try {
      int ns = ::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0) throw DialError(where + "open netns: " + std::strerror(errno));
      if (::setns(ns, CLONE_NEWNET) != 0) {
        int err = errno;
        ::close(ns);
        throw DialError(where + "setns: " + std::strerror(err));
      }
      ::close(ns);
      fd = dialHere(port, timeout, where);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  dialer.join();
  if (failure) std::rethrow_exception(failure);
  return fd;
}

}  // namespace cube::agent
