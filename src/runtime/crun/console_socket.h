#pragma once
// ConsoleSocket: where crun hands over the master side of a terminal it made inside a container
// (`--console-socket`; the fd arrives with SCM_RIGHTS). The terminal then lives in the
// container's own devpts, so the process there sees /dev/pts/N as its controlling terminal (job
// control, `tty`). Used for containers with `tty: true` and for `kubectl exec -t`.

#include "runtime/crun/attach_session.h"
#include "runtime/images/file_util.h"

#include <string>

namespace cube::runtime::crun {

class ConsoleSocket {
 public:
  // Listens on DIR/NAME. A long path is reached through /proc/<this pid>/fd/<dir fd>, valid while
  // this object lives.
  ConsoleSocket(const std::string& dir, const std::string& name);
  ~ConsoleSocket();
  ConsoleSocket(const ConsoleSocket&) = delete;
  ConsoleSocket& operator=(const ConsoleSocket&) = delete;

  // What to give crun: --console-socket=<path()>.
  std::string path() const;
  // The terminal master crun sends. Empty after `timeoutMs` (-1: no limit), or once `stopFd`
  // (e.g. a pidfd of the crun that would send it) is readable first, or on an error.
  images::UniqueFd receive(int stopFd, int timeoutMs);

 private:
  std::string file_;
  UnixSocketAddress forCrun_;
  images::UniqueFd listen_;
};

}  // namespace cube::runtime::crun
