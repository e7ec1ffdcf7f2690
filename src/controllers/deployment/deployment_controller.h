#pragma once
// DeploymentController: rolls a Deployment's pod template out through ReplicaSets named
// `<deployment>-<pod-template-hash>`. Split by concern like Kubernetes' controller:
//   deployment_controller.cpp  construction, informer handlers, reconcile() dispatch
//   deployment_sync.cpp        finding/creating the new ReplicaSet (and reusing an old one after
//                              `kubectl rollout undo`), revisions, scaling and proportional scaling
//   deployment_rolling.cpp     RollingUpdate within maxSurge/maxUnavailable
//   deployment_recreate.cpp    Recreate: all old pods gone before the new ones start
//   deployment_progress.cpp    status, Available/Progressing conditions, progress deadline
//   deployment_history.cpp     revisionHistoryLimit cleanup
// Level-triggered: every reconcile recomputes from the caches what the ReplicaSets should be.

#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cube::controllers::deployment {

inline const client::Resource kDeploymentsResource{"apps", "v1", "deployments", true};
inline const client::Resource kReplicaSetsResource{"apps", "v1", "replicasets", true};

class DeploymentController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // ReplicaSet writes, Deployment annotation and status writes
    ObjectCachePtr deployments;
    ObjectCachePtr replicaSets;
    ObjectCachePtr pods;  // Recreate waits for the old pods to be gone
    client::EventRecorderPtr recorder;
    client::ClockPtr clock;
  };

  explicit DeploymentController(const ControllerContext& context);
  explicit DeploymentController(Deps deps);
  ~DeploymentController() override;

  std::string name() const override { return "deployment-controller"; }
  void start(int workers) override;
  void stop() override;

  // Brings Deployment `namespace/name` one step closer to its spec. Throws to be retried.
  void reconcile(const std::string& key);

  void onDeploymentAdd(const ObjectPtr& d);
  void onDeploymentUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onDeploymentDelete(const ObjectPtr& d);
  void onReplicaSetAdd(const ObjectPtr& rs);
  void onReplicaSetUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onReplicaSetDelete(const ObjectPtr& rs);
  void onPodDelete(const ObjectPtr& pod);

  client::WorkQueue& queue() { return *queue_; }

 private:
  using Object = boost::json::object;
  using RsList = std::vector<ObjectPtr>;

  // One reconcile's view: the Deployment (a private copy) and the ReplicaSets it owns.
  struct State {
    Object deployment;
    ObjectPtr newRs;            // nullptr until created
    RsList oldRss;              // every owned ReplicaSet but the new one
    bool createdNewRs = false;  // this reconcile created it (Progressing: NewReplicaSetCreated)
    RsList all() const;
  };

  // deployment_controller.cpp
  RsList claimReplicaSets(const Object& d);
  void enqueue(const Object& d);
  ObjectPtr deploymentOf(const Object& rs) const;
  std::vector<ObjectPtr> deploymentsSelecting(const Object& rs) const;

  // deployment_sync.cpp
  // Splits `owned` into the new and old ReplicaSets, syncs the new one's revision and
  // annotations, and creates it when `create` and it does not exist yet.
  State loadState(const Object& d, const RsList& owned, bool create);
  ObjectPtr createNewReplicaSet(State& s, int64_t newRevision);
  void syncNewReplicaSetAnnotations(State& s, int64_t newRevision);
  void syncDeploymentRevision(State& s);
  // Scaling only (paused, or the replica count changed): proportional across active ReplicaSets.
  void syncScaling(State& s);
  bool scale(State& s);
  bool isScalingEvent(const Object& d, const RsList& owned) const;
  // Sets spec.replicas (and the desired/max annotations); returns the updated ReplicaSet.
  ObjectPtr scaleReplicaSet(State& s, const ObjectPtr& rs, int64_t replicas);
  int64_t newReplicaSetReplicas(const State& s) const;

  // deployment_rolling.cpp
  void rolloutRolling(State& s);
  bool reconcileNewReplicaSet(State& s);
  bool reconcileOldReplicaSets(State& s);
  int64_t cleanupUnhealthyReplicas(State& s, int64_t maxCleanup);
  int64_t scaleDownOldForRollingUpdate(State& s, int64_t minAvailable);

  // deployment_recreate.cpp
  void rolloutRecreate(State& s);
  bool oldPodsRunning(const State& s) const;

  // deployment_progress.cpp
  // Writes the status (and the conditions a rollout step implies) when it changed.
  void syncRolloutStatus(State& s);
  Object computeStatus(const State& s) const;
  void writeStatus(const Object& d, const Object& status);

  // deployment_history.cpp
  void cleanupOldReplicaSets(State& s);

  // Replaces `rs` (same uid) in `s` by its updated version.
  void replaceInState(State& s, const ObjectPtr& updated);

  Deps deps_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::deployment
