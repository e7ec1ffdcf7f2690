#pragma once
// JobController: runs a Job's pods to completion. Keeps min(parallelism, completions - succeeded)
// pods active, counts pods that Succeeded and Failed (with restartPolicy OnFailure the node
// restarts containers in place; those restarts count against backoffLimit too, as in
// Kubernetes), and decides the outcome: Complete once
// `completions` pods succeeded (or, without completions, once one succeeded and none is active),
// Failed when failures exceed backoffLimit (BackoffLimitExceeded) or activeDeadlineSeconds passed
// (DeadlineExceeded). As in Kubernetes 1.32 the decision is first recorded as SuccessCriteriaMet
// or FailureTarget; the remaining pods are deleted, and Complete/Failed follows once none is
// running. `suspend` deletes the active pods and sets Suspended.
//
// completionMode Indexed gives each pod one index (job_indexed.h) and tracks completedIndexes.
//
// Simplifications (documented in docs/jobs.md): Indexed pods are named `<job>-xxxxx`, not
// `<job>-<index>-xxxxx`; no
// uncountedTerminatedPods / tracking finalizers (succeeded and failed never decrease but a pod
// deleted before it was counted is not counted); no pod-failure policy or success policy; failed
// pods are replaced at once, without Kubernetes' exponential backoff; no adoption of orphans.

#include "client/event_recorder.h"
#include "client/expectations.h"
#include "client/fake_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/pod_control.h"
#include "controllers/queue_workers.h"

#include <memory>
#include <string>
#include <vector>

namespace cube::controllers::job {

inline const client::Resource kJobsResource{"batch", "v1", "jobs", true};

class JobController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // status writes
    ObjectCachePtr jobs;
    ObjectCachePtr pods;
    PodControlPtr podControl;  // creates and deletes pods (with their events)
    // The Job's own events (Completed, BackoffLimitExceeded, ...).
    client::EventRecorderPtr recorder;
    client::ClockPtr clock;
  };

  explicit JobController(const ControllerContext& context);
  explicit JobController(Deps deps);
  ~JobController() override;

  std::string name() const override { return "job-controller"; }
  void start(int workers) override;
  void stop() override;

  // Brings Job `namespace/name` towards completion. Throws when it must be retried.
  void reconcile(const std::string& key);

  void onJobAdd(const ObjectPtr& job);
  void onJobUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onJobDelete(const ObjectPtr& job);
  void onPodAdd(const ObjectPtr& pod);
  void onPodUpdate(const ObjectPtr& old, const ObjectPtr& now);
  void onPodDelete(const ObjectPtr& pod);

  client::WorkQueue& queue() { return *queue_; }
  client::ControllerExpectations& expectations() { return *expectations_; }

 private:
  // The key of the cached Job that controls `pod`, or "".
  std::string ownerKey(const boost::json::object& pod) const;
  void writeStatus(const boost::json::object& job, const boost::json::object& status);
  // Deletes these pods; returns how many deletes were sent. Throws on the first real failure.
  int deletePods(const std::string& key, const boost::json::object& job,
                 const std::vector<ObjectPtr>& pods);

  Deps deps_;
  std::unique_ptr<client::ControllerExpectations> expectations_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::job
