#pragma once
// CronJobController: creates a Job from a CronJob's jobTemplate at each scheduled time, named
// `<cronjob>-<scheduled time in minutes since the epoch>` so that one scheduled time can never
// produce two Jobs, and owned by the CronJob. It honours suspend, startingDeadlineSeconds (a run
// missed by more than that is skipped with a MissSchedule event), concurrencyPolicy (Allow;
// Forbid skips a run while one is active; Replace deletes the active ones first) and the history
// limits (finished Jobs beyond successfulJobsHistoryLimit/failedJobsHistoryLimit are deleted,
// oldest first). Status: active (references to unfinished Jobs), lastScheduleTime,
// lastSuccessfulTime. Only the most recent missed time is run, as in Kubernetes. After each
// reconcile the key is queued again for the next scheduled time, on the injected clock.

#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <memory>
#include <string>

namespace cube::controllers::cronjob {

inline const client::Resource kCronJobsResource{"batch", "v1", "cronjobs", true};

class CronJobController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;  // Job creates and deletes, status writes
    ObjectCachePtr cronJobs;
    ObjectCachePtr jobs;
    client::EventRecorderPtr recorder;
    client::ClockPtr clock;
  };

  explicit CronJobController(const ControllerContext& context);
  explicit CronJobController(Deps deps);
  ~CronJobController() override;

  std::string name() const override { return "cronjob-controller"; }
  void start(int workers) override;
  void stop() override;

  // Runs what is due for CronJob `namespace/name`. Throws when it must be retried.
  void reconcile(const std::string& key);

  void onCronJob(const ObjectPtr& cronJob);
  void onJob(const ObjectPtr& job);

  client::WorkQueue& queue() { return *queue_; }

 private:
  Deps deps_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::cronjob
