#pragma once
// PodGcController: force-deletes the pods no agent will ever finish, as kube-controller-manager's
// pod garbage collector does. A graceful delete of a bound pod only marks it Terminating: the
// node's agent removes it once its containers stopped. When there is no such agent, this
// controller does, every `period`:
//
//  - orphaned: pods bound to a node that does not exist. A node missing from the cache for
//    `quarantine` is checked with a GET (it may just be new); when the API server has no such
//    node either, its pods get the DisruptionTarget condition (DeletionByPodGC, "PodGC: node no
//    longer exists").
//  - unscheduled terminating: pods being deleted that were never bound to a node.
//  - terminating on an out-of-service node: pods being deleted on a node that is not Ready and
//    carries the node.kubernetes.io/out-of-service taint (the administrator says it is down).
//  - terminated: beyond `terminatedPodThreshold` Succeeded/Failed pods, the oldest (evicted
//    ones first) go.
//
// Each pod is marked Failed first (a status patch that carries its uid) when it is not already
// Succeeded or Failed, then deleted with grace period 0. A pod on a node whose agent merely stopped
// stays Terminating, as in Kubernetes, until the agent returns, the node is deleted or tainted
// out-of-service, or a user runs `kubectl delete pod --force --grace-period=0`.

#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cube::controllers::podgc {

inline constexpr const char* kOutOfServiceTaintKey = "node.kubernetes.io/out-of-service";

struct PodGcOptions {
  // --terminated-pod-gc-threshold: how many Succeeded/Failed pods may stay; <= 0 keeps them all.
  int terminatedPodThreshold = 12500;
  client::Duration period = std::chrono::seconds(20);
  client::Duration quarantine = std::chrono::seconds(40);
};

class PodGcController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;
    ObjectCachePtr pods;
    ObjectCachePtr nodes;
    client::ClockPtr clock;
  };

  PodGcController(const ControllerContext& context, PodGcOptions options);
  PodGcController(Deps deps, PodGcOptions options);
  ~PodGcController() override;

  std::string name() const override { return "pod-garbage-collector"; }
  void start(int workers) override;
  void stop() override;

  // One pass over every pod; a failure with one pod is logged and the others go on.
  void collect();

 private:
  using PodList = std::vector<ObjectPtr>;

  void collectTerminated(const PodList& pods);
  void collectTerminatingOutOfService(const PodList& pods);
  void collectOrphaned(const PodList& pods);
  void collectUnscheduledTerminating(const PodList& pods);
  // Nodes the cache has missed for the quarantine and the API server does not know either.
  std::vector<std::string> deletedNodes(const PodList& pods);
  // Marks the pod Failed (with `condition` when given) unless it is terminal, then deletes it
  // with grace 0. Logs what fails.
  void forceDelete(const boost::json::object& pod, const std::string& why,
                   const boost::json::object* condition = nullptr);

  Deps deps_;
  PodGcOptions options_;
  std::mutex mutex_;                               // guards missingSince_
  std::map<std::string, TimePoint> missingSince_;  // node name -> first pass that missed it
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::podgc
