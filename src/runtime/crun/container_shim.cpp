#include "runtime/crun/container_shim.h"

#include "runtime/crun/attach_protocol.h"
#include "runtime/crun/child_process.h"
#include "runtime/crun/container_log.h"

#include "runtime/runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cube::runtime::crun {

namespace {

namespace at = attach;

bool writeAll(int fd, struct iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

// One output stream of the shim: a fixed buffer holding the start of a line not yet ended.
struct ShimStream {
  int fd = -1;
  const char* name = "";
  uint8_t channel = 0;  // attach_protocol.h
  char buffer[kMaxLogLineBytes];
  size_t used = 0;
};

bool writeEntry(int logFd, const char* stream, bool partial, const char* text, size_t n) {
  char time[32];
  size_t timeLen = formatLogTime(LogClock::now(), time);
  char sep1[] = " ";
  char tag[4] = {' ', partial ? 'P' : 'F', ' ', 0};
  char newline[] = "\n";
  struct iovec iov[6] = {
      {time, timeLen},
      {sep1, 1},
      {const_cast<char*>(stream), std::strlen(stream)},
      {tag, 3},
      {const_cast<char*>(text), n},
      {newline, 1},
  };
  return writeAll(logFd, iov, 6);
}

// Writes the complete lines in the buffer (and a full buffer as a P piece); keeps the rest.
bool drainLines(ShimStream& s, int logFd, bool atEof) {
  size_t start = 0;
  for (size_t i = 0; i < s.used; ++i) {
    if (s.buffer[i] != '\n') continue;
    if (!writeEntry(logFd, s.name, false, s.buffer + start, i - start)) return false;
    start = i + 1;
  }
  size_t rest = s.used - start;
  if (rest > 0 && (atEof || (start == 0 && rest == sizeof(s.buffer)))) {
    // A line longer than the buffer goes out in pieces; what is left at the end is a last line
    // without its newline.
    if (!writeEntry(logFd, s.name, !atEof, s.buffer + start, rest)) return false;
    start = s.used;
    rest = 0;
  }
  if (start > 0 && rest > 0) std::memmove(s.buffer, s.buffer + start, rest);
  s.used = rest;
  return true;
}

// An attached client: its connection and what it asked for (kHello's flags).
struct Client {
  int fd = -1;
  uint8_t flags = 0;
};

// The attach side of the shim. Static state: the shim is one per process and allocates nothing.
struct AttachState {
  int listenFd = -1;
  int stdinFd = -1;
  int ttyFd = -1;  // the terminal's master (resizes)
  bool stdinOnce = false, tty = false;
  bool closeStdinWhenFlushed = false;
  Client clients[at::kMaxClients];
  // The last packet read from a client; while stdin bytes of it wait for the container to read
  // (pendingLen > 0), no client is read (their input waits in their sockets).
  char packet[at::kMaxPacket];
  size_t pendingOffset = 0, pendingLen = 0;
};

void closeContainerStdin(AttachState& a) {
  if (a.stdinFd < 0) return;
  if (a.pendingLen > 0) {
    a.closeStdinWhenFlushed = true;
    return;
  }
  ::close(a.stdinFd);
  a.stdinFd = -1;
}

void dropClient(AttachState& a, Client& c) {
  ::close(c.fd);
  c = Client{};
}

// The client's stdin has ended (it said so, or went away): the kubelet's rule.
void endClientStdin(AttachState& a, Client& c, bool gone) {
  bool hadStdin = (c.flags & at::kWantsStdin) != 0;
  if (hadStdin && a.stdinOnce && !a.tty) {
    closeContainerStdin(a);
    if (gone) dropClient(a, c);
    return;
  }
  if (gone || hadStdin) dropClient(a, c);
}

// Writes pending stdin bytes without blocking; what the container has not taken stays pending.
void flushStdin(AttachState& a) {
  while (a.pendingLen > 0 && a.stdinFd >= 0) {
    ssize_t n = ::write(a.stdinFd, a.packet + a.pendingOffset, a.pendingLen);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      // The container closed its stdin: what it does not read goes nowhere.
      ::close(a.stdinFd);
      a.stdinFd = -1;
      a.pendingLen = 0;
      break;
    }
    a.pendingOffset += static_cast<size_t>(n);
    a.pendingLen -= static_cast<size_t>(n);
  }
  if (a.stdinFd < 0) a.pendingLen = 0;
  if (a.pendingLen == 0 && a.closeStdinWhenFlushed) {
    a.closeStdinWhenFlushed = false;
    closeContainerStdin(a);
  }
}

void readClient(AttachState& a, Client& c) {
  ssize_t n = ::recv(c.fd, a.packet, sizeof a.packet, MSG_DONTWAIT);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    endClientStdin(a, c, true);
    return;
  }
  auto kind = static_cast<uint8_t>(a.packet[0]);
  size_t len = static_cast<size_t>(n) - 1;
  if (kind == at::kHello && len >= 1) {
    c.flags = static_cast<uint8_t>(a.packet[1]);
    char ready = static_cast<char>(at::kReady);
    if (::send(c.fd, &ready, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1) dropClient(a, c);
  } else if (kind == at::kStdin) {
    if ((c.flags & at::kWantsStdin) && a.stdinFd >= 0 && !a.closeStdinWhenFlushed) {
      a.pendingOffset = 1;
      a.pendingLen = len;
      flushStdin(a);
    }
  } else if (kind == at::kStdinEnd) {
    endClientStdin(a, c, false);
  } else if (kind == at::kResize && len >= 4 && a.ttyFd >= 0) {
    struct winsize ws {};
    ws.ws_col = static_cast<uint16_t>(static_cast<uint8_t>(a.packet[1]) |
                                      static_cast<uint8_t>(a.packet[2]) << 8);
    ws.ws_row = static_cast<uint16_t>(static_cast<uint8_t>(a.packet[3]) |
                                      static_cast<uint8_t>(a.packet[4]) << 8);
    ::ioctl(a.ttyFd, TIOCSWINSZ, &ws);
  }
}

void acceptClient(AttachState& a) {
  int fd = ::accept4(a.listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  for (auto& c : a.clients) {
    if (c.fd < 0) {
      c.fd = fd;
      c.flags = 0;
      return;
    }
  }
  ::close(fd);  // full: the client sees its connection end
}

// Hands output bytes to every client that asked for the stream; never waits for one.
void broadcast(AttachState& a, uint8_t channel, const char* data, size_t n) {
  uint8_t wanted = channel == at::kStdout ? at::kWantsStdout : at::kWantsStderr;
  for (auto& c : a.clients) {
    if (c.fd < 0 || !(c.flags & wanted)) continue;
    for (size_t off = 0; off < n;) {
      size_t piece = n - off < at::kMaxPayload ? n - off : at::kMaxPayload;
      char kind = static_cast<char>(channel);
      struct iovec iov[2] = {{&kind, 1}, {const_cast<char*>(data + off), piece}};
      struct msghdr msg {};
      msg.msg_iov = iov;
      msg.msg_iovlen = 2;
      ssize_t r = ::sendmsg(c.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno == EAGAIN) break;  // too slow: this piece is lost for it
      if (r < 0) {
        endClientStdin(a, c, true);
        break;
      }
      off += piece;
    }
  }
}

}  // namespace

int runLogShim(const ShimFds& fds) {
  // Static: no allocation, and no 50 KiB on a small stack.
  static ShimStream streams[2];
  static AttachState a;
  streams[0].fd = fds.stdoutFd;
  streams[0].name = "stdout";
  streams[0].channel = at::kStdout;
  streams[1].fd = fds.tty ? -1 : fds.stderrFd;
  streams[1].name = "stderr";
  streams[1].channel = at::kStderr;
  if (fds.tty && fds.stderrFd >= 0) ::close(fds.stderrFd);
  for (auto& s : streams) s.used = 0;
  for (auto& c : a.clients) c = Client{};
  a.pendingLen = 0;
  a.closeStdinWhenFlushed = false;
  a.listenFd = fds.attachFd;
  a.stdinFd = fds.stdinFd;
  a.stdinOnce = fds.stdinOnce;
  a.tty = fds.tty;
  a.ttyFd = fds.tty ? fds.stdoutFd : -1;
  // Stdin is written without blocking: a container that does not read must not stop the log.
  // (With a tty it is the master, shared with the output: its reads then do not block either.)
  if (a.stdinFd >= 0) ::fcntl(a.stdinFd, F_SETFL, ::fcntl(a.stdinFd, F_GETFL) | O_NONBLOCK);
  if (a.listenFd >= 0) ::fcntl(a.listenFd, F_SETFL, ::fcntl(a.listenFd, F_GETFL) | O_NONBLOCK);

  // poll slots: the two streams, the listener, stdin (while bytes wait), the clients.
  constexpr int kFixed = 4;
  struct pollfd pfds[kFixed + at::kMaxClients];
  for (;;) {
    int open = 0;
    for (int i = 0; i < 2; ++i) {
      pfds[i] = {streams[i].fd, POLLIN, 0};
      if (streams[i].fd >= 0) ++open;
    }
    if (open == 0) return 0;
    pfds[2] = {a.listenFd, POLLIN, 0};
    bool pending = a.pendingLen > 0 && a.stdinFd >= 0;
    pfds[3] = {pending ? a.stdinFd : -1, POLLOUT, 0};
    for (int i = 0; i < at::kMaxClients; ++i) {
      // While stdin is pending no client is read (the packet buffer holds the pending bytes);
      // their input, and hang-ups, wait in their sockets.
      pfds[kFixed + i] = {pending ? -1 : a.clients[i].fd, POLLIN, 0};
    }
    if (::poll(pfds, kFixed + at::kMaxClients, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int i = 0; i < 2; ++i) {
      ShimStream& s = streams[i];
      if (s.fd < 0 || pfds[i].revents == 0) continue;
      ssize_t n = ::read(s.fd, s.buffer + s.used, sizeof(s.buffer) - s.used);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      bool eof = n <= 0;  // a terminal's master says EIO once the last slave fd closed
      if (n > 0) {
        broadcast(a, s.channel, s.buffer + s.used, static_cast<size_t>(n));
        s.used += static_cast<size_t>(n);
      }
      if (!drainLines(s, fds.logFd, eof)) return 1;
      if (eof) {
        ::close(s.fd);
        s.fd = -1;
      }
    }
    if (pfds[3].revents != 0) flushStdin(a);
    for (int i = 0; i < at::kMaxClients; ++i) {
      Client& c = a.clients[i];
      // A client read before may have left stdin pending: the next ones wait.
      if (c.fd < 0 || pfds[kFixed + i].revents == 0 || a.pendingLen > 0) continue;
      readClient(a, c);
    }
    if (pfds[2].revents & POLLIN) acceptClient(a);
  }
}

int runLogShim(int stdoutFd, int stderrFd, int logFd) {
  ShimFds fds;
  fds.stdoutFd = stdoutFd;
  fds.stderrFd = stderrFd;
  fds.logFd = logFd;
  return runLogShim(fds);
}

namespace {
std::vector<std::string> shimCommand;  // set once at program start

constexpr int kShimStdout = 0, kShimLog = 1, kShimStderr = 3, kShimAttach = 4, kShimStdin = 5;
}  // namespace

void setLogShimCommand(std::vector<std::string> argv) {
  shimCommand = std::move(argv);
}

ShimFds shimFdsFromArgs(int argc, char** argv) {
  ShimFds fds;
  fds.stdoutFd = kShimStdout;
  fds.stderrFd = kShimStderr;
  fds.logFd = kShimLog;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--attach") fds.attachFd = kShimAttach;
    if (arg == "--stdin") fds.stdinFd = kShimStdin;
    if (arg == "--stdin-once") fds.stdinOnce = true;
    if (arg == "--tty") fds.tty = true;
  }
  return fds;
}

int startLogShim(const ShimFds& fds) {
  std::vector<std::string> args = shimCommand;
  if (!args.empty()) {
    if (fds.attachFd >= 0) args.emplace_back("--attach");
    if (fds.stdinFd >= 0) args.emplace_back("--stdin");
    if (fds.stdinOnce) args.emplace_back("--stdin-once");
    if (fds.tty) args.emplace_back("--tty");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(std::string("fork log shim: ") + std::strerror(errno));
  if (pid > 0) return pid;
  // Child: only async-signal-safe calls until exec (or the shim loop, which allocates nothing).
  resetSignalsForChild();
  ::signal(SIGPIPE, SIG_IGN);
  ::setsid();  // no terminal signal of the agent's session reaches it
  ::prctl(PR_SET_NAME, "cube-log-shim", 0, 0, 0);
  // Out of the way of the target numbers first, then into place.
  auto away = [](int fd) { return fd >= 0 ? ::fcntl(fd, F_DUPFD, 10) : -1; };
  int out = away(fds.stdoutFd), err = away(fds.stderrFd), log = away(fds.logFd);
  int listen = away(fds.attachFd), in = away(fds.stdinFd);
  int devNull = ::open("/dev/null", O_RDWR);
  if (log < 0 || devNull < 0) ::_exit(1);
  ::dup2(out >= 0 ? out : devNull, kShimStdout);
  ::dup2(log, kShimLog);
  ::dup2(devNull, 2);
  ::dup2(err >= 0 ? err : devNull, kShimStderr);
  ::dup2(listen >= 0 ? listen : devNull, kShimAttach);
  ::dup2(in >= 0 ? in : devNull, kShimStdin);
  ::syscall(SYS_close_range, 6u, ~0u, 0u);
  if (argv.size() > 1) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ShimFds child = fds;
  child.stdoutFd = out >= 0 ? kShimStdout : -1;
  child.stderrFd = err >= 0 ? kShimStderr : -1;
  child.logFd = kShimLog;
  child.attachFd = listen >= 0 ? kShimAttach : -1;
  child.stdinFd = in >= 0 ? kShimStdin : -1;
  ::_exit(runLogShim(child));
}

}  // namespace cube::runtime::crun
