#include "controllers/nodeipam/cidr_allocator.h"

#include <charconv>
#include <stdexcept>

namespace cube::controllers::nodeipam {

CidrAllocator::CidrAllocator(const std::string& clusterCidr, int nodeMaskSize) {
  auto parsed = parseCidr(clusterCidr);
  if (!parsed) throw std::invalid_argument("invalid cluster CIDR " + clusterCidr);
  clusterPrefix_ = parsed->second;
  nodePrefix_ = nodeMaskSize;
  if (nodePrefix_ < clusterPrefix_ || nodePrefix_ > 32 || nodePrefix_ - clusterPrefix_ > 24)
    throw std::invalid_argument("node CIDR mask /" + std::to_string(nodeMaskSize) +
                                " does not fit cluster CIDR " + clusterCidr);
  uint32_t mask = clusterPrefix_ == 0 ? 0 : ~uint32_t{0} << (32 - clusterPrefix_);
  base_ = parsed->first & mask;
  used_.assign(size_t{1} << (nodePrefix_ - clusterPrefix_), false);
}

std::optional<std::pair<uint32_t, int>> CidrAllocator::parseCidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return std::nullopt;
  uint32_t address = 0;
  const char* p = cidr.data();
  const char* end = cidr.data() + slash;
  for (int octet = 0; octet < 4; ++octet) {
    unsigned v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || next == p || v > 255) return std::nullopt;
    address = (address << 8) | v;
    p = next;
    if (octet < 3) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  int prefix = -1;
  const char* last = cidr.data() + cidr.size();
  auto [next, ec] = std::from_chars(end + 1, last, prefix);
  if (ec != std::errc() || next != last || prefix < 0 || prefix > 32) return std::nullopt;
  return std::make_pair(address, prefix);
}

std::string CidrAllocator::formatCidr(uint32_t a, int prefix) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255) + "/" +
         std::to_string(prefix);
}

std::optional<size_t> CidrAllocator::indexOf(const std::string& cidr) const {
  auto parsed = parseCidr(cidr);
  if (!parsed || parsed->second != nodePrefix_) return std::nullopt;
  uint32_t offset = parsed->first - base_;
  if (parsed->first < base_) return std::nullopt;
  uint32_t hostBits = 32 - nodePrefix_;
  if (hostBits < 32 && (offset & ((uint32_t{1} << hostBits) - 1)) != 0) return std::nullopt;
  size_t index = hostBits == 32 ? 0 : offset >> hostBits;
  if (index >= used_.size()) return std::nullopt;
  return index;
}

std::optional<std::string> CidrAllocator::allocateNext() {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < used_.size(); ++i) {
    size_t index = (next_ + i) % used_.size();
    if (used_[index]) continue;
    used_[index] = true;
    next_ = (index + 1) % used_.size();
    return formatCidr(base_ + (static_cast<uint32_t>(index) << (32 - nodePrefix_)), nodePrefix_);
  }
  return std::nullopt;
}

bool CidrAllocator::occupy(const std::string& cidr) {
  auto index = indexOf(cidr);
  if (!index) return false;
  std::lock_guard lock(mutex_);
  if (used_[*index]) return false;
  used_[*index] = true;
  return true;
}

void CidrAllocator::release(const std::string& cidr) {
  auto index = indexOf(cidr);
  if (!index) return;
  std::lock_guard lock(mutex_);
  used_[*index] = false;
}

size_t CidrAllocator::used() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (bool u : used_) n += u ? 1 : 0;
  return n;
}

}  // namespace cube::controllers::nodeipam
