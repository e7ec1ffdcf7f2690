#pragma once
// LeaderElectedComponent: runs a control-plane component (the scheduler, the controller manager)
// only while this process holds the component's Lease, as kube-scheduler and
// kube-controller-manager do with --leader-elect. Several servers sharing one store can then
// each run every component while only one instance of each acts.
//
// Each term of leadership gets a fresh instance: an instance that lost the lease may hold stale
// caches, assumed pods and expectations, so it is stopped and discarded, never resumed.
// Starting runs on a thread of its own because it may block (waiting for caches to sync) while
// the elector must keep renewing the lease.

#include "client/leader_election.h"

#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace cube::client {

class LeaderElectedComponent {
 public:
  // Starts one instance of the component and returns what stops it (called once, at the end of
  // the term). May block; runs on the term's own thread.
  using Stopper = std::function<void()>;
  using Starter = std::function<Stopper()>;

  LeaderElectedComponent(ApiClientPtr api, LeaseConfig lease, Starter starter,
                         ClockPtr clock = realClock());
  ~LeaderElectedComponent();  // calls stop()

  // Contends for the lease on a thread of its own.
  void start();
  // Stops the running instance (if any), releases the lease when config.releaseOnStop, and joins.
  // Idempotent.
  void stop();

  bool leading() const { return elector_.isLeader(); }
  // How many terms have begun (for tests and logs).
  int terms() const;

 private:
  void beginTerm();
  void endTerm();

  const Starter starter_;
  LeaderElector elector_;
  std::thread electorThread_;

  mutable std::mutex mutex_;  // guards the term state below
  std::thread termThread_;    // runs starter_; joined when the term ends
  Stopper stopper_;           // set by termThread_ once the instance has started
  int terms_ = 0;
};

}  // namespace cube::client
