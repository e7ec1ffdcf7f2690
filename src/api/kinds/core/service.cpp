// Service: Kubernetes' SetDefaults_Service plus the single-stack IP family fields, and
// ValidateService / ValidateServiceUpdate with its messages. Cluster IP and node port
// allocation belong to the API server's service REST layer, not here.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/validation.h"

#include <map>
#include <set>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

constexpr int64_t kDefaultClientIPTimeout = 10800;
constexpr int64_t kMaxClientIPTimeout = 86400;

bool externallyAccessible(const json::object& spec) {
  auto type = v::getString(spec, "type").value_or("");
  if (type == "LoadBalancer" || type == "NodePort") return true;
  const auto* ext = v::getArray(spec, "externalIPs");
  return type == "ClusterIP" && ext && !ext->empty();
}

void defaults(json::object& svc) {
  auto& spec = v::ensureObject(svc, "spec");
  if (v::getString(spec, "sessionAffinity").value_or("").empty()) spec["sessionAffinity"] = "None";
  auto affinity = v::getString(spec, "sessionAffinity").value_or("");
  if (affinity == "None") {
    spec.erase("sessionAffinityConfig");
  } else if (affinity == "ClientIP") {
    const auto* cfg = v::getObject(spec, "sessionAffinityConfig");
    const auto* client = cfg ? v::getObject(*cfg, "clientIP") : nullptr;
    if (!client || !client->contains("timeoutSeconds")) {
      spec["sessionAffinityConfig"] =
          json::object{{"clientIP", json::object{{"timeoutSeconds", kDefaultClientIPTimeout}}}};
    }
  }
  if (v::getString(spec, "type").value_or("").empty()) spec["type"] = "ClusterIP";
  std::string type(v::getString(spec, "type").value_or(""));
  if (auto* ports = spec.if_contains("ports"); ports && ports->is_array()) {
    for (auto& pv : ports->as_array()) {
      if (!pv.is_object()) continue;
      auto& port = pv.as_object();
      if (v::getString(port, "protocol").value_or("").empty()) port["protocol"] = "TCP";
      const json::value* target = port.if_contains("targetPort");
      bool unset = !target || target->is_null() ||
                   (target->is_string() && target->as_string().empty()) ||
                   (target->is_int64() && target->as_int64() == 0);
      if (unset) {
        if (const auto* p = port.if_contains("port")) port["targetPort"] = *p;
      }
    }
  }
  if (externallyAccessible(spec) &&
      v::getString(spec, "externalTrafficPolicy").value_or("").empty())
    spec["externalTrafficPolicy"] = "Cluster";
  if (!spec.contains("internalTrafficPolicy") &&
      (type == "NodePort" || type == "LoadBalancer" || type == "ClusterIP"))
    spec["internalTrafficPolicy"] = "Cluster";
  if (type == "LoadBalancer" && !spec.contains("allocateLoadBalancerNodePorts"))
    spec["allocateLoadBalancerNodePorts"] = true;

  // IP family fields of a single-stack cluster; clusterIP and clusterIPs mirror each other.
  if (type != "ExternalName") {
    std::string clusterIP(v::getString(spec, "clusterIP").value_or(""));
    const auto* ips = v::getArray(spec, "clusterIPs");
    if (!clusterIP.empty() && (!ips || ips->empty())) {
      spec["clusterIPs"] = json::array{json::value(clusterIP)};
    } else if (clusterIP.empty() && ips && !ips->empty() && (*ips)[0].is_string()) {
      spec["clusterIP"] = (*ips)[0];
      clusterIP = std::string((*ips)[0].as_string());
    }
    if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
    const auto* families = v::getArray(spec, "ipFamilies");
    if (!families || families->empty()) {
      bool v6 = clusterIP != "None" && clusterIP.find(':') != std::string::npos;
      spec["ipFamilies"] = json::array{json::value(v6 ? "IPv6" : "IPv4")};
    }
  }
  auto& status = v::ensureObject(svc, "status");
  if (!status.contains("loadBalancer")) status["loadBalancer"] = json::object();
}

// Go's %#v of the key Kubernetes uses to find duplicate (protocol, port) pairs.
std::string servicePortKey(std::string_view protocol, int64_t port) {
  return "core.ServicePort{Name:\"\", Protocol:\"" + std::string(protocol) +
         "\", AppProtocol:(*string)(nil), Port:" + std::to_string(port) +
         ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}";
}

