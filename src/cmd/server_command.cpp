#include "cmd/server_command.h"

#include "agent/agent_host.h"
#include "agent/host_address.h"
#include "apiserver/api_server.h"
#include "apiserver/local_api_client.h"
#include "client/leader_elected_component.h"
#include "cmd/allocator.h"
#include "cmd/data_dir.h"
#include "cmd/duration_flag.h"
#include "cmd/kubeconfig.h"
#include "cmd/termination_signals.h"
#include "common/log.h"
#include "controllers/controller_manager.h"
#include "controllers/nodeipam/node_ipam_controller.h"
#include "scheduler/scheduler.h"
#include "store/sqlite/sqlite_store.h"

#include <sys/resource.h>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

namespace cube::cmd {

namespace {

std::chrono::seconds wholeSeconds(const std::string& flag, const std::string& text) {
  auto d = std::chrono::duration_cast<std::chrono::seconds>(durationFlag(flag, text));
  if (d.count() <= 0) throw std::invalid_argument(flag + " must be at least 1s");
  return d;
}

// One control-plane component as the server runs it: under leader election by default, or
// plainly with --leader-elect=false.
class ControlPlaneComponent {
 public:
  ControlPlaneComponent(const ServerFlags& flags, const client::ApiClientPtr& client,
                        const std::string& leaseName, const std::string& identity,
                        client::LeaderElectedComponent::Starter starter) {
    if (!flags.leaderElect) {
      stop_ = starter();
      return;
    }
    client::LeaseConfig lease;
    lease.namespace_ = "kube-system";
    lease.name = leaseName;
    lease.identity = identity;
    lease.leaseDuration =
        wholeSeconds("--leader-elect-lease-duration", flags.leaderElectLeaseDuration);
    lease.renewDeadline =
        wholeSeconds("--leader-elect-renew-deadline", flags.leaderElectRenewDeadline);
    lease.retryPeriod = wholeSeconds("--leader-elect-retry-period", flags.leaderElectRetryPeriod);
    // A server that shuts down hands over at once rather than after leaseDuration.
    lease.releaseOnStop = true;
    elected_ = std::make_unique<client::LeaderElectedComponent>(client, lease, std::move(starter));
    elected_->start();
  }
  ~ControlPlaneComponent() { stop(); }

  void stop() {
    if (elected_) elected_->stop();
    if (stop_) std::exchange(stop_, nullptr)();
  }

 private:
  std::unique_ptr<client::LeaderElectedComponent> elected_;
  client::LeaderElectedComponent::Stopper stop_;
};

// The embedded agent: one node named after the host, sharing the server's data dir.
agent::AgentHostOptions embeddedAgentOptions(const ServerFlags& flags) {
  NodeFlags node = flags.node;
  if (node.nodeName.empty()) node.nodeName = agent::hostNodeName();
  try {
    return makeAgentHostOptions(node, {flags.dataDir, 0, ""});
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) +
                             "; run the control plane alone with --disable-agent");
  }
}

}  // namespace

CLI::App* addServerCommand(CLI::App& app, ServerFlags& f) {
  auto* cmd = app.add_subcommand("server", "Run the API server and control plane");
  cmd->add_option("--data-dir", f.dataDir, "Directory for the store and kubeconfig")
      ->capture_default_str();
  cmd->add_option("--port", f.port, "Port of the Kubernetes API")->capture_default_str();
  cmd->add_option("--write-kubeconfig", f.kubeconfig,
                  "Where to write the kubeconfig (default: <data-dir>/kubeconfig)");
  cmd->add_option("--bind-address", f.bindAddress, "Address the API listens on")
      ->capture_default_str();
  cmd->add_flag("--disable-agent", f.disableAgent,
                "Run no node agent in this process (a control plane without a node)");
  if (f.node.runtime.empty()) f.node.runtime = "crun";
  addNodeFlags(cmd, f.node);
  cmd->add_flag("--disable-scheduler", f.disableScheduler, "Run no scheduler in this process");
  cmd->add_flag("--disable-controller-manager", f.disableControllers,
                "Run no controllers in this process");
  cmd->add_option("--log-level", f.logLevel, "debug, info or warn")->capture_default_str();
  cmd->add_option("--node-monitor-grace-period", f.nodeMonitorGracePeriod,
                  "How long a node may miss heartbeats before it is NotReady (e.g. 40s)")
      ->check(checkDurationFlag)
      ->capture_default_str();
  cmd->add_option("--terminated-pod-gc-threshold", f.terminatedPodGcThreshold,
                  "How many terminated pods may exist before the pod garbage collector deletes "
                  "the oldest (<= 0: never)")
      ->capture_default_str();
  cmd->add_option("--default-unreachable-toleration-seconds", f.defaultUnreachableTolerationSeconds,
                  "tolerationSeconds of the unreachable:NoExecute toleration added to pods")
      ->capture_default_str();
  cmd->add_option("--default-not-ready-toleration-seconds", f.defaultNotReadyTolerationSeconds,
                  "tolerationSeconds of the not-ready:NoExecute toleration added to pods")
      ->capture_default_str();
  cmd->add_option("--cluster-cidr", f.clusterCidr,
                  "IPv4 range the nodes' pod subnets (spec.podCIDR) are taken from")
      ->capture_default_str();
  cmd->add_option("--node-cidr-mask-size", f.nodeCidrMaskSize,
                  "Prefix length of each node's pod subnet (cluster prefix .. 30)")
      ->capture_default_str();
  cmd->add_option("--event-ttl", f.eventTtl, "How long Events are kept after their last update")
      ->check(checkDurationFlag)
      ->capture_default_str();
  cmd->add_flag("--leader-elect,!--no-leader-elect", f.leaderElect,
                "Run the scheduler and controllers only while holding their Leases "
                "(--leader-elect=false: always)")
      ->capture_default_str();
  cmd->add_option("--leader-elect-lease-duration", f.leaderElectLeaseDuration,
                  "How long a Lease holds without renewal")
      ->check(checkDurationFlag)
      ->capture_default_str();
  cmd->add_option("--leader-elect-renew-deadline", f.leaderElectRenewDeadline,
                  "How long a leader keeps trying to renew before it steps down")
      ->check(checkDurationFlag)
      ->capture_default_str();
  cmd->add_option("--leader-elect-retry-period", f.leaderElectRetryPeriod,
                  "How often candidates try to take, and leaders renew, a Lease")
      ->check(checkDurationFlag)
      ->capture_default_str();
  return cmd;
}

