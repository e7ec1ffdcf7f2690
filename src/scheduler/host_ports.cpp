#include "scheduler/host_ports.h"

#include "common/json_util.h"

namespace cube::scheduler {

namespace bj = boost::json;

bool HostPort::conflictsWith(const HostPort& other) const {
  if (port != other.port || protocol != other.protocol) return false;
  return hostIp == other.hostIp || hostIp == "0.0.0.0" || other.hostIp == "0.0.0.0";
}

std::vector<HostPort> podHostPorts(const bj::object& podSpec) {
  std::vector<HostPort> out;
  for (const char* field : {"containers", "initContainers"}) {
    const bj::array* containers = json::getArray(podSpec, field);
    if (!containers) continue;
    for (const bj::value& c : *containers) {
      if (!c.is_object()) continue;
      const bj::array* ports = json::getArray(c.get_object(), "ports");
      if (!ports) continue;
      for (const bj::value& p : *ports) {
        if (!p.is_object()) continue;
        int64_t hostPort = json::getInt(p.get_object(), "hostPort");
        if (hostPort <= 0) continue;
        HostPort hp{json::getString(p.get_object(), "protocol", "TCP"),
                    json::getString(p.get_object(), "hostIP", "0.0.0.0"), hostPort};
        if (hp.protocol.empty()) hp.protocol = "TCP";
        if (hp.hostIp.empty()) hp.hostIp = "0.0.0.0";
        out.push_back(std::move(hp));
      }
    }
  }
  return out;
}

void HostPortSet::add(const HostPort& p) {
  for (auto& [port, count] : used_) {
    if (port == p) {
      ++count;
      return;
    }
  }
  used_.emplace_back(p, 1);
}

void HostPortSet::remove(const HostPort& p) {
  for (auto it = used_.begin(); it != used_.end(); ++it) {
    if (it->first == p) {
      if (--it->second == 0) used_.erase(it);
      return;
    }
  }
}

bool HostPortSet::conflicts(const std::vector<HostPort>& wanted) const {
  for (const HostPort& w : wanted) {
    for (const auto& [port, count] : used_) {
      if (w.conflictsWith(port)) return true;
    }
  }
  return false;
}

}  // namespace cube::scheduler
