#pragma once
// PodIpAllocator: hands out pod IPs from one IPv4 CIDR (the node's spec.podCIDR, or the agent's
// fallback range until it is known), never the network or broadcast address nor .1 (the
// gateway a real bridge would take), never one address to two live pods.
//
// In memory, for the fake runtime: hollow nodes have no namespaces, and hundreds of them in one
// process should not write a file per pod. Real pods get theirs from network::HostLocalIpam,
// which keeps allocations on disk; both parse CIDRs with network::Ipv4Cidr.

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace cube::agent {

class PodIpAllocator {
 public:
  explicit PodIpAllocator(const std::string& cidr);

  // Switches to a new range; addresses already handed out stay valid until released.
  void setCidr(const std::string& cidr);
  std::string cidr() const;
  // nullopt when the range is full.
  std::optional<std::string> allocate();
  void release(const std::string& ip);

  // "10.42.3.0/24" → base address and prefix length; nullopt for anything else.
  static std::optional<std::pair<uint32_t, int>> parseCidr(const std::string& cidr);
  static std::string format(uint32_t ip);

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::string cidr_;
  uint32_t base_ = 0;
  uint32_t size_ = 0;
  uint32_t next_ = 0;  // offset to try first: round-robin, so a released IP is not reused at once
  std::set<uint32_t> used_;
};

}  // namespace cube::agent
