#pragma once
// LeaderElector: one active instance among several (controller managers, schedulers) through a
// coordination.k8s.io/v1 Lease. The holder renews spec.renewTime every retryPeriod; the others
// poll and take the lease once renewTime + leaseDurationSeconds has passed. Every write is an
// update conditional on the resourceVersion just read, so of two candidates only one wins
// (the other gets Conflict). A leader that cannot renew for renewDeadline steps down, which is
// before its lease expires (renewDeadline < leaseDuration), so two instances never both lead.

#include "client/api_client.h"
#include "client/fake_clock.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace cube::client {

struct LeaseConfig {
  std::string namespace_;
  std::string name;
  std::string identity;  // unique per candidate, e.g. hostname + "_" + a random id
  std::chrono::seconds leaseDuration{15};
  std::chrono::seconds renewDeadline{10};
  std::chrono::seconds retryPeriod{2};
  // On stop() while leading, clear holderIdentity so a successor need not wait for expiry.
  bool releaseOnStop = false;
};

struct LeaderCallbacks {
  // Called on run()'s thread; must return promptly (start components, do not run them here).
  std::function<void()> onStartedLeading;
  // Called on run()'s thread after leadership ended (lost or stop()); stop what onStartedLeading
  // started. Every onStartedLeading is followed by exactly one onStoppedLeading.
  std::function<void()> onStoppedLeading;
};

// The outcome of one attempt to take or keep the lease.
enum class LeaseAttempt {
  Acquired,     // we hold the lease now (newly taken or renewed)
  HeldByOther,  // another identity holds an unexpired lease
  Conflict,     // a concurrent writer changed the lease between our read and write
  Failed,       // transport or server error: we know nothing new
};

class LeaderElector {
 public:
  // Throws std::invalid_argument unless 0 < retryPeriod < renewDeadline < leaseDuration and
  // identity and name are set.
  LeaderElector(ApiClientPtr api, LeaseConfig config, LeaderCallbacks callbacks,
                ClockPtr clock = realClock());
  ~LeaderElector();  // calls stop(); run() must have returned before destruction

  // Blocks until stop(): contends for the lease every retryPeriod; once it holds it, calls
  // onStartedLeading and renews every retryPeriod; steps down (onStoppedLeading) when another
  // identity took the lease, a renewal hit Conflict, or renewals failed for renewDeadline, and
  // then contends again. Call at most once.
  void run();
  // Makes run() return (after onStoppedLeading if leading). Any thread; idempotent.
  void stop();
  bool isLeader() const { return leading_.load(); }

  // One step of the protocol: read the lease, and create, take over or renew it. run() is built
  // on it; tests call it directly to drive an elector step by step.
  LeaseAttempt tryAcquireOrRenew();
  // Gives the lease up if we hold it (holderIdentity cleared, leaseDurationSeconds 1).
  void release();

  static const Resource& leaseResource();

 private:
  // Waits `d` on the clock or until stop(); returns false when stopped.
  bool unsafeWait(std::unique_lock<std::mutex>& lock, std::chrono::nanoseconds d);
  void lead(std::unique_lock<std::mutex>& lock);

  const ApiClientPtr api_;
  const LeaseConfig config_;
  const LeaderCallbacks callbacks_;
  const ClockPtr clock_;

  std::mutex mutex_;            // guards stopped_; never held during API calls or callbacks
  std::condition_variable cv_;  // run() waits here between attempts; stop() wakes it
  bool stopped_ = false;
  std::atomic<bool> leading_{false};  // written by run()'s thread only
};

}  // namespace cube::client
