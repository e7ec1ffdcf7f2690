// The port-forward dialers: loopback in this namespace, and loopback inside another network
// namespace (the pod's), with the error text port-forward shows the user.

#include "agent/streaming/netns_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

namespace cube::agent {
namespace {

// A listener on 127.0.0.1:<ephemeral> of the calling thread's namespace.
int listenLoopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

uint16_t refusedPort() {
  uint16_t port = 0;
  ::close(listenLoopback(port));
  return port;
}

std::string netnsOfThisThread() {
  char buf[256] = {};
  ssize_t n = ::readlink("/proc/thread-self/ns/net", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

TEST(PortForwardDialer, LoopbackConnects) {
  uint16_t port = 0;
  int listener = listenLoopback(port);
  ASSERT_GE(listener, 0);
  int fd = dialLoopback(port);
  ASSERT_GE(fd, 0);
  int accepted = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  ASSERT_EQ(::write(fd, "ping", 4), 4);
  char buf[4];
  ASSERT_EQ(::read(accepted, buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  ::close(accepted);
  ::close(fd);
  ::close(listener);
}

TEST(PortForwardDialer, RefusedSaysSoInGosWords) {
  uint16_t port = refusedPort();
  try {
    ::close(dialLoopback(port));
    FAIL() << "connected to a closed port";
  } catch (const DialError& e) {
    EXPECT_EQ(std::string(e.what()),
              "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
  }
}

TEST(PortForwardDialer, InNetnsOfOurOwnNamespace) {
  uint16_t port = 0;
  int listener = listenLoopback(port);
  ASSERT_GE(listener, 0);
  std::string before = netnsOfThisThread();
  int fd = dialInNetns("/proc/self/ns/net", port);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(netnsOfThisThread(), before);  // the caller never moved
  int accepted = ::accept(listener, nullptr, nullptr);
  EXPECT_GE(accepted, 0);
  ::close(accepted);
  ::close(fd);
  ::close(listener);

  uint16_t closed = refusedPort();
  try {
    ::close(dialInNetns("/proc/self/ns/net", closed));
    FAIL() << "connected to a closed port";
  } catch (const DialError& e) {
    std::string p = std::to_string(closed);
    EXPECT_EQ(std::string(e.what()), "failed to connect to localhost:" + p +
                                         " inside namespace \"/proc/self/ns/net\": dial tcp "
                                         "127.0.0.1:" +
                                         p + ": connect: connection refused");
  }
}

TEST(PortForwardDialer, MissingNamespaceIsADialError) {
  EXPECT_THROW(dialInNetns("/nonexistent/ns/net", 80), DialError);
}

// A thread in a network namespace of its own (loopback up) listening on 127.0.0.1: the dialled
// socket must land on that listener, which nothing in the host namespace can reach.
TEST(PortForwardDialer, InNetnsReachesTheOtherNamespace) {
  std::promise<std::pair<std::string, uint16_t>> ready;  // netns path and port, or "" to skip
  std::promise<void> done;
  std::atomic<bool> acceptedThere{false};
  std::atomic<int> listenerThere{-1};
  std::string skipWhy;
  std::thread pod([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      skipWhy = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      ready.set_value({"", 0});
      return;
    }
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    ::ioctl(s, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP;
    bool up = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    ::close(s);
    uint16_t port = 0;
    int listener = up ? listenLoopback(port) : -1;
    if (listener < 0) {
      skipWhy = "cannot bring lo up in a new namespace";
      ready.set_value({"", 0});
      return;
    }
    std::string path = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    listenerThere = listener;
    ready.set_value({path, port});
    int fd = ::accept(listener, nullptr, nullptr);
    acceptedThere = fd >= 0;
    if (fd >= 0) ::close(fd);
    ::close(listener);
    done.get_future().wait();  // keep the namespace alive until the test is done with it
  });
  auto [path, port] = ready.get_future().get();
  if (path.empty()) {
    done.set_value();
    pod.join();
    GTEST_SKIP() << skipWhy;
  }
  int fd = -1;
  EXPECT_NO_THROW(fd = dialInNetns(path, port));
  if (fd < 0) ::shutdown(listenerThere, SHUT_RDWR);  // unblock the accept that will not come
  done.set_value();
  pod.join();
  EXPECT_TRUE(acceptedThere);
  if (fd >= 0) ::close(fd);
}

}  // namespace
}  // namespace cube::agent
