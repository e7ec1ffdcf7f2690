#include "agent/pod_ip_allocator.h"

#include <arpa/inet.h>

namespace cube::agent {

PodIpAllocator::PodIpAllocator(const std::string& cidr) {
  setCidr(cidr);
}

std::optional<std::pair<uint32_t, int>> PodIpAllocator::parseCidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return std::nullopt;
  in_addr addr{};
  if (inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) != 1) return std::nullopt;
  int bits = 0;
  try {
    bits = std::stoi(cidr.substr(slash + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (bits < 8 || bits > 30) return std::nullopt;
  uint32_t ip = ntohl(addr.s_addr);
  uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  return std::make_pair(ip & mask, bits);
}

std::string PodIpAllocator::format(uint32_t ip) {
  in_addr addr{htonl(ip)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof(buf));
  return buf;
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
  in_addr addr{};
  if (inet_pton(AF_INET, ip.c_str(), &addr) != 1) return;
  std::lock_guard lock(mutex_);
  used_.erase(ntohl(addr.s_addr));
}

}  // namespace cube::agent
