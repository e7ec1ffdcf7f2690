#include "client/expectations.h"

namespace cube::client {

ControllerExpectations::ControllerExpectations(cube::ClockPtr clock, std::chrono::nanoseconds ttl)
    : clock_(std::move(clock)), ttl_(ttl) {}

void ControllerExpectations::expectCreations(const std::string& key, int count) {
  std::lock_guard lock(mutex_);
  expectations_[key] = Expectation{count, {}, clock_->now()};
}

void ControllerExpectations::expectDeletions(const std::string& key,
                                             const std::vector<std::string>& uids) {
  std::lock_guard lock(mutex_);
  expectations_[key] =
      Expectation{0, std::unordered_set<std::string>(uids.begin(), uids.end()), clock_->now()};
}

void ControllerExpectations::creationObserved(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = expectations_.find(key);
  // Creations nobody expected (another actor's, or seen after the expectation was replaced)
  // leave the count at zero rather than making it owe a future decision.
  if (it != expectations_.end() && it->second.creations > 0) --it->second.creations;
}

void ControllerExpectations::deletionObserved(const std::string& key, const std::string& uid) {
  std::lock_guard lock(mutex_);
  auto it = expectations_.find(key);
  if (it != expectations_.end()) it->second.deletions.erase(uid);
}

bool ControllerExpectations::satisfied(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = expectations_.find(key);
  if (it == expectations_.end()) return true;
  const Expectation& e = it->second;
  if (e.creations <= 0 && e.deletions.empty()) return true;
  return clock_->now() - e.recordedAt > ttl_;
}

void ControllerExpectations::deleteExpectations(const std::string& key) {
  std::lock_guard lock(mutex_);
  expectations_.erase(key);
}

int ControllerExpectations::pendingCreations(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = expectations_.find(key);
  return it == expectations_.end() ? 0 : it->second.creations;
}

size_t ControllerExpectations::pendingDeletions(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = expectations_.find(key);
  return it == expectations_.end() ? 0 : it->second.deletions.size();
}

}  // namespace cube::client