int runServer(const ServerFlags& flags) {
  startAllocatorBackgroundThread();
  // Before anything starts: a bad range must stop the server, not just its IPAM controller.
  controllers::nodeipam::validateNodeIpamOptions({flags.clusterCidr, flags.nodeCidrMaskSize});
  if (flags.logLevel == "debug") log::setLevel(log::Level::Debug);
  if (flags.logLevel == "warn") log::setLevel(log::Level::Warn);
  TerminationSignals signals;
  // Every watch is a connection: allow as many descriptors as the hard limit permits.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::signal(SIGPIPE, SIG_IGN);

  std::filesystem::create_directories(flags.dataDir);
  DataDirLock dataDirLock(flags.dataDir);
  // The embedded node's options are checked before anything starts: a host that cannot run it
  // stops the server with the reason.
  std::optional<agent::AgentHostOptions> agentOptions;
  if (!flags.disableAgent) agentOptions = embeddedAgentOptions(flags);
  const std::string identity = serverIdentity(flags.dataDir);
  std::string dbPath = (std::filesystem::path(flags.dataDir) / "state.db").string();
  store::StorePtr store = store::makeSqliteStore(dbPath);

  apiserver::ApiServerOptions options;
  options.bindAddress = flags.bindAddress;
  options.port = flags.port;
  options.defaultTolerations.unreachableSeconds = flags.defaultUnreachableTolerationSeconds;
  options.defaultTolerations.notReadySeconds = flags.defaultNotReadyTolerationSeconds;
  options.eventTtl = wholeSeconds("--event-ttl", flags.eventTtl);
  auto server = apiserver::makeApiServer(options, store);
  server->start();

  std::string host = flags.bindAddress == "0.0.0.0" ? "127.0.0.1" : flags.bindAddress;
  std::string url = "http://" + host + ":" + std::to_string(server->port());
  std::string kubeconfig = flags.kubeconfig.empty()
                               ? (std::filesystem::path(flags.dataDir) / "kubeconfig").string()
                               : flags.kubeconfig;
  writeKubeconfig(kubeconfig, url);

  // The control loops call the API in process: the same storage, admission and watch cache as
  // HTTP, without encoding, and their informers share the watch cache's objects.
  client::ApiClientPtr client = std::make_shared<apiserver::LocalApiClient>(server->resources());
  std::unique_ptr<ControlPlaneComponent> controllerManager;
  if (!flags.disableControllers) {
    controllers::ControllerManagerOptions managerOptions;
    managerOptions.nodeMonitorGracePeriod =
        durationFlag("--node-monitor-grace-period", flags.nodeMonitorGracePeriod);
    managerOptions.terminatedPodGcThreshold = flags.terminatedPodGcThreshold;
    managerOptions.clusterCidr = flags.clusterCidr;
    managerOptions.nodeCidrMaskSize = flags.nodeCidrMaskSize;
    controllerManager = std::make_unique<ControlPlaneComponent>(
        flags, client, "kube-controller-manager", identity, [client, managerOptions] {
          auto manager = std::make_shared<controllers::ControllerManager>(client, managerOptions);
          manager->addDefaultControllers();
          if (!manager->start()) {
            CUBE_LOG(Warn) << "controller caches did not sync in time";
          }
          return [manager] { manager->stop(); };
        });
  }
  std::unique_ptr<ControlPlaneComponent> podScheduler;
  if (!flags.disableScheduler) {
    podScheduler = std::make_unique<ControlPlaneComponent>(
        flags, client, "kube-scheduler", identity, [client] {
          auto scheduler = std::make_shared<scheduler::Scheduler>(client);
          scheduler->start();
          return [scheduler] { scheduler->stop(); };
        });
  }
  std::unique_ptr<agent::AgentHost> nodeAgent;
  std::string nodeName;
  if (agentOptions) {
    nodeName = agentOptions->nodes.front().nodeName;
    nodeAgent = std::make_unique<agent::AgentHost>(std::move(*agentOptions), client);
    nodeAgent->start();
  }
  CUBE_LOG(Info) << "cube server listening on " << url << ", data in " << flags.dataDir;
  std::cout << "cube server is ready at " << url << "\n"
            << "kubeconfig: " << kubeconfig << "\n";
  if (nodeAgent) {
    std::cout << "node: " << nodeName << " (" << flags.node.runtime << ", images: cube image ls"
              << " --data-dir " << flags.dataDir << ")\n"
              << "try: export KUBECONFIG=" << kubeconfig << "; kubectl get nodes" << std::endl;
  } else {
    std::cout << "try: kubectl --kubeconfig " << kubeconfig << " get namespaces" << std::endl;
  }

  int sig = signals.wait();
  CUBE_LOG(Info) << "signal " << sig << ": shutting down";
  if (nodeAgent) nodeAgent->stop();
  if (podScheduler) podScheduler->stop();
  if (controllerManager) controllerManager->stop();
  server->stop();
  return 0;
}

}  // namespace cube::cmd
