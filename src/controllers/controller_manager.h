#pragma once
// ControllerManager: runs the cluster's controllers on one set of shared informers. Controllers are
// registered (built from the manager's ControllerContext, which is where they add their informer
// handlers) before start(); start() begins the informers, waits for their first LIST and then
// starts every controller's workers. Later controllers (Deployment, Job, GC, ...) plug in with
// add() in the same way.

#include "client/api_client.h"
#include "client/fake_clock.h"
#include "controllers/controller.h"
#include "controllers/shared_informers.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cube::controllers {

struct ControllerManagerOptions {
  int workersPerController = 5;
  // Every informer replays its cache this often, so each object is reconciled again even if no
  // event arrives (Kubernetes' controllers resync at about this rate).
  std::chrono::milliseconds resyncPeriod{std::chrono::seconds(30)};
  std::chrono::milliseconds syncTimeout{std::chrono::seconds(60)};
  client::ClockPtr clock;  // realClock() when null
  // Node lifecycle: how long a node may go without a heartbeat before it is NotReady/unreachable.
  std::chrono::milliseconds nodeMonitorGracePeriod{std::chrono::seconds(40)};
  // Pod GC: how many terminated pods may exist before the oldest are deleted (<= 0: never).
  int terminatedPodGcThreshold = 12500;
  // Node IPAM: each node's spec.podCIDR is a /nodeCidrMaskSize subnet of clusterCidr
  // (validate with nodeipam::validateNodeIpamOptions).
  std::string clusterCidr = "10.42.0.0/16";
  int nodeCidrMaskSize = 24;
};

using ControllerFactory = std::function<ControllerPtr(const ControllerContext&)>;

class ControllerManager {
 public:
  explicit ControllerManager(client::ApiClientPtr client, ControllerManagerOptions options = {});
  ~ControllerManager();

  // Builds a controller with the manager's context; it runs with `workers` threads (0: the
  // default). Only before start(). Returns the controller (owned by the manager).
  Controller& add(const ControllerFactory& factory, int workers = 0);
  // The ReplicaSet and ReplicationController controllers.
  void addDefaultControllers();

  // Starts the informers, waits for their first sync (false on timeout: the controllers are not
  // started then), then the controllers.
  bool start();
  // Stops the controllers, then the informers. Idempotent.
  void stop();

  const ControllerContext& context() const { return context_; }
  SharedInformers& informers() { return *informers_; }
  std::vector<std::string> controllerNames() const;

 private:
  struct Registered {
    ControllerPtr controller;
    int workers;
  };

  ControllerManagerOptions options_;
  std::unique_ptr<SharedInformers> informers_;
  ControllerContext context_;
  std::vector<Registered> controllers_;
  bool started_ = false;
};

}  // namespace cube::controllers
