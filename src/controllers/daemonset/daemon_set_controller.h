#pragma once
// DaemonSetController: one pod of a DaemonSet on every node that should run it — the nodes its
// nodeSelector and required node affinity select and whose NoSchedule/NoExecute taints it
// tolerates (with the tolerations every daemon pod gets). Each pod is pinned to its node with node
// affinity `matchFields metadata.name In [node]`, so the scheduler binds it there. Pods on nodes
// that no longer qualify (or that are gone) are deleted; a RollingUpdate replaces out-of-date pods
// at most maxUnavailable at a time; OnDelete waits for the user. Templates are recorded as
// ControllerRevisions and pods carry `controller-revision-hash`.
//
// Handlers only queue DaemonSet keys; reconcile(key) is level-triggered and writes status last.

#include "client/event_recorder.h"
#include "client/expectations.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/pod_control.h"
#include "controllers/queue_workers.h"

#include <memory>
#include <string>
#include <vector>

namespace cube::controllers::daemonset {

extern const client::Resource kDaemonSets;

// Whether a DaemonSet's pods belong on `node` (selector, affinity, taints with the daemon
// tolerations). Exposed for tests.
bool shouldRunOnNode(const boost::json::object& daemonSet, const boost::json::object& node);
// The template a DaemonSet's pod for `nodeName` is created from: its labels carry `hash`, its
// affinity pins it to the node, and the daemon tolerations are added.
boost::json::object podTemplateForNode(const boost::json::object& podTemplate,
                                       const std::string& nodeName, const std::string& hash);
// The node a daemon pod is on or pinned to ("" when neither).
std::string targetNodeOf(const boost::json::object& pod);

class DaemonSetController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // status, revisions, the pre-adoption check
    ObjectCachePtr daemonSets;
    ObjectCachePtr pods;
    ObjectCachePtr nodes;
    ObjectCachePtr revisions;
    PodControlPtr podControl;
    client::ClockPtr clock;
  };

  explicit DaemonSetController(const ControllerContext& context);
  explicit DaemonSetController(Deps deps);
  ~DaemonSetController() override;

  std::string name() const override { return "daemonset-controller"; }
  void start(int workers) override;
  void stop() override;

  // Throws when something must be retried.
  void reconcile(const std::string& key);

  void onDaemonSetEvent(const ObjectPtr& ds);
  void onPodAdd(const ObjectPtr& pod);
  void onPodUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onPodDelete(const ObjectPtr& pod);
  void onNodeEvent();

  client::WorkQueue& queue() { return *queue_; }

 private:
  ObjectPtr ownerOf(const boost::json::object& pod) const;
  void writeStatus(const boost::json::object& ds, const boost::json::object& status);

  Deps deps_;
  std::unique_ptr<client::ControllerExpectations> expectations_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::daemonset
