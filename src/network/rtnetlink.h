#pragma once
// RtNetlink: the few rtnetlink requests a bridge-and-veth pod network needs, on one
// NETLINK_ROUTE socket. A socket acts in the network namespace it was opened in, so
// `inNamespace` opens one inside a pod's namespace (from a short-lived thread that setns()es)
// and the caller's own thread never changes namespace.
//
// Raw rtnetlink rather than libnl-route-3: a dozen fixed requests, each a header and a few
// attributes, and the kernel's errno comes back as is. Not thread-safe: one socket per user.
// Failures throw NetworkError carrying the kernel's errno.

#include "network/unique_fd.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace cube::network {

class NetlinkMessage;

class RtNetlink {
 public:
  RtNetlink();  // in the caller's network namespace
  static RtNetlink inNamespace(int netnsFd);

  std::optional<int> linkIndex(const std::string& name);
  // `mac` (6 bytes) is set explicitly so the bridge keeps it: one with a kernel-chosen address
  // takes its lowest port's, which changes as pods come and go and stales the pods' ARP entry
  // for the gateway.
  void createBridge(const std::string& name, const std::array<uint8_t, 6>& mac);
  // A veth pair: `name` here, `peerName` created directly inside the namespace `peerNetnsFd`.
  void createVethPair(const std::string& name, const std::string& peerName, int peerNetnsFd);
  void setLinkUp(int index);
  void setMaster(int index, int masterIndex);
  void deleteLink(int index);
  // Adding what is already there is not an error (both are idempotent).
  void addAddress(int index, uint32_t ip, int prefix);
  void addDefaultRoute(uint32_t gateway, int index);

 private:
  explicit RtNetlink(UniqueFd fd);
  // Sends, waits for the kernel's answer; returns 0 or a positive errno. `reply` (if any) gets
  // the first data message's payload.
  int request(NetlinkMessage& message, std::string* reply = nullptr);

  UniqueFd fd_;
  uint32_t seq_ = 0;
};

}  // namespace cube::network
