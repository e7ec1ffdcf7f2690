#pragma once
// Ipv4Cidr: an IPv4 network in CIDR form ("10.42.3.0/24"), as numbers: the base address (host
// bits cleared) and the prefix length. Addresses are host-order uint32_t throughout
// src/network/; formatAddress/parseAddress convert at the edges.

#include <cstdint>
#include <optional>
#include <string>

namespace cube::network {

struct Ipv4Cidr {
  uint32_t base = 0;
  int prefix = 0;

  // nullopt for IPv6, malformed text, or a prefix outside 8..30 (a pod network needs a network,
  // a gateway, a broadcast and at least one pod address).
  static std::optional<Ipv4Cidr> parse(const std::string& text);

  uint32_t size() const { return uint32_t(1) << (32 - prefix); }
  uint32_t network() const { return base; }
  uint32_t broadcast() const { return base + size() - 1; }
  uint32_t gateway() const { return base + 1; }  // the bridge's address: the first host
  bool contains(uint32_t ip) const { return ip - base < size(); }
  std::string toString() const;
};

std::optional<uint32_t> parseAddress(const std::string& text);
std::string formatAddress(uint32_t ip);

}  // namespace cube::network
