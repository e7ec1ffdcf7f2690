#pragma once
// Connecting to a port "inside a pod": the kubelet's port-forward dials localhost:PORT in the
// pod's network namespace. A socket belongs to the namespace it was created in, so a short-lived
// thread joins the namespace (setns only changes the calling thread), creates and connects the
// socket there and hands back the fd, which keeps working from any thread afterwards.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace cube::agent {

// A failed dial; what() is the text port-forward writes on the error stream.
class DialError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Connects to 127.0.0.1:port (then [::1]:port if IPv4 is refused or unreachable) from the network
// namespace at `netnsPath` (/proc/PID/ns/net, /run/netns/NAME, ...). Returns a connected,
// blocking TCP socket fd owned by the caller. Throws DialError.
int dialInNetns(const std::string& netnsPath, uint16_t port,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The same from the caller's own namespace: what tests and hollow nodes use.
int dialLoopback(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace cube::agent
