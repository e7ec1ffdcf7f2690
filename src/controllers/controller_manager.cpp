#include "controllers/controller_manager.h"

#include "common/log.h"
#include "controllers/cronjob/cron_job_controller.h"
#include "controllers/daemonset/daemon_set_controller.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/garbagecollector/garbage_collector.h"
#include "controllers/job/job_controller.h"
#include "controllers/job/ttl_after_finished_controller.h"
#include "controllers/nodeipam/node_ipam_controller.h"
#include "controllers/nodelifecycle/node_lifecycle_controller.h"
#include "controllers/podgc/pod_gc_controller.h"
#include "controllers/replicaset/replica_set_controller.h"
#include "controllers/statefulset/stateful_set_controller.h"

#include <stdexcept>

namespace cube::controllers {

ControllerManager::ControllerManager(client::ApiClientPtr client, ControllerManagerOptions options)
    : options_(std::move(options)),
      informers_(std::make_unique<SharedInformers>(client, options_.resyncPeriod)) {
  context_.client = std::move(client);
  context_.informers = informers_.get();
  context_.clock = options_.clock ? options_.clock : client::realClock();
}

ControllerManager::~ControllerManager() {
  stop();
}

Controller& ControllerManager::add(const ControllerFactory& factory, int workers) {
  if (started_) throw std::logic_error("ControllerManager::add after start()");
  controllers_.push_back(
      {factory(context_), workers > 0 ? workers : options_.workersPerController});
  return *controllers_.back().controller;
}

void ControllerManager::addDefaultControllers() {
  using replicaset::ReplicaKind;
  using replicaset::ReplicaSetController;
  add([](const ControllerContext& c) {
    return std::make_unique<ReplicaSetController>(ReplicaKind::replicaSet(), c);
  });
  add([](const ControllerContext& c) {
    return std::make_unique<ReplicaSetController>(ReplicaKind::replicationController(), c);
  });
  add([](const ControllerContext& c) { return std::make_unique<job::JobController>(c); });
  add([](const ControllerContext& c) {
    return std::make_unique<job::TtlAfterFinishedController>(c);
  });
  add([](const ControllerContext& c) { return std::make_unique<cronjob::CronJobController>(c); });
  add([](const ControllerContext& c) {
    return std::make_unique<deployment::DeploymentController>(c);
  });
  add([](const ControllerContext& c) {
    return std::make_unique<daemonset::DaemonSetController>(c);
  });
  add([](const ControllerContext& c) {
    return std::make_unique<statefulset::StatefulSetController>(c);
  });
  add([](const ControllerContext& c) {
    return std::make_unique<garbagecollector::GarbageCollector>(c);
  });
  add([ipam = nodeipam::NodeIpamOptions{options_.clusterCidr, options_.nodeCidrMaskSize}](
          const ControllerContext& c) {
    return std::make_unique<nodeipam::NodeIpamController>(c, ipam);
  });
  add([threshold = options_.terminatedPodGcThreshold](const ControllerContext& c) {
    podgc::PodGcOptions gc;
    gc.terminatedPodThreshold = threshold;
    return std::make_unique<podgc::PodGcController>(c, gc);
  });
  add([grace = options_.nodeMonitorGracePeriod](const ControllerContext& c) {
    return std::make_unique<nodelifecycle::NodeLifecycleController>(
        c, nodelifecycle::NodeLifecycleOptions{grace});
  });
}

bool ControllerManager::start() {
  if (started_) return true;
  started_ = true;
  informers_->start();
  // Reconciling on a partial cache would create pods that already exist.
  if (!informers_->waitForSync(options_.syncTimeout)) {
    CUBE_LOG(Error) << "controller manager: informers did not sync; controllers not started";
    return false;
  }
  for (auto& r : controllers_) r.controller->start(r.workers);
  CUBE_LOG(Info) << "controller manager: started " << controllers_.size() << " controllers";
  return true;
}

void ControllerManager::stop() {
  if (!started_) return;
  // Controllers first: their workers read the informers' caches.
  for (auto& r : controllers_) r.controller->stop();
  informers_->stop();
  started_ = false;
}

std::vector<std::string> ControllerManager::controllerNames() const {
  std::vector<std::string> names;
  for (const auto& r : controllers_) names.push_back(r.controller->name());
  return names;
}

}  // namespace cube::controllers