void validatePort(const json::object& port, bool requireName, std::set<std::string>& names,
                  const std::string& path, v::Causes& out) {
  std::string name(v::getString(port, "name").value_or(""));
  if (requireName && name.empty()) {
    out.push_back(v::required(v::child(path, "name")));
  } else if (!name.empty()) {
    for (auto& m : v::isDns1123Label(name))
      out.push_back(v::invalid(v::child(path, "name"), json::value(name), m));
    if (!names.insert(name).second)
      out.push_back(v::duplicate(v::child(path, "name"), json::value(name)));
  }
  auto num = v::getInt(port, "port").value_or(0);
  for (auto& m : v::isValidPortNum(num))
    out.push_back(v::invalid(v::child(path, "port"), json::value(num), m));
  auto proto = v::getString(port, "protocol").value_or("");
  if (proto.empty()) {
    out.push_back(v::required(v::child(path, "protocol")));
  } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
    out.push_back(
        v::notSupported(v::child(path, "protocol"), json::value(proto), {"SCTP", "TCP", "UDP"}));
  }
  if (const json::value* target = port.if_contains("targetPort")) {
    std::string tp = v::child(path, "targetPort");
    if (target->is_string()) {
      for (auto& m : v::isValidPortName(target->as_string()))
        out.push_back(v::invalid(tp, *target, m));
    } else if (target->is_int64() || target->is_uint64()) {
      int64_t n =
          target->is_int64() ? target->as_int64() : static_cast<int64_t>(target->as_uint64());
      for (auto& m : v::isValidPortNum(n)) out.push_back(v::invalid(tp, json::value(n), m));
    }
  }
}

void validateClusterIPs(const json::object& spec, v::Causes& out) {
  std::string clusterIP(v::getString(spec, "clusterIP").value_or(""));
  const auto* ips = v::getArray(spec, "clusterIPs");
  std::string type(v::getString(spec, "type").value_or(""));
  if (type == "ExternalName") {
    if (!clusterIP.empty() || (ips && !ips->empty()))
      out.push_back(v::forbidden("spec.clusterIPs", "may not be set for `type=ExternalName`"));
    return;
  }
  if (ips && !ips->empty()) {
    if (!(*ips)[0].is_string() || (*ips)[0].as_string() != clusterIP)
      out.push_back(
          v::invalid("spec.clusterIPs", json::value(*ips), "first value must match `clusterIP`"));
    if (ips->size() > 2)
      out.push_back(
          v::invalid("spec.clusterIPs", json::value(*ips), "may only hold up to 2 values"));
    for (size_t i = 0; i < ips->size(); ++i) {
      if (!(*ips)[i].is_string()) continue;
      std::string ip((*ips)[i].as_string());
      std::string p = v::index("spec.clusterIPs", i);
      if (ip == "None") {
        if (i != 0)
          out.push_back(v::invalid(p, json::value(ip), "`None` is only valid as the first value"));
        continue;
      }
      for (auto& m : v::isValidIp(ip)) out.push_back(v::invalid(p, json::value(ip), m));
    }
  } else if (!clusterIP.empty() && clusterIP != "None") {
    for (auto& m : v::isValidIp(clusterIP))
      out.push_back(v::invalid("spec.clusterIP", json::value(clusterIP), m));
  }
  if (auto policy = v::getString(spec, "ipFamilyPolicy"); policy && *policy != "SingleStack" &&
                                                          *policy != "PreferDualStack" &&
                                                          *policy != "RequireDualStack")
    out.push_back(v::notSupported("spec.ipFamilyPolicy", json::value(*policy),
                                  {"PreferDualStack", "RequireDualStack", "SingleStack"}));
  if (const auto* fams = v::getArray(spec, "ipFamilies")) {
    std::set<std::string> seen;
    for (size_t i = 0; i < fams->size(); ++i) {
      if (!(*fams)[i].is_string()) continue;
      std::string f((*fams)[i].as_string());
      std::string p = v::index("spec.ipFamilies", i);
      if (f != "IPv4" && f != "IPv6") {
        out.push_back(v::notSupported(p, json::value(f), {"IPv4", "IPv6"}));
      } else if (!seen.insert(f).second) {
        out.push_back(v::duplicate(p, json::value(f)));
      }
    }
  }
}

