#pragma once
// NodeConfig: what one node agent registers and how often it reports. `cube agent` fills one per
// hosted node; tests fill it directly.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cube::agent {

// A taint the node registers with (the kubelet's --register-with-taints).
struct NodeTaint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule or NoExecute
};

struct NodeConfig {
  std::string nodeName;
  std::string internalIP = "127.1.0.1";
  std::string cpu = "4";
  std::string memory = "8Gi";
  std::string pods = "110";
  std::string ephemeralStorage = "100Gi";
  // What pods may use; empty: the capacity (hollow nodes reserve nothing).
  std::string allocatableMemory;
  std::string allocatableEphemeralStorage;
  std::map<std::string, std::string> labels;  // on top of the kubernetes.io/* ones
  // Set on the Node when the agent creates it; a Node that already exists keeps its taints, as
  // with the kubelet.
  std::vector<NodeTaint> registerTaints;
  // Used for pod IPs until the node's spec.podCIDR is known (it wins once it is).
  std::string fallbackPodCIDR = "10.42.0.0/24";
  std::string runtimeLabel = "fake";  // node.kubernetes.io/instance-type: hollow nodes say so
  // The agent's own server (logs, exec, attach), on internalIP; reported as the Node's
  // daemonEndpoints.kubeletEndpoint.Port. 0: any free port (the one bound is reported);
  // -1: none (hollow nodes hosted by the dozen, unit tests).
  int kubeletPort = -1;

  std::chrono::milliseconds leaseRenewInterval{10000};
  int leaseDurationSeconds = 40;
  std::chrono::milliseconds statusInterval{60000};
  // Crash-loop back-off: first restart at once, then base, 2*base, ... up to max.
  std::chrono::milliseconds restartBackoffBase{10000};
  std::chrono::milliseconds restartBackoffMax{300000};
  // Where the pods' volumes go (<podsDir>/<uid>/volumes/...); empty: the node mounts none
  // (hollow nodes).
  std::string podsDir;
};

// The kubelet's flag syntax. --node-labels: "key=value,key2=value2". --register-with-taints:
// "key=value:Effect,key2:Effect" (the value may be left out). Throw std::invalid_argument on a
// malformed item.
std::map<std::string, std::string> parseNodeLabels(const std::string& spec);
std::vector<NodeTaint> parseNodeTaints(const std::string& spec);

}  // namespace cube::agent
