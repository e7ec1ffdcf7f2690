#pragma once
// ReplicaSetController: keeps `spec.replicas` pods matching a ReplicaSet's selector running — or a
// ReplicationController's, the same mechanism parameterised by ReplicaKind.
//
// Handlers only turn informer events into owner keys (and report observed creates/deletes to the
// expectations); workers run reconcile(key), which reads the caches, claims pods (adopting
// matching orphans, releasing pods that no longer match), creates or deletes the difference —
// unless its previous writes are still in flight — and writes the status when it changed.
// Level-triggered: reconcile is correct whatever events were missed.

#include "client/expectations.h"
#include "client/fake_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/pod_control.h"
#include "controllers/queue_workers.h"
#include "controllers/replicaset/replica_kind.h"
#include "controllers/replicaset/replica_set_status.h"

#include <memory>
#include <string>
#include <vector>

namespace cube::controllers::replicaset {

struct ReplicaSetControllerOptions {
  // At most this many creates or deletes per reconcile (Kubernetes' burstReplicas).
  int burstReplicas = 500;
  // Concurrent creates/deletes within one slow-start batch.
  int writeParallelism = 16;
  // Status writes retried after a Conflict, each after a fresh GET.
  int statusUpdateRetries = 1;
};

class ReplicaSetController : public Controller {
 public:
  // What the controller reads, writes and measures time with; tests inject each piece.
  struct Deps {
    client::ApiClientPtr client;  // status writes and the pre-adoption check
    ObjectCachePtr owners;        // ReplicaSets (or ReplicationControllers), all namespaces
    ObjectCachePtr pods;          // pods, all namespaces
    PodControlPtr podControl;     // creates, deletes, adoption patches (and their events)
    client::ClockPtr clock;
  };

  // Production wiring: informers from the context (handlers added here), the API for writes.
  ReplicaSetController(ReplicaKind kind, const ControllerContext& context,
                       ReplicaSetControllerOptions options = {});
  // Tests: caches, write side and clock injected; feed events through the on* handlers or call
  // reconcile() directly.
  ReplicaSetController(ReplicaKind kind, Deps deps, ReplicaSetControllerOptions options = {});
  ~ReplicaSetController() override;

  std::string name() const override { return kind_.component; }
  void start(int workers) override;
  void stop() override;

  // Brings the owner `namespace/name` to its desired state. Throws when something must be
  // retried (a failed write, a claim conflict); returns when done or when it never can be.
  void reconcile(const std::string& key);

  // Informer handlers: compute the affected owner keys and queue them.
  void onOwnerAdd(const ObjectPtr& owner);
  void onOwnerUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onOwnerDelete(const ObjectPtr& owner);
  void onPodAdd(const ObjectPtr& pod);
  void onPodUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onPodDelete(const ObjectPtr& pod);

  client::WorkQueue& queue() { return *queue_; }
  client::ControllerExpectations& expectations() { return *expectations_; }
  const ReplicaKind& kind() const { return kind_; }

 private:
  struct ManageOutcome {
    std::optional<std::string> error;
    bool creating = false;
  };

  ManageOutcome manageReplicas(const std::string& key, const boost::json::object& owner,
                               const std::vector<ObjectPtr>& pods);
  ManageOutcome createPods(const std::string& key, const boost::json::object& owner, int count);
  ManageOutcome deletePods(const std::string& key, const boost::json::object& owner,
                           const std::vector<ObjectPtr>& pods, int count);
  // Pods whose node sharing matters for the ranking: those of every owner under the same
  // controller (a Deployment's ReplicaSets), or just `pods`.
  std::vector<ObjectPtr> relatedPods(const boost::json::object& owner,
                                     const std::vector<ObjectPtr>& pods) const;
  void writeStatus(const boost::json::object& owner, const ReplicaStatus& status);
  // The cached owner that `ref` points to, if it is one of ours and still the same object.
  ObjectPtr resolveOwner(const std::string& ns, const boost::json::object& pod) const;
  std::vector<ObjectPtr> ownersSelecting(const boost::json::object& pod) const;
  void enqueue(const boost::json::object& owner);

  ReplicaKind kind_;
  Deps deps_;
  ReplicaSetControllerOptions options_;
  std::unique_ptr<client::ControllerExpectations> expectations_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::replicaset