v::Causes validate(const json::object& svc, const json::object* old) {
  v::Causes out = v::validateMeta(svc, old, true, v::nameIsDns1035Label);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(svc, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  std::string type(v::getString(spec, "type").value_or(""));
  std::string clusterIP(v::getString(spec, "clusterIP").value_or(""));
  static const json::array kNoPorts;
  const auto* portsPtr = v::getArray(spec, "ports");
  const auto& ports = portsPtr ? *portsPtr : kNoPorts;
  bool headless = clusterIP == "None";

  if (ports.empty() && !headless && type != "ExternalName")
    out.push_back(v::required("spec.ports"));
  if (type == "ExternalName") {
    std::string ext(v::getString(spec, "externalName").value_or(""));
    if (ext.empty()) {
      out.push_back(v::required("spec.externalName"));
    } else {
      // A trailing dot (fully qualified) is allowed.
      std::string name = ext.back() == '.' ? ext.substr(0, ext.size() - 1) : ext;
      for (auto& m : v::isDns1123Subdomain(name))
        out.push_back(v::invalid("spec.externalName", json::value(ext), m));
    }
  }
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (!ports[i].is_object()) continue;
    validatePort(ports[i].as_object(), ports.size() > 1, names, v::index("spec.ports", i), out);
  }
  if (spec.contains("selector"))
    v::append(out, v::validateLabels(spec.if_contains("selector"), "spec.selector"));
  std::string affinity(v::getString(spec, "sessionAffinity").value_or(""));
  if (affinity.empty()) {
    out.push_back(v::required("spec.sessionAffinity"));
  } else if (affinity != "ClientIP" && affinity != "None") {
    out.push_back(
        v::notSupported("spec.sessionAffinity", json::value(affinity), {"ClientIP", "None"}));
  }
  if (affinity == "ClientIP") {
    const auto* cfg = v::getObject(spec, "sessionAffinityConfig");
    const auto* client = cfg ? v::getObject(*cfg, "clientIP") : nullptr;
    auto timeout = client ? v::getInt(*client, "timeoutSeconds") : std::nullopt;
    if (!timeout || *timeout <= 0 || *timeout > kMaxClientIPTimeout)
      out.push_back(v::invalid(
          "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
          timeout ? json::value(*timeout) : json::value(nullptr),
          "must be greater than 0 and less than " + std::to_string(kMaxClientIPTimeout)));
  } else if (spec.contains("sessionAffinityConfig") &&
             !spec.at("sessionAffinityConfig").is_null()) {
    out.push_back(v::invalid("spec.sessionAffinityConfig", spec.at("sessionAffinityConfig"),
                             "must not be set when session affinity is None"));
  }
  validateClusterIPs(spec, out);
  if (const auto* ext = v::getArray(spec, "externalIPs")) {
    for (size_t i = 0; i < ext->size(); ++i) {
      if (!(*ext)[i].is_string()) continue;
      for (auto& m : v::isValidIp((*ext)[i].as_string()))
        out.push_back(v::invalid(v::index("spec.externalIPs", i), (*ext)[i], m));
    }
  }
  if (type.empty()) {
    out.push_back(v::required("spec.type"));
  } else if (type != "ClusterIP" && type != "ExternalName" && type != "LoadBalancer" &&
             type != "NodePort") {
    out.push_back(v::notSupported("spec.type", json::value(type),
                                  {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
  }
  std::set<std::pair<std::string, int64_t>> nodePorts, portKeys;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (!ports[i].is_object()) continue;
    const auto& port = ports[i].as_object();
    std::string p = v::index("spec.ports", i);
    std::string proto(v::getString(port, "protocol").value_or(""));
    auto nodePort = v::getInt(port, "nodePort").value_or(0);
    if (type == "ClusterIP" && nodePort != 0)
      out.push_back(
          v::forbidden(v::child(p, "nodePort"), "may not be used when `type` is 'ClusterIP'"));
    if (nodePort != 0) {
      if (type != "ClusterIP")
        for (auto& m : v::isValidPortNum(nodePort))
          out.push_back(v::invalid(v::child(p, "nodePort"), json::value(nodePort), m));
      if (!nodePorts.insert({proto, nodePort}).second)
        out.push_back(v::duplicate(v::child(p, "nodePort"), json::value(nodePort)));
    }
    auto num = v::getInt(port, "port").value_or(0);
    if (!portKeys.insert({proto, num}).second) {
      StatusCause c{"FieldValueDuplicate", "Duplicate value: " + servicePortKey(proto, num), p};
      out.push_back(std::move(c));
    }
  }
  for (auto f : {"externalTrafficPolicy", "internalTrafficPolicy"}) {
    if (auto pol = v::getString(spec, f);
        pol && !pol->empty() && *pol != "Cluster" && *pol != "Local")
      out.push_back(v::notSupported(v::child("spec", f), json::value(*pol), {"Cluster", "Local"}));
  }
  if (!externallyAccessible(spec) && spec.contains("externalTrafficPolicy") &&
      !v::getString(spec, "externalTrafficPolicy").value_or("").empty())
    out.push_back(v::invalid("spec.externalTrafficPolicy", spec.at("externalTrafficPolicy"),
                             "may only be set for externally-accessible services"));

  if (old) {
    const auto* oldSpec = v::getObject(*old, "spec");
    std::string oldType(oldSpec ? v::getString(*oldSpec, "type").value_or("") : "");
    std::string oldIP(oldSpec ? v::getString(*oldSpec, "clusterIP").value_or("") : "");
    // The primary cluster IP is fixed once allocated, unless the service moves to or from
    // ExternalName. An empty value is filled from the old object by the service REST layer.
    if (type != "ExternalName" && oldType != "ExternalName" && !oldIP.empty() &&
        !clusterIP.empty() && clusterIP != oldIP)
      out.push_back(
          v::invalid("spec.clusterIPs[0]", json::value(clusterIP), "may not change once set"));
  }
  return out;
}

}  // namespace

KindStrategy serviceStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace cube::api::kinds::core
