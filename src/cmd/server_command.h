#pragma once
// `cube server`: the API server with its embedded store, the control plane (scheduler,
// controller manager) and, unless --disable-agent, a node agent running real containers on this
// host — all in one process, calling the API in process.

#include "cmd/node_flags.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace cube::cmd {

struct ServerFlags {
  std::string dataDir = "/var/lib/cube";
  uint16_t port = 6443;
  std::string kubeconfig;  // default: <data-dir>/kubeconfig
  std::string bindAddress = "127.0.0.1";
  // The embedded node agent (runtime "crun" unless given; node name: the host's).
  bool disableAgent = false;
  NodeFlags node;
  bool disableScheduler = false;
  bool disableControllers = false;
  std::string logLevel = "info";
  // Node lifecycle: how long a node may miss heartbeats before it is NotReady ("40s", "5s").
  std::string nodeMonitorGracePeriod = "40s";
  // Pod garbage collector: how many terminated (Succeeded/Failed) pods may stay; <= 0: all.
  int terminatedPodGcThreshold = 12500;
  // DefaultTolerationSeconds admission: how long new pods tolerate unreachable/not-ready nodes.
  int64_t defaultUnreachableTolerationSeconds = 300;
  int64_t defaultNotReadyTolerationSeconds = 300;
  // Node IPAM: every node's spec.podCIDR is a /nodeCidrMaskSize subnet of clusterCidr (k3s'
  // and kube-controller-manager's flags and IPv4 defaults).
  std::string clusterCidr = "10.42.0.0/16";
  int nodeCidrMaskSize = 24;
  // Leader election of the scheduler and the controller manager (Leases kube-scheduler and
  // kube-controller-manager in kube-system), with kube-scheduler's flag names and defaults.
  // Events are deleted this long after they were last written (kube-apiserver's --event-ttl).
  std::string eventTtl = "1h";
  bool leaderElect = true;
  std::string leaderElectLeaseDuration = "15s";
  std::string leaderElectRenewDeadline = "10s";
  std::string leaderElectRetryPeriod = "2s";
};

// Adds the `server` subcommand with its flags bound to `flags`.
CLI::App* addServerCommand(CLI::App& app, ServerFlags& flags);

// `cube server`: runs until SIGINT/SIGTERM. Returns the process exit code.
int runServer(const ServerFlags& flags);

}  // namespace cube::cmd
