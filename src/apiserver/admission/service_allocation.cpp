#include "apiserver/admission/service_allocation.h"

#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"

#include <cstdio>

namespace cube::apiserver {

namespace bj = boost::json;

namespace {
constexpr auto kPendingLifetime = std::chrono::seconds(30);

ApiError invalidService(const std::string& name, const std::string& field,
                        const std::string& message) {
  return ApiError::invalid("", "Service", name, {{"FieldValueInvalid", message, field}});
}

std::string quotedList(const std::string& ip) {
  return "[]string{\"" + ip + "\"}";
}
}  // namespace

ServiceAllocation::ServiceAllocation(
    ServiceRanges ranges,
    std::function<void(const std::function<void(const bj::object&)>&)> services)
    : ranges_(ranges), services_(std::move(services)) {}

std::string ServiceAllocation::formatIp(uint32_t ip) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                ip & 255);
  return buf;
}

std::optional<uint32_t> ServiceAllocation::parseIp(const std::string& text) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return std::nullopt;
  if (a > 255 || b > 255 || c > 255 || d > 255) return std::nullopt;
  return (a << 24) | (b << 16) | (c << 8) | d;
}

std::string ServiceAllocation::cidrText() const {
  return formatIp(ranges_.cidrBase) + "/" + std::to_string(ranges_.cidrPrefix);
}

void ServiceAllocation::unsafeCollectUsed(const std::string& exceptNamespace,
                                          const std::string& exceptName) {
  usedIps_.clear();
  usedPorts_.clear();
  auto now = std::chrono::steady_clock::now();
  std::erase_if(pendingIps_, [&](const auto& p) { return p.second < now; });
  std::erase_if(pendingPorts_, [&](const auto& p) { return p.second < now; });
  services_([&](const bj::object& svc) {
    if (namespaceOf(svc) == exceptNamespace && nameOf(svc) == exceptName) return;
    const auto* spec = json::getObject(svc, "spec");
    if (!spec) return;
    if (auto ip = parseIp(json::getString(*spec, "clusterIP"))) {
      usedIps_.insert(*ip);
      pendingIps_.erase(*ip);
    }
    if (const auto* ports = json::getArray(*spec, "ports")) {
      for (const auto& p : *ports) {
        if (!p.is_object()) continue;
        int port = static_cast<int>(json::getInt(p.get_object(), "nodePort"));
        if (port) {
          usedPorts_.insert(port);
          pendingPorts_.erase(port);
        }
      }
    }
  });
}

void ServiceAllocation::admit(AdmissionRequest& request) {
  const auto& r = *request.resource;
  if (!(r.group.empty() && r.kind == "Service") || !request.object || request.subresource != "") {
    return;
  }
  if (request.operation != AdmissionOperation::Create &&
      request.operation != AdmissionOperation::Update) {
    return;
  }
  auto& spec = json::ensureObject(*request.object, "spec");
  const bj::object* oldSpec =
      request.oldObject ? json::getObject(*request.oldObject, "spec") : nullptr;
  std::lock_guard lock(mutex_);
  unsafeCollectUsed(request.namespace_, request.name);
  std::string type = json::getString(spec, "type", "ClusterIP");
  if (type != "ExternalName") {
    allocateClusterIp(spec, oldSpec, request.name);
  }
  if (type == "NodePort" || type == "LoadBalancer") {
    allocateNodePorts(spec, oldSpec, request.name);
  } else if (const auto* ports = json::getArray(spec, "ports")) {
    // Only NodePort and LoadBalancer services hold node ports.
    bj::array cleared = *ports;
    for (auto& p : cleared) {
      if (p.is_object()) p.get_object().erase("nodePort");
    }
    spec["ports"] = std::move(cleared);
  }
}

