#include "runtime/crun/attach_session.h"

#include "runtime/crun/attach_protocol.h"
#include "runtime/crun/crun_runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace cube::runtime::crun {

using images::UniqueFd;
namespace at = attach;

UnixSocketAddress unixSocketAddress(const std::string& dir, const std::string& name, int pid) {
  UnixSocketAddress a;
  a.addr.sun_family = AF_UNIX;
  std::string path = dir + "/" + name;
  if (path.size() >= sizeof a.addr.sun_path) {
    a.dirFd = UniqueFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!a.dirFd) images::throwErrno("open " + dir);
    path = (pid > 0 ? "/proc/" + std::to_string(pid) : std::string("/proc/self")) + "/fd/" +
           std::to_string(a.dirFd.get()) + "/" + name;
    if (path.size() >= sizeof a.addr.sun_path) throw RuntimeError("socket name too long: " + name);
  }
  std::memcpy(a.addr.sun_path, path.c_str(), path.size() + 1);
  a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

std::string unixSocketPath(const UnixSocketAddress& address) {
  return address.addr.sun_path;
}

UniqueFd listenAttachSocket(const std::string& dir) {
  UnixSocketAddress a = unixSocketAddress(dir, at::kSocketName);
  ::unlink((dir + "/" + at::kSocketName).c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) images::throwErrno("attach socket");
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.length) != 0) {
    images::throwErrno("bind " + dir + "/" + at::kSocketName);
  }
  if (::listen(fd.get(), at::kMaxClients) != 0) images::throwErrno("listen attach socket");
  return fd;
}

namespace {

class SocketAttachSession : public Runtime::AttachSession {
 public:
  SocketAttachSession(UniqueFd fd, bool stdin) : fd_(std::move(fd)), stdin_(stdin) {}

  bool read(uint8_t* stream, std::string* data) override {
    char buf[at::kMaxPacket];
    for (;;) {
      if (shut_) return false;
      ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || shut_) return false;
      auto kind = static_cast<uint8_t>(buf[0]);
      if (kind != at::kStdout && kind != at::kStderr) continue;
      *stream = kind;
      data->assign(buf + 1, static_cast<size_t>(n) - 1);
      return true;
    }
  }

  bool writeStdin(std::string_view data) override {
    if (!stdin_) return false;
    while (!data.empty()) {
      size_t piece = std::min(data.size(), at::kMaxPayload);
      if (!send(at::kStdin, data.substr(0, piece))) return false;
      data.remove_prefix(piece);
    }
    return true;
  }

  void closeStdin() override {
    if (stdin_) send(at::kStdinEnd, {});
  }

  void resize(uint16_t width, uint16_t height) override {
    char size[4] = {static_cast<char>(width & 0xff), static_cast<char>(width >> 8),
                    static_cast<char>(height & 0xff), static_cast<char>(height >> 8)};
    send(at::kResize, std::string_view(size, 4));
  }

  void shutdown() override {
    shut_ = true;
    ::shutdown(fd_.get(), SHUT_RDWR);  // a read() waiting in recv returns
  }

  int fd() const { return fd_.get(); }

  bool send(uint8_t kind, std::string_view payload) {
    char k = static_cast<char>(kind);
    struct iovec iov[2] = {{&k, 1}, {const_cast<char*>(payload.data()), payload.size()}};
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = payload.empty() ? 1 : 2;
    for (;;) {
      ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n > 0;
    }
  }

 private:
  UniqueFd fd_;
  bool stdin_;
  std::atomic<bool> shut_{false};
};

}  // namespace

std::unique_ptr<Runtime::AttachSession> connectAttachSocket(const std::string& dir,
                                                            const Runtime::AttachOptions& options) {
  UnixSocketAddress a = unixSocketAddress(dir, at::kSocketName);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) images::throwErrno("attach socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.length) != 0) {
    throw RuntimeError("attach: the container's shim does not answer (" +
                       std::string(std::strerror(errno)) + ")");
  }
  auto session = std::make_unique<SocketAttachSession>(std::move(fd), options.stdin);
  uint8_t flags = (options.stdin ? at::kWantsStdin : 0) | (options.stdout ? at::kWantsStdout : 0) |
                  (options.stderr ? at::kWantsStderr : 0);
  char hello = static_cast<char>(flags);
  // The shim's answer: from then on the session gets all output. A shim serving its most
  // sessions closes the connection instead.
  char ready = 0;
  ssize_t n = -1;
  if (session->send(at::kHello, std::string_view(&hello, 1))) {
    struct pollfd p {
      session->fd(), POLLIN, 0
    };
    if (::poll(&p, 1, 10000) == 1) n = ::recv(session->fd(), &ready, 1, 0);
  }
  if (n != 1 || static_cast<uint8_t>(ready) != at::kReady) {
    throw RuntimeError("attach: the container's shim did not take the session (at most " +
                       std::to_string(at::kMaxClients) + " at once)");
  }
  return session;
}

}  // namespace cube::runtime::crun

namespace cube::runtime::crun {

std::unique_ptr<Runtime::AttachSession> CrunRuntime::attach(const std::string& containerId,
                                                            const AttachOptions& options) {
  std::string id = containerId.rfind("crun://", 0) == 0 ? containerId.substr(7) : containerId;
  {
    std::lock_guard lock(mutex_);
    if (!processes_.count(id)) throw RuntimeError("container " + containerId + " is not running");
  }
  return connectAttachSocket(records_.containerDir(id), options);
}

}  // namespace cube::runtime::crun
