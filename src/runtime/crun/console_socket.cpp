#include "runtime/crun/console_socket.h"

#include "runtime/crun/crun_runtime.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cube::runtime::crun {

using images::UniqueFd;

ConsoleSocket::ConsoleSocket(const std::string& dir, const std::string& name)
    : file_(dir + "/" + name), forCrun_(unixSocketAddress(dir, name, ::getpid())) {
  ::unlink(file_.c_str());
  listen_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listen_) images::throwErrno("console socket");
  // Bound through this process's own view of the path (crun gets the /proc/<pid> form).
  UnixSocketAddress local = unixSocketAddress(dir, name);
  if (::bind(listen_.get(), reinterpret_cast<const sockaddr*>(&local.addr), local.length) != 0 ||
      ::listen(listen_.get(), 1) != 0) {
    images::throwErrno("console socket " + file_);
  }
}

ConsoleSocket::~ConsoleSocket() {
  ::unlink(file_.c_str());
}

std::string ConsoleSocket::path() const {
  return unixSocketPath(forCrun_);
}

UniqueFd ConsoleSocket::receive(int stopFd, int timeoutMs) {
  struct pollfd fds[2] = {{listen_.get(), POLLIN, 0}, {stopFd, POLLIN, 0}};
  int ready;
  while ((ready = ::poll(fds, stopFd >= 0 ? 2 : 1, timeoutMs)) < 0 && errno == EINTR) {
  }
  if (ready <= 0 || !(fds[0].revents & POLLIN)) return {};
  UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return {};
  char data[256];
  struct iovec iov {
    data, sizeof data
  };
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return {};
  for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return UniqueFd(fd);
    }
  }
  return {};
}

}  // namespace cube::runtime::crun
