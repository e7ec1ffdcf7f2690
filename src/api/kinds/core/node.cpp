// Node: cluster-scoped; capacity/allocatable quantities are canonicalised; taints are unique by
// (key, effect) and use known effects; pod CIDRs are valid.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/pod_spec.h"

#include <arpa/inet.h>

#include <set>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

bool validCidr(std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  std::string ip(cidr.substr(0, slash));
  std::string bits(cidr.substr(slash + 1));
  if (bits.empty() || bits.size() > 3) return false;
  for (char c : bits)
    if (c < '0' || c > '9') return false;
  int n = std::stoi(bits);
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return n <= 32;
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) return n <= 128;
  return false;
}

void normalize(json::object& node) {
  if (auto* status = node.if_contains("status"); status && status->is_object()) {
    v::canonicalizeQuantityMap(status->as_object(), "capacity");
    v::canonicalizeQuantityMap(status->as_object(), "allocatable");
  }
}

v::Causes validate(const json::object& node, const json::object* old) {
  v::Causes out = v::validateMeta(node, old, false, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(node, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  if (const auto* taints = v::getArray(spec, "taints")) {
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < taints->size(); ++i) {
      if (!(*taints)[i].is_object()) continue;
      const auto& t = (*taints)[i].as_object();
      std::string p = v::index("spec.taints", i);
      std::string k(v::getString(t, "key").value_or(""));
      for (auto& m : v::isQualifiedName(k))
        out.push_back(v::invalid(v::child(p, "key"), json::value(k), m));
      std::string value(v::getString(t, "value").value_or(""));
      if (!value.empty())
        for (auto& m : v::isValidLabelValue(value))
          out.push_back(v::invalid(v::child(p, "value"), json::value(value), m));
      std::string effect(v::getString(t, "effect").value_or(""));
      if (effect.empty()) {
        out.push_back(v::required(v::child(p, "effect")));
      } else if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
        out.push_back(v::notSupported(v::child(p, "effect"), json::value(effect),
                                      {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
      }
      if (!seen.insert({k, effect}).second)
        out.push_back(v::duplicate(p, json::value(k + ":" + effect)));
    }
  }
  std::string podCIDR(v::getString(spec, "podCIDR").value_or(""));
  if (!podCIDR.empty() && !validCidr(podCIDR))
    out.push_back(v::invalid("spec.podCIDR", json::value(podCIDR),
                             "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
  if (const auto* cidrs = v::getArray(spec, "podCIDRs")) {
    for (size_t i = 0; i < cidrs->size(); ++i) {
      if (!(*cidrs)[i].is_string()) continue;
      if (!validCidr((*cidrs)[i].as_string()))
        out.push_back(
            v::invalid(v::index("spec.podCIDRs", i), (*cidrs)[i],
                       "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
    }
  }
  if (old) {
    // Once set, pod CIDRs may not change.
    const auto* oldSpec = v::getObject(*old, "spec");
    std::string oldCIDR(oldSpec ? v::getString(*oldSpec, "podCIDR").value_or("") : "");
    if (!oldCIDR.empty() && podCIDR != oldCIDR)
      out.push_back(v::forbidden("spec.podCIDRs",
                                 "node updates may not change podCIDR except from \"\" to valid"));
  }
  return out;
}

}  // namespace

KindStrategy nodeStrategy() {
  KindStrategy s;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
