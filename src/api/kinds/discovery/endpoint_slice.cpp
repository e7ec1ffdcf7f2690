// discovery.k8s.io/v1 EndpointSlice: address type (immutable), endpoint and port limits, address
// formats per address type.
#include "api/kinds/discovery/discovery_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::discovery {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

constexpr size_t kMaxEndpoints = 1000;
constexpr size_t kMaxPorts = 100;
constexpr size_t kMaxAddresses = 100;

void validateAddress(std::string_view type, const json::value& addr, const std::string& path,
                     Causes& out) {
  std::string_view a = addr.is_string() ? std::string_view(addr.as_string()) : "";
  if (type == "FQDN") {
    for (auto& m : v::isDns1123Subdomain(a)) out.push_back(v::invalid(path, addr, m));
    return;
  }
  bool isV4 = a.find(':') == std::string_view::npos;
  if (!v::isValidIp(a).empty() || (type == "IPv4") != isV4) {
    out.push_back(v::invalid(
        path, addr,
        type == "IPv4" ? "must be a valid IPv4 address" : "must be a valid IPv6 address"));
  }
}

Causes validateEndpointSlice(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  auto type = v::getString(obj, "addressType").value_or("");
  bool knownType = type == "IPv4" || type == "IPv6" || type == "FQDN";
  if (type.empty()) {
    out.push_back(v::required("addressType"));
  } else if (!knownType) {
    out.push_back(v::notSupported("addressType", json::value(type), {"FQDN", "IPv4", "IPv6"}));
  }
  if (const auto* endpoints = v::getArray(obj, "endpoints")) {
    if (endpoints->size() > kMaxEndpoints) {
      out.push_back(v::tooMany("endpoints", int64_t(endpoints->size()), kMaxEndpoints));
    }
    for (size_t i = 0; i < endpoints->size(); ++i) {
      if (!(*endpoints)[i].is_object()) continue;
      const auto& ep = (*endpoints)[i].as_object();
      std::string ep_path = v::index("endpoints", i);
      const auto* addrs = v::getArray(ep, "addresses");
      std::string ap = v::child(ep_path, "addresses");
      if (!addrs || addrs->empty()) {
        out.push_back(v::required(ap, "must contain at least 1 address"));
      } else if (addrs->size() > kMaxAddresses) {
        out.push_back(v::tooMany(ap, int64_t(addrs->size()), kMaxAddresses));
      } else if (knownType) {
        for (size_t j = 0; j < addrs->size(); ++j) {
          validateAddress(type, (*addrs)[j], v::index(ap, j), out);
        }
      }
      if (auto host = v::getString(ep, "hostname"); host && !host->empty()) {
        for (auto& m : v::isDns1123Label(*host)) {
          out.push_back(v::invalid(v::child(ep_path, "hostname"), json::value(*host), m));
        }
      }
      if (auto node = v::getString(ep, "nodeName"); node && !node->empty()) {
        for (auto& m : v::nameIsDnsSubdomain(*node, false)) {
          out.push_back(v::invalid(v::child(ep_path, "nodeName"), json::value(*node), m));
        }
      }
    }
  }
  if (const auto* ports = v::getArray(obj, "ports")) {
    if (ports->size() > kMaxPorts) {
      out.push_back(v::tooMany("ports", int64_t(ports->size()), kMaxPorts));
    }
    for (size_t i = 0; i < ports->size(); ++i) {
      if (!(*ports)[i].is_object()) continue;
      const auto& port = (*ports)[i].as_object();
      std::string pp = v::index("ports", i);
      if (auto name = v::getString(port, "name"); name && !name->empty()) {
        for (auto& m : v::isValidPortName(*name)) {
          out.push_back(v::invalid(v::child(pp, "name"), json::value(*name), m));
        }
      }
      auto proto = v::getString(port, "protocol");
      if (proto && *proto != "TCP" && *proto != "UDP" && *proto != "SCTP") {
        out.push_back(
            v::notSupported(v::child(pp, "protocol"), json::value(*proto), {"SCTP", "TCP", "UDP"}));
      }
      if (auto num = v::getInt(port, "port")) {
        for (auto& m : v::isValidPortNum(*num)) {
          out.push_back(v::invalid(v::child(pp, "port"), json::value(*num), m));
        }
      }
    }
  }
  if (old) {
    v::append(out, v::validateImmutableField(obj.if_contains("addressType"),
                                             old->if_contains("addressType"), "addressType"));
  }
  return out;
}

}  // namespace

KindStrategy endpointSliceStrategy() {
  KindStrategy s;
  s.validate = validateEndpointSlice;
  return s;
}

}  // namespace cube::api::kinds::discovery
