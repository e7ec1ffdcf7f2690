#pragma once
// SchedulingQueue: the pods waiting for a node.
//  - active: ready to try now, oldest first (by creationTimestamp, then arrival);
//  - backoff: failed recently; ready again after 1s, 2s, 4s... up to a cap (per pod);
//  - unschedulable: fit nowhere; they wait for a cluster change (a node added or changed, a
//    placed pod gone) which moves them to backoff/active, or at most `maxUnschedulableStay`.
// A pod being tried is "in flight": if the cluster changed or the pod itself changed during its
// attempt, a failure sends it to backoff rather than unschedulable, so the change is not missed.
//
// Threads: the informer threads add/update/remove; the scheduling thread pops. Time comes from
// the injected clock, so tests move backoff forward with a FakeClock.

#include "client/fake_clock.h"
#include "scheduler/pod_info.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

namespace cube::scheduler {

struct QueueOptions {
  client::Duration initialBackoff = std::chrono::seconds(1);
  client::Duration maxBackoff = std::chrono::seconds(10);
  client::Duration maxUnschedulableStay = std::chrono::seconds(60);
};

struct QueuedPod {
  PodInfoPtr pod;
  uint64_t cycle = 0;  // the attempt's number, handed back to addUnschedulable
  int attempts = 0;    // failed attempts before this one
};

class SchedulingQueue {
 public:
  explicit SchedulingQueue(client::ClockPtr clock, QueueOptions options = {});

  // A pending pod appeared or changed. A queued pod gets the new object; an unschedulable one
  // that changed in a way that matters (spec, labels) gets another try.
  void addOrUpdate(const PodInfoPtr& pod, bool relevantChange = true);
  // The pod is gone, bound, or no longer ours.
  void remove(const std::string& key);
  // Blocks until a pod is ready; nullopt after close().
  std::optional<QueuedPod> pop();
  // The attempt placed the pod (it is assumed in the cache): it leaves the queue.
  void done(const std::string& key);
  // The attempt found no node.
  void addUnschedulable(const QueuedPod& attempt);
  // Retry after the pod's backoff (a failed binding, an API error).
  void addBackoff(const PodInfoPtr& pod);
  // The cluster changed (node added/changed, placed pod removed): unschedulable pods retry,
  // through backoff if theirs has not expired.
  void moveAllToActiveOrBackoff();
  // Same, for the unschedulable pods `which` selects (a placed pod appearing can only help pods
  // with pod affinity terms).
  void moveToActiveOrBackoff(const std::function<bool(const PodInfo&)>& which);
  void close();

  size_t activeCount() const;
  size_t backoffCount() const;
  size_t unschedulableCount() const;
  bool contains(const std::string& key) const;

 private:
  enum class State { Active, Backoff, Unschedulable, InFlight };
  using Order = std::tuple<TimePoint, uint64_t, std::string>;
  struct Entry {
    PodInfoPtr pod;
    State state = State::Active;
    int attempts = 0;
    TimePoint lastFailure{};
    TimePoint readyAt{};  // backoff: when it may go to active
    uint64_t seq = 0;     // arrival order, the tie-breaker
    uint64_t cycle = 0;   // in flight: the attempt's cycle
    bool changedInFlight = false;
  };

  client::Duration unsafeBackoffFor(const Entry& e) const;
  void unsafeDetach(const std::string& key, Entry& e);
  void unsafeToActive(const std::string& key, Entry& e);
  void unsafeToBackoff(const std::string& key, Entry& e);
  void unsafeToBackoffOrActive(const std::string& key, Entry& e, TimePoint now);
  void unsafeFlush(TimePoint now);

  const client::ClockPtr clock_;
  const QueueOptions options_;

  // Guards everything below. A leaf lock except for the clock's own (see client::Clock).
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, Entry> entries_;
  std::set<Order> active_;         // (creationTimestamp, seq, key)
  std::set<Order> backoff_;        // (readyAt, seq, key)
  std::set<Order> unschedulable_;  // (lastFailure, seq, key)
  uint64_t nextSeq_ = 0;
  uint64_t cycle_ = 0;      // attempts started
  uint64_t moveCycle_ = 0;  // cycle_ at the last cluster change
  uint64_t changes_ = 0;    // bumped with every notify of changed_
  bool closed_ = false;
};

}  // namespace cube::scheduler
