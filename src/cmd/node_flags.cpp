#include "cmd/node_flags.h"

#include "agent/host_address.h"
#include "agent/host_capacity.h"
#include "agent/node_config.h"

#include <arpa/inet.h>

#include <stdexcept>

namespace cube::cmd {

namespace {

std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

// The i-th address after `base` (127.1.0.1, 127.1.0.2, ...), so hollow nodes differ.
std::string nthAddress(const std::string& base, uint32_t i) {
  in_addr addr{};
  if (inet_pton(AF_INET, base.c_str(), &addr) != 1) {
    throw std::invalid_argument("--node-ip " + base + " is not an IPv4 address");
  }
  addr.s_addr = htonl(ntohl(addr.s_addr) + i);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof(buf));
  return buf;
}

// 10.42.i.0/24 for the first 256 nodes, then 10.44+ (10.43 is the service range).
std::string fallbackCidr(uint32_t i) {
  uint32_t second = i < 256 ? 42 : 44 + (i - 256) / 256;
  return "10." + std::to_string(second) + "." + std::to_string(i % 256) + ".0/24";
}

}  // namespace

void addNodeFlags(CLI::App* cmd, NodeFlags& f) {
  cmd->add_option("--runtime", f.runtime,
                  "Container runtime: crun (real containers, one node; needs root) or fake "
                  "(hollow nodes)")
      ->capture_default_str();
  cmd->add_option("--bridge-name", f.bridgeName, "With --runtime=crun: the pods' Linux bridge")
      ->capture_default_str();
  cmd->add_option("--crun-path", f.crunPath, "With --runtime=crun: the crun binary")
      ->capture_default_str();
  cmd->add_option("--kubelet-port", f.kubeletPort,
                  "Port of the agent's server for kubectl logs/exec/attach, on the node IP (0: any "
                  "free port; default 10250 with crun, any free port for a hollow node)");
  cmd->add_option("--node-name", f.nodeName, "Name of the node");
  cmd->add_option("--pod-manifest-path", f.podManifestPath,
                  "Directory of static pod manifests (YAML or JSON, one Pod per file)");
  cmd->add_option("--node-ip", f.nodeIP,
                  "InternalIP (default: the host's address with crun, 127.1.0.1 for hollow "
                  "nodes, +1 for each further one)");
  cmd->add_option("--capacity-cpu", f.capacityCpu,
                  "Node cpu capacity (default: the host's CPUs with crun, 4 for hollow nodes)");
  cmd->add_option("--capacity-memory", f.capacityMemory,
                  "Node memory capacity (default: the host's memory with crun, 8Gi for hollow "
                  "nodes)");
  cmd->add_option("--capacity-pods", f.capacityPods, "Node pod capacity")->capture_default_str();
  cmd->add_option("--node-labels", f.nodeLabels,
                  "Labels to add when registering: key=value,... (as the kubelet)");
  cmd->add_option("--register-with-taints", f.registerWithTaints,
                  "Taints to register with: key=value:Effect,... (as the kubelet)");
  cmd->add_option("--fake-start-delay", f.fakeStartDelay, "Seconds before a fake container runs")
      ->capture_default_str();
  cmd->add_option("--lease-renew-interval", f.leaseRenewInterval, "Seconds between lease renewals")
      ->capture_default_str();
  cmd->add_option("--node-status-interval", f.nodeStatusInterval,
                  "Seconds between node status reports")
      ->capture_default_str();
  cmd->add_option("--restart-backoff", f.restartBackoff,
                  "First crash-loop back-off in seconds (doubles up to 300)")
      ->capture_default_str();
}

agent::AgentHostOptions makeAgentHostOptions(const NodeFlags& f, const NodeHosting& hosting) {
  if (f.runtime != "fake" && f.runtime != "crun") {
    throw std::invalid_argument("unknown --runtime=" + f.runtime + ": use crun or fake");
  }
  const bool crun = f.runtime == "crun";
  if (crun && hosting.count > 0) {
    throw std::invalid_argument(
        "--count is for hollow nodes (--runtime=fake); a crun agent runs one node");
  }
  if (hosting.count < 0 || (hosting.count == 0 && f.nodeName.empty())) {
    throw std::invalid_argument("give --node-name NAME, or --count N (with --node-name-prefix)");
  }
  agent::AgentHostOptions options;
  options.runtime = f.runtime;
  options.fake.startDelay = seconds(f.fakeStartDelay);
  options.crun.dataDir = hosting.dataDir;
  options.crun.bridgeName = f.bridgeName;
  options.crun.crunPath = f.crunPath;
  options.threads = f.threads > 0 ? f.threads : 1;
  options.podManifestPath = f.podManifestPath;
  if (!f.podManifestPath.empty() && hosting.count > 0) {
    throw std::invalid_argument("--pod-manifest-path is for one node, not --count");
  }
  if (crun) {
    if (auto why = agent::crunUnavailableReason(options.crun)) {
      throw std::runtime_error("--runtime=crun cannot run containers here: " + *why);
    }
  }
  auto labels = agent::parseNodeLabels(f.nodeLabels);
  auto taints = agent::parseNodeTaints(f.registerWithTaints);

  // A real node offers what the host has, as the kubelet reports it; hollow nodes what they are
  // told.
  agent::HostCapacity hostCapacity;
  if (crun) hostCapacity = agent::readHostCapacity(hosting.dataDir);
  std::string baseIP = !f.nodeIP.empty() ? f.nodeIP
                       : crun            ? agent::hostInternalIP(f.bridgeName)
                                         : "127.1.0.1";
  int count = hosting.count > 0 ? hosting.count : 1;
  for (int i = 0; i < count; ++i) {
    agent::NodeConfig node;
    node.nodeName = hosting.count > 0 ? hosting.nodeNamePrefix + std::to_string(i) : f.nodeName;
    node.internalIP = nthAddress(baseIP, i);
    node.cpu = !f.capacityCpu.empty()     ? f.capacityCpu
               : hostCapacity.cpu.empty() ? "4"
                                          : hostCapacity.cpu;
    if (!f.capacityMemory.empty()) {
      node.memory = f.capacityMemory;
    } else if (!hostCapacity.memory.empty()) {
      node.memory = hostCapacity.memory;
      node.allocatableMemory = hostCapacity.allocatableMemory;
    } else {
      node.memory = "8Gi";
    }
    if (!hostCapacity.ephemeralStorage.empty()) {
      node.ephemeralStorage = hostCapacity.ephemeralStorage;
      node.allocatableEphemeralStorage = hostCapacity.allocatableEphemeralStorage;
    }
    node.pods = f.capacityPods;
    node.labels = labels;
    node.registerTaints = taints;
    node.fallbackPodCIDR = fallbackCidr(i);
    node.runtimeLabel = f.runtime;
    node.kubeletPort = f.kubeletPort >= 0  ? f.kubeletPort
                       : crun              ? 10250
                       : hosting.count > 0 ? -1
                                           : 0;
    node.leaseRenewInterval = seconds(f.leaseRenewInterval);
    node.statusInterval = seconds(f.nodeStatusInterval);
    node.restartBackoffBase = seconds(f.restartBackoff);
    options.nodes.push_back(std::move(node));
  }
  return options;
}

}  // namespace cube::cmd
