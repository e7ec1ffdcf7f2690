// cube: one binary for every role (like k3s). Subcommands: server, agent, kubectl.

#include "cmd/agent_command.h"
#include "cmd/duration_flag.h"
#include "cmd/server_command.h"

#include <CLI/CLI.hpp>

#include <unistd.h>
#include <iostream>
#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"cube: a Kubernetes-compatible container orchestrator"};
  app.require_subcommand(1);

  cube::cmd::ServerFlags server;
  auto* serverCmd = app.add_subcommand("server", "Run the API server and control plane");
  serverCmd->add_option("--data-dir", server.dataDir, "Directory for the store and kubeconfig")
      ->capture_default_str();
  serverCmd->add_option("--port", server.port, "Port of the Kubernetes API")->capture_default_str();
  serverCmd->add_option("--write-kubeconfig", server.kubeconfig,
                        "Where to write the kubeconfig (default: <data-dir>/kubeconfig)");
  serverCmd->add_option("--bind-address", server.bindAddress, "Address the API listens on")
      ->capture_default_str();
  serverCmd->add_flag("--disable-agent", server.disableAgent, "Run no node agent in this process");
  serverCmd->add_flag("--disable-scheduler", server.disableScheduler,
                      "Run no scheduler in this process");
  serverCmd->add_flag("--disable-controller-manager", server.disableControllers,
                      "Run no controllers in this process");
  serverCmd->add_option("--log-level", server.logLevel, "debug, info or warn")
      ->capture_default_str();
  serverCmd
      ->add_option("--node-monitor-grace-period", server.nodeMonitorGracePeriod,
                   "How long a node may miss heartbeats before it is NotReady (e.g. 40s)")
      ->check([](const std::string& v) {
        return cube::cmd::parseDurationFlag(v) ? std::string() : "invalid duration: " + v;
      })
      ->capture_default_str();
  serverCmd
      ->add_option("--default-unreachable-toleration-seconds",
                   server.defaultUnreachableTolerationSeconds,
                   "tolerationSeconds of the unreachable:NoExecute toleration added to pods")
      ->capture_default_str();
  serverCmd
      ->add_option("--default-not-ready-toleration-seconds",
                   server.defaultNotReadyTolerationSeconds,
                   "tolerationSeconds of the not-ready:NoExecute toleration added to pods")
      ->capture_default_str();

  cube::cmd::AgentFlags agent;
  auto* agentCmd = cube::cmd::addAgentCommand(app, agent);

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
