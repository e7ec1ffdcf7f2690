#include "network/ipv4_cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace cube::network {

std::optional<uint32_t> parseAddress(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string formatAddress(uint32_t ip) {
  in_addr addr{htonl(ip)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof(buf));
  return buf;
}

std::optional<Ipv4Cidr> Ipv4Cidr::parse(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = parseAddress(text.substr(0, slash));
  if (!ip) return std::nullopt;
  int bits = -1;
  const char* first = text.data() + slash + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, bits);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  if (bits < 8 || bits > 30) return std::nullopt;
  uint32_t mask = ~uint32_t(0) << (32 - bits);
  return Ipv4Cidr{*ip & mask, bits};
}

std::string Ipv4Cidr::toString() const {
  return formatAddress(base) + "/" + std::to_string(prefix);
}

}  // namespace cube::network
