#pragma once
// StatefulSetController: pods with stable identities <set>-<ordinal>, each with hostname = its
// name and subdomain = spec.serviceName, and (from volumeClaimTemplates) its own PVCs
// <claim>-<set>-<ordinal>. OrderedReady creates ordinals upward one at a time, each Running and
// Ready before the next, and removes them from the highest down, one at a time; Parallel does
// both at once. A RollingUpdate replaces pods from the highest ordinal down to `partition`, one
// at a time, each healthy again before the next; OnDelete waits for the user. Templates are
// ControllerRevisions; pods carry `controller-revision-hash` = the revision's name.
//
// No expectations are needed: pod names are fixed, so a create the cache has not seen yet fails
// with AlreadyExists and a repeated delete with NotFound — both harmless.

#include "client/event_recorder.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <memory>
#include <optional>
#include <string>

namespace cube::controllers::statefulset {

extern const client::Resource kStatefulSets;

// The ordinal in a pod name "<set>-<n>", nullopt when the name is not one of the set's.
std::optional<int64_t> ordinalOf(const std::string& setName, const std::string& podName);

class StatefulSetController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // pods, PVCs, revisions, status
    ObjectCachePtr statefulSets;
    ObjectCachePtr pods;
    ObjectCachePtr revisions;
    client::EventRecorderPtr recorder;
    client::ClockPtr clock;
  };

  explicit StatefulSetController(const ControllerContext& context);
  explicit StatefulSetController(Deps deps);
  ~StatefulSetController() override;

  std::string name() const override { return "statefulset-controller"; }
  void start(int workers) override;
  void stop() override;

  void reconcile(const std::string& key);

  void onSetEvent(const ObjectPtr& set);
  void onPodEvent(const ObjectPtr& pod);

  client::WorkQueue& queue() { return *queue_; }

 private:
  ObjectPtr ownerOf(const boost::json::object& pod) const;
  // Creates ordinal `ordinal`'s PVCs (when missing) and then the pod from `podTemplate`.
  void createPod(const boost::json::object& set, int64_t ordinal,
                 const boost::json::object& podTemplate, const std::string& revision);
  void deletePod(const boost::json::object& set, const boost::json::object& pod);
  void writeStatus(const boost::json::object& set, const boost::json::object& status);

  Deps deps_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::statefulset
