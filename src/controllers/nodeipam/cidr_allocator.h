#pragma once
// CidrAllocator: hands out the node-sized subnets (/24 by default) of the cluster CIDR
// (10.42.0.0/16 by default), each to one node at a time. Pure bookkeeping, no I/O: the node IPAM
// controller rebuilds it from the nodes' spec.podCIDR at start and keeps it in step with them.
// Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cube::controllers::nodeipam {

class CidrAllocator {
 public:
  // Throws std::invalid_argument for a malformed CIDR, a node mask shorter than the cluster's, or
  // more than 2^24 subnets.
  CidrAllocator(const std::string& clusterCidr, int nodeMaskSize);

  // The next free subnet after the last one handed out (wrapping round, so a subnet just released
  // is not handed out again at once), now taken; nullopt when every subnet is in use.
  std::optional<std::string> allocateNext();
  // Takes `cidr` (one of our subnets); false when it is not one of ours or already taken.
  bool occupy(const std::string& cidr);
  // Frees `cidr`; unknown or free subnets are ignored.
  void release(const std::string& cidr);
  size_t used() const;
  size_t capacity() const { return used_.size(); }

  // "10.42.3.0/24" -> {address, prefix}; nullopt when malformed.
  static std::optional<std::pair<uint32_t, int>> parseCidr(const std::string& cidr);
  static std::string formatCidr(uint32_t address, int prefix);

 private:
  // The subnet's index, or nullopt when `cidr` is not exactly one of our subnets.
  std::optional<size_t> indexOf(const std::string& cidr) const;

  uint32_t base_;
  int clusterPrefix_;
  int nodePrefix_;
  mutable std::mutex mutex_;  // guards used_ and next_
  std::vector<bool> used_;
  size_t next_ = 0;  // where the search for a free subnet starts (wraps around)
};

}  // namespace cube::controllers::nodeipam
