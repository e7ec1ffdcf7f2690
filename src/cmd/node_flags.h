#pragma once
// The flags of a node agent, shared by `cube agent` and `cube server` (whose embedded agent
// accepts the same ones, as k3s' server accepts its agent's), and how they become the options
// of an AgentHost.

#include "agent/agent_host.h"

#include <CLI/CLI.hpp>

#include <string>

namespace cube::cmd {

struct NodeFlags {
  std::string runtime;      // crun or fake; the default depends on the command
  std::string nodeName;     // `cube server`: the host's name
  std::string nodeIP;       // default: the host's address (crun) or 127.1.0.1 (+i for hollow nodes)
  std::string capacityCpu;  // empty: the host's (crun) or 4 (fake)
  std::string capacityMemory;  // empty: the host's (crun) or 8Gi (fake)
  std::string capacityPods = "110";
  std::string nodeLabels;          // the kubelet's --node-labels k=v,...
  std::string registerWithTaints;  // the kubelet's --register-with-taints k=v:Effect,...
  double fakeStartDelay = 0.5;
  double leaseRenewInterval = 10;
  double nodeStatusInterval = 60;
  double restartBackoff = 10;
  int threads = 4;
  std::string bridgeName = "cube0";
  std::string crunPath = "crun";
  // The agent's server for logs/exec/attach: -1 = 10250 with crun, any free port with one
  // hollow node, none for --count N.
  int kubeletPort = -1;
  std::string podManifestPath;  // static pods (the kubelet's --pod-manifest-path)
};

// Adds the node flags to `cmd` (`cube agent` or `cube server`).
void addNodeFlags(CLI::App* cmd, NodeFlags& flags);

// What a node agent needs besides its flags.
struct NodeHosting {
  std::string dataDir;  // images, containers and IPAM under <dataDir>/agent
  int count = 0;        // 0: one node named flags.nodeName; N: hollow nodes <prefix><i>
  std::string nodeNamePrefix;
};

// The AgentHost options of these flags. Throws std::invalid_argument for a flag that is wrong
// (exit 2) and std::runtime_error when this host cannot run the runtime (exit 1); the message
// says what is missing.
agent::AgentHostOptions makeAgentHostOptions(const NodeFlags& flags, const NodeHosting& hosting);

}  // namespace cube::cmd
