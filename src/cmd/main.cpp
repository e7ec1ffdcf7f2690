// cube: one binary for every role (like k3s). Subcommands: server, agent, image, kubectl.

#include "cmd/agent_command.h"
#include "cmd/allocator.h"
#include "cmd/image_command.h"
#include "cmd/log_shim.h"
#include "cmd/server_command.h"

#include <CLI/CLI.hpp>

#include <unistd.h>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  // The crun runtime's per-container log copier: a hidden subcommand, before any flag parsing.
  if (argc >= 2 && std::string(argv[1]) == cube::cmd::kLogShimCommand) {
    return cube::cmd::runLogShim(argc - 2, argv + 2);
  }
  if (argc >= 2 && std::string(argv[1]) == "agent") cube::cmd::useAgentAllocatorSettings(argv);
  cube::cmd::registerLogShim();
  CLI::App app{"cube: a Kubernetes-compatible container orchestrator"};
  app.require_subcommand(1);

  cube::cmd::ServerFlags server;
  auto* serverCmd = cube::cmd::addServerCommand(app, server);

  cube::cmd::AgentFlags agent;
  auto* agentCmd = cube::cmd::addAgentCommand(app, agent);

  cube::cmd::ImageFlags image;
  auto* imageCmd = cube::cmd::addImageCommand(app, image);

  std::string kubeconfig = "/var/lib/cube/kubeconfig";
  std::vector<std::string> kubectlArgs;
  auto* kubectlCmd = app.add_subcommand("kubectl", "Run kubectl against this machine's cube");
  kubectlCmd->add_option("--kubeconfig", kubeconfig, "kubeconfig to use")->capture_default_str();
  kubectlCmd->add_option("args", kubectlArgs, "kubectl arguments");
  kubectlCmd->prefix_command();

  CLI11_PARSE(app, argc, argv);

  if (*serverCmd) {
    try {
      return cube::cmd::runServer(server);
    } catch (const std::exception& e) {
      std::cerr << "cube server: " << e.what() << std::endl;
      return 1;
    }
  }
  if (*agentCmd) {
    try {
      return cube::cmd::runAgent(agent);
    } catch (const std::exception& e) {
      std::cerr << "cube agent: " << e.what() << std::endl;
      return 1;
    }
  }
  if (*imageCmd) return cube::cmd::runImage(image);
  if (*kubectlCmd) {
    std::vector<std::string> args = {"kubectl", "--kubeconfig", kubeconfig};
    for (const auto& a : kubectlCmd->remaining()) args.push_back(a);
    std::vector<char*> argvOut;
    for (auto& a : args) argvOut.push_back(a.data());
    argvOut.push_back(nullptr);
    execvp("kubectl", argvOut.data());
    std::perror("cube kubectl: exec kubectl");
    return 127;
  }
  return 0;
}
