#pragma once
// Both ends of a container's attach socket (attach_protocol.h): the listening socket the shim
// serves (made by the runner, handed to the shim), and the agent's session over a connection to
// it (CrunRuntime::attach), which works the same for a container started by an agent that has
// since been killed: the socket is the shim's.
//
// Unix socket paths are short (108 bytes) and a data dir can be deep: a path that does not fit
// goes through /proc/<pid>/fd/<fd of its dir>/<name> instead.

#include "runtime/images/file_util.h"
#include "runtime/runtime.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <string>

namespace cube::runtime::crun {

// A Unix socket address for `dir`/`name`. `dirFd` receives the dir's fd when the address goes
// through /proc (keep it open while the address is in use); `pid` is whose /proc/<pid>/fd that
// is (0: this process, as /proc/self).
struct UnixSocketAddress {
  sockaddr_un addr{};
  socklen_t length = 0;
  images::UniqueFd dirFd;
};
UnixSocketAddress unixSocketAddress(const std::string& dir, const std::string& name, int pid = 0);
// The path the address names (for a command-line flag).
std::string unixSocketPath(const UnixSocketAddress& address);

// A listening SOCK_SEQPACKET socket at <dir>/attach (a stale one is replaced).
images::UniqueFd listenAttachSocket(const std::string& dir);

// A session over a new connection to <dir>/attach. Throws RuntimeError when the socket does not
// answer (the shim has ended, or the container was started without one).
std::unique_ptr<Runtime::AttachSession> connectAttachSocket(const std::string& dir,
                                                            const Runtime::AttachOptions& options);

}  // namespace cube::runtime::crun
