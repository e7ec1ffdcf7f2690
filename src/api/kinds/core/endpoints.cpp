// Endpoints: addresses must be IPs, ports valid and named when a subset has several.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/validation.h"

#include <set>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

void defaults(json::object& ep) {
  auto* subsets = ep.if_contains("subsets");
  if (!subsets || !subsets->is_array()) return;
  for (auto& s : subsets->as_array()) {
    if (!s.is_object()) continue;
    auto* ports = s.as_object().if_contains("ports");
    if (!ports || !ports->is_array()) continue;
    for (auto& p : ports->as_array())
      if (p.is_object() && v::getString(p.as_object(), "protocol").value_or("").empty())
        p.as_object()["protocol"] = "TCP";
  }
}

void validateAddresses(const json::object& subset, std::string_view list, const std::string& path,
                       v::Causes& out) {
  const auto* addrs = v::getArray(subset, list);
  if (!addrs) return;
  for (size_t i = 0; i < addrs->size(); ++i) {
    if (!(*addrs)[i].is_object()) continue;
    const auto& a = (*addrs)[i].as_object();
    std::string p = v::index(v::child(path, list), i);
    std::string ip(v::getString(a, "ip").value_or(""));
    for (auto& m : v::isValidIp(ip))
      out.push_back(v::invalid(v::child(p, "ip"), json::value(ip), m));
    auto host = v::getString(a, "hostname").value_or("");
    if (!host.empty())
      for (auto& m : v::isDns1123Label(host))
        out.push_back(v::invalid(v::child(p, "hostname"), json::value(host), m));
    auto node = v::getString(a, "nodeName").value_or("");
    if (!node.empty())
      for (auto& m : v::nameIsDnsSubdomain(node, false))
        out.push_back(v::invalid(v::child(p, "nodeName"), json::value(node), m));
  }
}

v::Causes validate(const json::object& ep, const json::object* old) {
  v::Causes out = v::validateMeta(ep, old, true, v::nameIsDnsSubdomain);
  const auto* subsets = v::getArray(ep, "subsets");
  if (!subsets) return out;
  for (size_t i = 0; i < subsets->size(); ++i) {
    if (!(*subsets)[i].is_object()) continue;
    const auto& s = (*subsets)[i].as_object();
    std::string p = v::index("subsets", i);
    const auto* addrs = v::getArray(s, "addresses");
    const auto* notReady = v::getArray(s, "notReadyAddresses");
    if ((!addrs || addrs->empty()) && (!notReady || notReady->empty()))
      out.push_back(v::required(p, "must specify `addresses` or `notReadyAddresses`"));
    validateAddresses(s, "addresses", p, out);
    validateAddresses(s, "notReadyAddresses", p, out);
    const auto* ports = v::getArray(s, "ports");
    if (!ports) continue;
    std::set<std::string> names;
    for (size_t j = 0; j < ports->size(); ++j) {
      if (!(*ports)[j].is_object()) continue;
      const auto& port = (*ports)[j].as_object();
      std::string pp = v::index(v::child(p, "ports"), j);
      std::string name(v::getString(port, "name").value_or(""));
      if (ports->size() > 1 && name.empty()) {
        out.push_back(v::required(v::child(pp, "name")));
      } else if (!name.empty()) {
        for (auto& m : v::isDns1123Label(name))
          out.push_back(v::invalid(v::child(pp, "name"), json::value(name), m));
        if (!names.insert(name).second)
          out.push_back(v::duplicate(v::child(pp, "name"), json::value(name)));
      }
      auto num = v::getInt(port, "port").value_or(0);
      for (auto& m : v::isValidPortNum(num))
        out.push_back(v::invalid(v::child(pp, "port"), json::value(num), m));
      auto proto = v::getString(port, "protocol").value_or("");
      if (proto.empty()) {
        out.push_back(v::required(v::child(pp, "protocol")));
      } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
        out.push_back(
            v::notSupported(v::child(pp, "protocol"), json::value(proto), {"SCTP", "TCP", "UDP"}));
      }
    }
  }
  return out;
}

}  // namespace

KindStrategy endpointsStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace cube::api::kinds::core
