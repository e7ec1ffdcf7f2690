#include "cmd/server_command.h"

#include "apiserver/api_server.h"
#include "client/http_api_client.h"
#include "cmd/duration_flag.h"
#include "cmd/kubeconfig.h"
#include "common/log.h"
#include "controllers/controller_manager.h"
#include "scheduler/scheduler.h"
#include "store/sqlite/sqlite_store.h"

#include <sys/resource.h>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace cube::cmd {

namespace {

sigset_t blockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets them.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int runServer(const ServerFlags& flags) {
  if (flags.logLevel == "debug") log::setLevel(log::Level::Debug);
  if (flags.logLevel == "warn") log::setLevel(log::Level::Warn);
  sigset_t signals = blockTerminationSignals();
  // Every watch is a connection: allow as many descriptors as the hard limit permits.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::signal(SIGPIPE, SIG_IGN);

  std::filesystem::create_directories(flags.dataDir);
  std::string dbPath = (std::filesystem::path(flags.dataDir) / "state.db").string();
  store::StorePtr store = store::makeSqliteStore(dbPath);

  apiserver::ApiServerOptions options;
  options.bindAddress = flags.bindAddress;
  options.port = flags.port;
  options.defaultTolerations.unreachableSeconds = flags.defaultUnreachableTolerationSeconds;
  options.defaultTolerations.notReadySeconds = flags.defaultNotReadyTolerationSeconds;
  auto server = apiserver::makeApiServer(options, store);
  server->start();

  std::string host = flags.bindAddress == "0.0.0.0" ? "127.0.0.1" : flags.bindAddress;
  std::string url = "http://" + host + ":" + std::to_string(server->port());
  std::string kubeconfig = flags.kubeconfig.empty()
                               ? (std::filesystem::path(flags.dataDir) / "kubeconfig").string()
                               : flags.kubeconfig;
  writeKubeconfig(kubeconfig, url);

  // The control loops talk to the API over loopback HTTP, with the same semantics as any client.
  auto client = client::HttpApiClient::fromUrl(url);
  std::unique_ptr<controllers::ControllerManager> controllerManager;
  if (!flags.disableControllers) {
    controllers::ControllerManagerOptions managerOptions;
    auto grace = parseDurationFlag(flags.nodeMonitorGracePeriod);
    if (!grace) throw std::invalid_argument("invalid --node-monitor-grace-period");
    managerOptions.nodeMonitorGracePeriod = *grace;
    controllerManager = std::make_unique<controllers::ControllerManager>(client, managerOptions);
    controllerManager->addDefaultControllers();
    if (!controllerManager->start()) CUBE_LOG(Warn) << "controller caches did not sync in time";
  }
  std::unique_ptr<scheduler::Scheduler> podScheduler;
  if (!flags.disableScheduler) {
    podScheduler = std::make_unique<scheduler::Scheduler>(client);
    podScheduler->start();
  }
  CUBE_LOG(Info) << "cube server listening on " << url << ", data in " << flags.dataDir;
  std::cout << "cube server is ready at " << url << "\n"
            << "kubeconfig: " << kubeconfig << "\n"
            << "try: kubectl --kubeconfig " << kubeconfig << " get namespaces" << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  CUBE_LOG(Info) << "signal " << sig << ": shutting down";
  if (podScheduler) podScheduler->stop();
  if (controllerManager) controllerManager->stop();
  server->stop();
  return 0;
}

}  // namespace cube::cmd
