#pragma once
// TtlAfterFinishedController: deletes a finished Job (Complete or Failed) once
// spec.ttlSecondsAfterFinished has passed since it finished, with foreground propagation so its
// pods go first. Before deleting it re-reads the Job from the API: the TTL may have been changed
// or the Job recreated since the cache saw it.

#include "client/fake_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <memory>
#include <string>

namespace cube::controllers::job {

class TtlAfterFinishedController : public Controller {
 public:
  struct Deps {
    client::ApiClientPtr client;
    ObjectCachePtr jobs;
    client::ClockPtr clock;
  };

  explicit TtlAfterFinishedController(const ControllerContext& context);
  explicit TtlAfterFinishedController(Deps deps);
  ~TtlAfterFinishedController() override;

  std::string name() const override { return "ttl-after-finished-controller"; }
  void start(int workers) override;
  void stop() override;

  // Deletes Job `namespace/name` if its TTL expired, or queues it again for when it will.
  void reconcile(const std::string& key);
  void onJob(const ObjectPtr& job);

  client::WorkQueue& queue() { return *queue_; }

 private:
  // How long until `job` expires (<= 0: expired); nullopt when it has no TTL or is not finished.
  std::optional<client::Duration> timeLeft(const boost::json::object& job) const;

  Deps deps_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::job
