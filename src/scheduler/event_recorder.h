#pragma once
// EventRecorder: core/v1 Events about pods (Scheduled, FailedScheduling) so `kubectl describe
// pod` shows why. A repeat of the same event (same pod, type, reason and message) bumps the
// existing Event's count and lastTimestamp instead of creating another, as Kubernetes'
// recorder does. Writes go through a bounded pool: under overload events are dropped rather
// than slowing scheduling (they are informational).

#include "client/api_client.h"
#include "common/clock.h"
#include "scheduler/pod_info.h"
#include "scheduler/worker_pool.h"

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cube::scheduler {

// The pod an event is about.
struct PodRef {
  std::string ns;
  std::string name;
  std::string uid;
  std::string resourceVersion;
};

class EventRecorder {
 public:
  EventRecorder(client::ApiClientPtr client, cube::ClockPtr clock, std::string component,
                size_t threads = 2, size_t maxQueued = 10000);

  // type: "Normal" or "Warning".
  void record(const PodInfo& pod, const std::string& type, const std::string& reason,
              const std::string& message);
  void stop() { pool_.stop(); }
  void drain() { pool_.drain(); }
  uint64_t dropped() const { return dropped_; }

  // The Event object for a first occurrence.
  boost::json::object makeEvent(const PodRef& pod, const std::string& name, const std::string& type,
                                const std::string& reason, const std::string& message,
                                TimePoint now) const;

 private:
  struct Aggregate {
    std::string name;  // the Event's metadata.name
    int64_t count = 0;
  };

  client::ApiClientPtr client_;
  cube::ClockPtr clock_;
  std::string component_;
  WorkerPool pool_;
  std::atomic<uint64_t> dropped_{0};
  std::mutex mutex_;  // guards seen_
  // Aggregation key -> the Event already written. Bounded: cleared when it grows past a limit
  // (a later repeat then starts a new Event, which is harmless).
  std::unordered_map<std::string, Aggregate> seen_;
};

}  // namespace cube::scheduler
