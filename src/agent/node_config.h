#pragma once
// NodeConfig: what one node agent registers and how often it reports. `cube agent` fills one per
// hosted node; tests fill it directly.

#include <chrono>
#include <map>
#include <string>

namespace cube::agent {

struct NodeConfig {
  std::string nodeName;
  std::string internalIP = "127.1.0.1";
  std::string cpu = "4";
  std::string memory = "8Gi";
  std::string pods = "110";
  std::map<std::string, std::string> labels;  // on top of the kubernetes.io/* ones
  // Used for pod IPs until the node's spec.podCIDR is known (it wins once it is).
  std::string fallbackPodCIDR = "10.42.0.0/24";
  std::string runtimeLabel = "fake";  // node.kubernetes.io/instance-type: hollow nodes say so

  std::chrono::milliseconds leaseRenewInterval{10000};
  int leaseDurationSeconds = 40;
  std::chrono::milliseconds statusInterval{60000};
  // Crash-loop back-off: first restart at once, then base, 2*base, ... up to max.
  std::chrono::milliseconds restartBackoffBase{10000};
  std::chrono::milliseconds restartBackoffMax{300000};
};

}  // namespace cube::agent
