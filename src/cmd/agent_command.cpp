#include "cmd/agent_command.h"

#include "agent/host_capacity.h"

#include "agent/agent_host.h"
#include "agent/node_config.h"
#include "client/http_api_client.h"
#include "cmd/termination_signals.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <iostream>
#include <map>
#include <vector>

namespace cube::cmd {

namespace {

std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

// The i-th address after `base` (127.1.0.1, 127.1.0.2, ...), so hollow nodes differ.
std::string nthAddress(const std::string& base, uint32_t i) {
  in_addr addr{};
  if (inet_pton(AF_INET, base.c_str(), &addr) != 1) {
    throw std::runtime_error("--node-ip " + base + " is not an IPv4 address");
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

CLI::App* addAgentCommand(CLI::App& app, AgentFlags& f) {
  auto* cmd = app.add_subcommand("agent", "Run a node agent (or N hollow nodes) joining a server");
  cmd->add_option("--runtime", f.runtime,
                  "Container runtime: crun (real containers, one node; needs root) or fake "
                  "(hollow nodes)")
      ->capture_default_str();
  cmd->add_option("--data-dir", f.dataDir,
                  "With --runtime=crun: images, containers and IPAM under <dir>/agent")
      ->capture_default_str();
  cmd->add_option("--bridge-name", f.bridgeName, "With --runtime=crun: the pods' Linux bridge")
      ->capture_default_str();
  cmd->add_option("--crun-path", f.crunPath, "With --runtime=crun: the crun binary")
      ->capture_default_str();
  cmd->add_option("--node-name", f.nodeName, "Name of the node (without --count)");
  cmd->add_option("--kubeconfig", f.kubeconfig, "kubeconfig with the server's address");
  cmd->add_option("--server", f.server, "API server URL (default: from the kubeconfig)");
  cmd->add_option("--count", f.count, "Host this many hollow nodes named <prefix><i>");
  cmd->add_option("--node-name-prefix", f.nodeNamePrefix, "Name prefix with --count")
      ->capture_default_str();
  cmd->add_option("--node-ip", f.nodeIP,
                  "InternalIP (with --count: of the first node, then +1 each; default 127.1.0.1)");
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
  cmd->add_option("--threads", f.threads, "Worker threads shared by all nodes")
      ->capture_default_str();
  cmd->add_option("--log-level", f.logLevel, "debug, info or warn")->capture_default_str();
  return cmd;
}

std::string serverFromKubeconfig(const std::string& path) {
  YAML::Node config;
  try {
    config = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read kubeconfig " + path + ": " + e.what());
  }
  auto clusters = config["clusters"];
  if (clusters && clusters.IsSequence() && clusters.size() > 0) {
    auto server = clusters[0]["cluster"]["server"];
    if (server && server.IsScalar()) return server.as<std::string>();
  }
  throw std::runtime_error("kubeconfig " + path + " has no clusters[0].cluster.server");
}

int runAgent(const AgentFlags& f) {
  if (f.logLevel == "debug") log::setLevel(log::Level::Debug);
  if (f.logLevel == "warn") log::setLevel(log::Level::Warn);
  if (f.runtime != "fake" && f.runtime != "crun") {
    std::cerr << "cube agent: unknown --runtime=" << f.runtime << ": use crun or fake" << std::endl;
    return 2;
  }
  if (f.runtime == "crun") {
    if (f.count > 0) {
      std::cerr << "cube agent: --count is for hollow nodes (--runtime=fake); a crun agent runs "
                   "one node (--node-name)"
                << std::endl;
      return 2;
    }
    agent::CrunNodeOptions crun;
    crun.crunPath = f.crunPath;
    if (auto why = agent::crunUnavailableReason(crun)) {
      std::cerr << "cube agent: --runtime=crun cannot run containers here: " << *why
                << " (use --runtime=fake for hollow nodes)" << std::endl;
      return 1;
    }
  }
  if (f.count < 0 || (f.count == 0 && f.nodeName.empty())) {
    std::cerr << "cube agent: give --node-name NAME, or --count N (with --node-name-prefix)"
              << std::endl;
    return 2;
  }
  std::string server = f.server;
  if (server.empty()) {
    if (f.kubeconfig.empty()) {
      std::cerr << "cube agent: give --kubeconfig FILE or --server URL" << std::endl;
      return 2;
    }
    server = serverFromKubeconfig(f.kubeconfig);
  }
  std::map<std::string, std::string> labels;
  std::vector<agent::NodeTaint> taints;
  try {
    labels = agent::parseNodeLabels(f.nodeLabels);
    taints = agent::parseNodeTaints(f.registerWithTaints);
  } catch (const std::invalid_argument& e) {
    std::cerr << "cube agent: " << e.what() << std::endl;
    return 2;
  }
  TerminationSignals signals;
  std::signal(SIGPIPE, SIG_IGN);

  agent::AgentHostOptions options;
  options.runtime = f.runtime;
  options.fake.startDelay = seconds(f.fakeStartDelay);
  options.crun.dataDir = f.dataDir;
  options.crun.bridgeName = f.bridgeName;
  options.crun.crunPath = f.crunPath;
  options.threads = f.threads > 0 ? f.threads : 1;
  int count = f.count > 0 ? f.count : 1;
  std::string baseIP = f.nodeIP.empty() ? "127.1.0.1" : f.nodeIP;
  // A real node offers what the host has, as the kubelet reports it; hollow nodes what they are
  // told.
  agent::HostCapacity hostCapacity;
  if (f.runtime == "crun") {
    try {
      hostCapacity = agent::readHostCapacity(f.dataDir);
    } catch (const std::exception& e) {
      std::cerr << "cube agent: " << e.what() << std::endl;
      return 1;
    }
  }
  for (int i = 0; i < count; ++i) {
    agent::NodeConfig node;
    node.nodeName = f.count > 0 ? f.nodeNamePrefix + std::to_string(i) : f.nodeName;
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
    node.leaseRenewInterval = seconds(f.leaseRenewInterval);
    node.statusInterval = seconds(f.nodeStatusInterval);
    node.restartBackoffBase = seconds(f.restartBackoff);
    options.nodes.push_back(std::move(node));
  }

  auto client = client::HttpApiClient::fromUrl(server);
  std::unique_ptr<agent::AgentHost> hostPtr;
  try {
    hostPtr = std::make_unique<agent::AgentHost>(std::move(options), client);
  } catch (const std::exception& e) {
    std::cerr << "cube agent: " << e.what() << std::endl;
    return 1;
  }
  agent::AgentHost& host = *hostPtr;
  host.start();
  CUBE_LOG(Info) << "cube agent: " << count << " node(s) with the " << f.runtime
                 << " runtime, server " << server;
  std::cout << "cube agent is running " << count << " node(s) against " << server << std::endl;

  int sig = signals.wait();
  CUBE_LOG(Info) << "signal " << sig << ": stopping the agent";
  host.stop();
  return 0;
}

}  // namespace cube::cmd