void ServiceAllocation::allocateClusterIp(bj::object& spec, const bj::object* oldSpec,
                                          const std::string& name) {
  std::string requested = json::getString(spec, "clusterIP");
  if (requested.empty()) {
    if (const auto* ips = json::getArray(spec, "clusterIPs")) {
      if (!ips->empty() && (*ips)[0].is_string()) requested = std::string((*ips)[0].get_string());
    }
  }
  std::string old = oldSpec ? json::getString(*oldSpec, "clusterIP") : "";
  if (!old.empty()) {
    if (!requested.empty() && requested != old) {
      throw ApiError::invalid(
          "", "Service", name,
          {{"FieldValueInvalid", "Invalid value: " + quotedList(requested) + ": field is immutable",
            "spec.clusterIPs[0]"}});
    }
    requested = old;
  } else if (requested == "None") {
    // Headless: no IP.
  } else if (!requested.empty()) {
    auto ip = parseIp(requested);
    uint32_t mask = ranges_.cidrPrefix == 0 ? 0 : ~0u << (32 - ranges_.cidrPrefix);
    if (!ip) {
      throw invalidService(name, "spec.clusterIPs[0]",
                           "Invalid value: \"" + requested +
                               "\": must be a valid IP address, "
                               "(e.g. 10.9.8.7 or 2001:db8::ffff)");
    }
    if ((*ip & mask) != ranges_.cidrBase) {
      throw invalidService(name, "spec.clusterIPs",
                           "Invalid value: " + quotedList(requested) + ": failed to allocate IP " +
                               requested + ": the provided IP (" + requested +
                               ") is not in the valid range. The range of valid IPs is " +
                               cidrText());
    }
    if (usedIps_.count(*ip) || pendingIps_.count(*ip)) {
      throw invalidService(name, "spec.clusterIPs",
                           "Invalid value: " + quotedList(requested) + ": failed to allocate IP " +
                               requested + ": provided IP is already allocated");
    }
    pendingIps_[*ip] = std::chrono::steady_clock::now() + kPendingLifetime;
  } else {
    uint32_t size = 1u << (32 - ranges_.cidrPrefix);
    // Random within the range, skipping the network address and .1 (the API's own service).
    std::uniform_int_distribution<uint32_t> pick(2, size - 2);
    uint32_t start = pick(rng_);
    std::optional<uint32_t> found;
    for (uint32_t i = 0; i < size - 3; ++i) {
      uint32_t candidate = ranges_.cidrBase + 2 + (start - 2 + i) % (size - 3);
      if (!usedIps_.count(candidate) && !pendingIps_.count(candidate)) {
        found = candidate;
        break;
      }
    }
    if (!found) {
      throw ApiError::internal("failed to allocate a serviceIP: range is full");
    }
    pendingIps_[*found] = std::chrono::steady_clock::now() + kPendingLifetime;
    requested = formatIp(*found);
  }
  spec["clusterIP"] = requested;
  spec["clusterIPs"] = bj::array{bj::value(requested)};
  if (!spec.contains("ipFamilies")) spec["ipFamilies"] = bj::array{"IPv4"};
  if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
}

void ServiceAllocation::allocateNodePorts(bj::object& spec, const bj::object* oldSpec,
                                          const std::string& name) {
  auto* ports = json::getArray(spec, "ports") ? &spec["ports"].get_array() : nullptr;
  if (!ports) return;
  // Ports the service already held keep their node ports when the client omits them.
  std::map<std::pair<int64_t, std::string>, int64_t> previous;
  if (oldSpec) {
    if (const auto* oldPorts = json::getArray(*oldSpec, "ports")) {
      for (const auto& p : *oldPorts) {
        if (!p.is_object()) continue;
        const auto& po = p.get_object();
        previous[{json::getInt(po, "port"), json::getString(po, "protocol", "TCP")}] =
            json::getInt(po, "nodePort");
      }
    }
  }
  std::set<int> taken;
  for (size_t i = 0; i < ports->size(); ++i) {
    if (!(*ports)[i].is_object()) continue;
    auto& p = (*ports)[i].get_object();
    int64_t nodePort = json::getInt(p, "nodePort");
    std::string field = "spec.ports[" + std::to_string(i) + "].nodePort";
    if (nodePort == 0) {
      auto it = previous.find({json::getInt(p, "port"), json::getString(p, "protocol", "TCP")});
      if (it != previous.end() && it->second) {
        p["nodePort"] = it->second;
        taken.insert(static_cast<int>(it->second));
      }
      continue;
    }
    bool held = false;
    for (const auto& [key, port] : previous) held = held || port == nodePort;
    if (nodePort < ranges_.nodePortMin || nodePort > ranges_.nodePortMax) {
      throw invalidService(name, field,
                           "Invalid value: " + std::to_string(nodePort) +
                               ": provided port is not in the valid range. The range of valid "
                               "ports is " +
                               std::to_string(ranges_.nodePortMin) + "-" +
                               std::to_string(ranges_.nodePortMax));
    }
    if (!held && (usedPorts_.count(static_cast<int>(nodePort)) ||
                  pendingPorts_.count(static_cast<int>(nodePort)))) {
      throw invalidService(
          name, field,
          "Invalid value: " + std::to_string(nodePort) + ": provided port is already allocated");
    }
    taken.insert(static_cast<int>(nodePort));
    pendingPorts_[static_cast<int>(nodePort)] = std::chrono::steady_clock::now() + kPendingLifetime;
  }
  int span = ranges_.nodePortMax - ranges_.nodePortMin + 1;
  std::uniform_int_distribution<int> pick(0, span - 1);
  for (auto& v : *ports) {
    if (!v.is_object()) continue;
    auto& p = v.get_object();
    if (json::getInt(p, "nodePort") != 0) continue;
    int start = pick(rng_);
    int chosen = 0;
    for (int i = 0; i < span; ++i) {
      int candidate = ranges_.nodePortMin + (start + i) % span;
      if (!usedPorts_.count(candidate) && !pendingPorts_.count(candidate) &&
          !taken.count(candidate)) {
        chosen = candidate;
        break;
      }
    }
    if (!chosen) throw ApiError::internal("failed to allocate a nodePort: range is full");
    taken.insert(chosen);
    pendingPorts_[chosen] = std::chrono::steady_clock::now() + kPendingLifetime;
    p["nodePort"] = chosen;
  }
}

}  // namespace cube::apiserver
