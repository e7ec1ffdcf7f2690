#pragma once
// Scheduler: assigns pending pods to nodes. Informers on nodes and pods feed the cache (placed
// pods and node totals) and the queue (pods with no node whose schedulerName is ours); one
// scheduling thread pops a pod, decides under the cache lock, assumes the pod on the chosen
// node, and hands the binding to the binder pool. A pod that fits nowhere gets a
// PodScheduled=False condition and a FailedScheduling event, and waits for the cluster to change.
//
// Runs inside `cube server` or against any API server through an ApiClient.

#include "client/api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "client/informer.h"
#include "scheduler/algorithm.h"
#include "scheduler/binder.h"
#include "scheduler/scheduler_cache.h"
#include "scheduler/scheduling_queue.h"
#include "scheduler/worker_pool.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace cube::scheduler {

struct SchedulerOptions {
  std::string schedulerName = "default-scheduler";
  client::ClockPtr clock = client::realClock();
  AlgorithmOptions algorithm;
  QueueOptions queue;
  size_t bindThreads = 16;   // bindings in flight at once
  size_t writerThreads = 2;  // status conditions (events have their own writer)
  bool recordScheduledEvents = true;
};

struct SchedulerStats {
  uint64_t bound = 0;          // bindings the API accepted
  uint64_t unschedulable = 0;  // attempts that found no node
  uint64_t bindFailures = 0;   // bindings the API refused
  uint64_t eventsDropped = 0;  // events not written because the recorder's queue was full
};

class Scheduler {
 public:
  Scheduler(client::ApiClientPtr client, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the informers and the scheduling thread (which waits for both caches to sync).
  void start();
  // Stops scheduling, the informers and the write pools. Idempotent.
  void stop();
  bool waitForSync(std::chrono::milliseconds timeout);

  SchedulerStats stats() const;
  const SchedulerCache& cache() const { return cache_; }
  const SchedulingQueue& queue() const { return queue_; }

 private:
  void onPodAdd(const client::ObjectPtr& obj);
  void onPodUpdate(const client::ObjectPtr& old, const client::ObjectPtr& now);
  void onPodDelete(const client::ObjectPtr& obj);
  void onNodeChange(const client::ObjectPtr& obj);
  void onNodeDelete(const client::ObjectPtr& obj);
  void handlePod(const client::ObjectPtr& old, const client::ObjectPtr& now);

  void run();
  void scheduleOne(const QueuedPod& attempt);
  void onBindResult(const PodInfoPtr& pod, const std::string& node,
                    const std::optional<ApiError>& error);
  void reportUnschedulable(const PodInfoPtr& pod, const std::string& message);

  const client::ApiClientPtr client_;
  const SchedulerOptions options_;
  SchedulerCache cache_;
  SchedulingQueue queue_;
  Algorithm algorithm_;  // only the scheduling thread uses it
  client::Informer nodeInformer_;
  client::Informer podInformer_;
  client::ApiEventRecorder events_;  // Scheduled, FailedScheduling
  WorkerPool statusWriter_;
  Binder binder_;  // last among the workers: its callbacks use everything above

  std::atomic<uint64_t> bound_{0};
  std::atomic<uint64_t> unschedulable_{0};
  std::atomic<uint64_t> bindFailures_{0};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread thread_;
};

}  // namespace cube::scheduler
