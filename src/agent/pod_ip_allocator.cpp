#include "agent/pod_ip_allocator.h"

#include "network/ipv4_cidr.h"

namespace cube::agent {

PodIpAllocator::PodIpAllocator(const std::string& cidr) {
  setCidr(cidr);
}

std::optional<std::pair<uint32_t, int>> PodIpAllocator::parseCidr(const std::string& cidr) {
  auto parsed = network::Ipv4Cidr::parse(cidr);
  if (!parsed) return std::nullopt;
  return std::make_pair(parsed->base, parsed->prefix);
}

std::string PodIpAllocator::format(uint32_t ip) {
  return network::formatAddress(ip);
}

void PodIpAllocator::setCidr(const std::string& cidr) {
  auto parsed = parseCidr(cidr);
  if (!parsed) return;  // IPv6 or malformed: keep the range we have
  std::lock_guard lock(mutex_);
  if (cidr == cidr_) return;
  cidr_ = cidr;
  base_ = parsed->first;
  size_ = uint32_t(1) << (32 - parsed->second);
  next_ = 2;
}

std::string PodIpAllocator::cidr() const {
  std::lock_guard lock(mutex_);
  return cidr_;
}

std::optional<std::string> PodIpAllocator::allocate() {
  std::lock_guard lock(mutex_);
  if (size_ < 4) return std::nullopt;
  // Usable offsets: 2 .. size-2 (skip network, gateway, broadcast).
  uint32_t usable = size_ - 3;
  for (uint32_t i = 0; i < usable; ++i) {
    uint32_t offset = 2 + (next_ - 2 + i) % usable;
    uint32_t ip = base_ + offset;
    if (used_.insert(ip).second) {
      next_ = offset + 1;
      return format(ip);
    }
  }
  return std::nullopt;
}

void PodIpAllocator::release(const std::string& ip) {
  auto addr = network::parseAddress(ip);
  if (!addr) return;
  std::lock_guard lock(mutex_);
  used_.erase(*addr);
}

}  // namespace cube::agent
