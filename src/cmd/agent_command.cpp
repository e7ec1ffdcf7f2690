#include "cmd/agent_command.h"

#include "agent/agent_host.h"
#include "client/http_api_client.h"
#include "cmd/allocator.h"
#include "cmd/termination_signals.h"
#include "common/log.h"

#include <yaml-cpp/yaml.h>

#include <csignal>
#include <iostream>

namespace cube::cmd {

CLI::App* addAgentCommand(CLI::App& app, AgentFlags& f) {
  auto* cmd = app.add_subcommand("agent", "Run a node agent (or N hollow nodes) joining a server");
  if (f.node.runtime.empty()) f.node.runtime = "fake";
  addNodeFlags(cmd, f.node);
  cmd->add_option("--data-dir", f.dataDir,
                  "With --runtime=crun: images, containers and IPAM under <dir>/agent")
      ->capture_default_str();
  cmd->add_option("--kubeconfig", f.kubeconfig, "kubeconfig with the server's address");
  cmd->add_option("--server", f.server, "API server URL (default: from the kubeconfig)");
  cmd->add_option("--count", f.count, "Host this many hollow nodes named <prefix><i>");
  cmd->add_option("--node-name-prefix", f.nodeNamePrefix, "Name prefix with --count")
      ->capture_default_str();
  cmd->add_option("--threads", f.node.threads, "Worker threads shared by all nodes")
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
  startAllocatorBackgroundThread();
  if (f.logLevel == "debug") log::setLevel(log::Level::Debug);
  if (f.logLevel == "warn") log::setLevel(log::Level::Warn);
  agent::AgentHostOptions options;
  try {
    options = makeAgentHostOptions(f.node, {f.dataDir, f.count, f.nodeNamePrefix});
  } catch (const std::invalid_argument& e) {
    std::cerr << "cube agent: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cube agent: " << e.what() << " (use --runtime=fake for hollow nodes)"
              << std::endl;
    return 1;
  }
  std::string server = f.server;
  if (server.empty()) {
    if (f.kubeconfig.empty()) {
      std::cerr << "cube agent: give --kubeconfig FILE or --server URL" << std::endl;
      return 2;
    }
    server = serverFromKubeconfig(f.kubeconfig);
  }
  TerminationSignals signals;
  std::signal(SIGPIPE, SIG_IGN);
  const size_t count = options.nodes.size();

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
  CUBE_LOG(Info) << "cube agent: " << count << " node(s) with the " << f.node.runtime
                 << " runtime, server " << server;
  std::cout << "cube agent is running " << count << " node(s) against " << server << std::endl;

  int sig = signals.wait();
  CUBE_LOG(Info) << "signal " << sig << ": stopping the agent";
  host.stop();
  return 0;
}

}  // namespace cube::cmd
