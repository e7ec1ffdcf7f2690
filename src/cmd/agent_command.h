#pragma once
// `cube agent`: node agent(s) joining a server — one node, or `--count N` hollow nodes in one
// process (fake runtime) for scale tests.

#include "cmd/node_flags.h"

#include <CLI/CLI.hpp>

#include <string>

namespace cube::cmd {

struct AgentFlags {
  NodeFlags node;  // runtime "fake" unless given
  std::string kubeconfig;
  std::string server;  // default: the kubeconfig's clusters[0].cluster.server
  int count = 0;       // 0: one node named --node-name
  std::string nodeNamePrefix = "hollow-";
  std::string logLevel = "info";
  // --runtime=crun: where the node keeps images, containers and IPAM (<dataDir>/agent/...).
  std::string dataDir = "/var/lib/cube";
};

// Adds the `agent` subcommand with its flags bound to `flags`.
CLI::App* addAgentCommand(CLI::App& app, AgentFlags& flags);

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int runAgent(const AgentFlags& flags);

// clusters[0].cluster.server of a kubeconfig file; throws std::runtime_error when absent.
std::string serverFromKubeconfig(const std::string& path);

}  // namespace cube::cmd
