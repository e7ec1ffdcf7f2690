#pragma once
#include <cstdint>
#include <string>

namespace cube::cmd {

struct ServerFlags {
  std::string dataDir = "/var/lib/cube";
  uint16_t port = 6443;
  std::string kubeconfig;  // default: <data-dir>/kubeconfig
  std::string bindAddress = "127.0.0.1";
  bool disableAgent = false;
  bool disableScheduler = false;
  bool disableControllers = false;
  std::string logLevel = "info";
  // Node lifecycle: how long a node may miss heartbeats before it is NotReady ("40s", "5s").
  std::string nodeMonitorGracePeriod = "40s";
  // DefaultTolerationSeconds admission: how long new pods tolerate unreachable/not-ready nodes.
  int64_t defaultUnreachableTolerationSeconds = 300;
  int64_t defaultNotReadyTolerationSeconds = 300;
};

// `cube server`: runs until SIGINT/SIGTERM. Returns the process exit code.
int runServer(const ServerFlags& flags);

}  // namespace cube::cmd
