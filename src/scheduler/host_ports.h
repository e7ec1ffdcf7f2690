#pragma once
// Host ports: two pods on one node cannot both bind the same protocol/port on overlapping host
// addresses (an empty or 0.0.0.0 hostIP overlaps every address).

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cube::scheduler {

struct HostPort {
  std::string protocol;  // TCP (default), UDP, SCTP
  std::string hostIp;    // "0.0.0.0" when empty
  int64_t port = 0;
  bool operator==(const HostPort&) const = default;
  bool conflictsWith(const HostPort& other) const;
};

// The hostPorts a pod's containers (and init containers) declare.
std::vector<HostPort> podHostPorts(const boost::json::object& podSpec);

// Host ports in use on one node, with a use count (two pods may legitimately share one when
// they were bound before the scheduler saw them; removing one must not free the port).
class HostPortSet {
 public:
  void add(const HostPort& p);
  void remove(const HostPort& p);
  bool conflicts(const std::vector<HostPort>& wanted) const;
  bool empty() const { return used_.empty(); }

 private:
  std::vector<std::pair<HostPort, int>> used_;  // few per node: a vector beats a map
};

}  // namespace cube::scheduler
