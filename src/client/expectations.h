#pragma once
// ControllerExpectations: what a controller is still waiting to see from its own writes. A
// ReplicaSet-like controller that creates 3 pods would, before its informer shows them, count 0
// pods on the next reconcile and create 3 more. So before writing it records the writes it
// expects; the informer's handlers report each one observed; and reconcile acts on a key only when
// satisfied(key). Deletions are tracked by pod UID, so an unrelated deletion never counts for a
// pending one. An expectation older than the TTL counts as satisfied: a missed event (a watch
// that restarted, a write that silently failed) never blocks a controller forever.

#include "common/clock.h"

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cube::client {

class ControllerExpectations {
 public:
  static constexpr std::chrono::minutes kDefaultTtl{5};

  explicit ControllerExpectations(cube::ClockPtr clock = cube::systemClock(),
                                  std::chrono::nanoseconds ttl = kDefaultTtl);

  // Records a new decision for `key` (a controller key, `namespace/name`), replacing any previous
  // one: `count` creations are in flight.
  void expectCreations(const std::string& key, int count);
  // Records a new decision for `key`, replacing any previous one: these pod UIDs are being deleted.
  void expectDeletions(const std::string& key, const std::vector<std::string>& uids);
  // The informer saw one of the expected creations, or the create failed (it will never be seen).
  void creationObserved(const std::string& key);
  // The informer saw pod `uid` deleted, or its delete failed. UIDs not expected are ignored.
  void deletionObserved(const std::string& key, const std::string& uid);
  // True when nothing is pending for `key`: no expectation, all observed, or the expectation is
  // older than the TTL.
  bool satisfied(const std::string& key) const;
  // The controller object is gone (or its state is reset): drop its expectation.
  void deleteExpectations(const std::string& key);

  // What is still pending, for logs and tests.
  int pendingCreations(const std::string& key) const;
  size_t pendingDeletions(const std::string& key) const;

 private:
  struct Expectation {
    int creations = 0;
    std::unordered_set<std::string> deletions;  // pod UIDs
    TimePoint recordedAt;
  };

  const cube::ClockPtr clock_;
  const std::chrono::nanoseconds ttl_;
  mutable std::mutex mutex_;                                   // guards expectations_
  std::unordered_map<std::string, Expectation> expectations_;  // controller key -> pending writes
};

}  // namespace cube::client
