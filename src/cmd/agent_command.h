#pragma once
// `cube agent`: node agent(s) joining a server — one node, or `--count N` hollow nodes in one
// process (fake runtime) for scale tests.

#include <CLI/CLI.hpp>

#include <string>

namespace cube::cmd {

struct AgentFlags {
  std::string runtime = "fake";
  std::string nodeName;
  std::string kubeconfig;
  std::string server;  // default: the kubeconfig's clusters[0].cluster.server
  int count = 0;       // 0: one node named --node-name
  std::string nodeNamePrefix = "hollow-";
  std::string nodeIP;          // default 127.1.0.1 (+i for the i-th hollow node)
  std::string capacityCpu;     // empty: the host's (crun) or 4 (fake)
  std::string capacityMemory;  // empty: the host's (crun) or 8Gi (fake)
  std::string capacityPods = "110";
  std::string nodeLabels;          // the kubelet's --node-labels k=v,...
  std::string registerWithTaints;  // the kubelet's --register-with-taints k=v:Effect,...
  double fakeStartDelay = 0.5;
  double leaseRenewInterval = 10;
  double nodeStatusInterval = 60;
  double restartBackoff = 10;
  int threads = 4;
  std::string logLevel = "info";
  // --runtime=crun: where the node keeps images, containers and IPAM (<dataDir>/agent/...).
  std::string dataDir = "/var/lib/cube";
  std::string bridgeName = "cube0";
  std::string crunPath = "crun";
};

// Adds the `agent` subcommand with its flags bound to `flags`.
CLI::App* addAgentCommand(CLI::App& app, AgentFlags& flags);

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int runAgent(const AgentFlags& flags);

// clusters[0].cluster.server of a kubeconfig file; throws std::runtime_error when absent.
std::string serverFromKubeconfig(const std::string& path);

}  // namespace cube::cmd
