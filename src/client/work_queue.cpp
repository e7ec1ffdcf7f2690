#include "client/work_queue.h"

#include <algorithm>
#include <cmath>

namespace cube::client {

// --- rate limiters ---

ItemExponentialRateLimiter::ItemExponentialRateLimiter(Duration base, Duration max)
    : base_(base), max_(max) {}

Duration ItemExponentialRateLimiter::when(const std::string& key) {
  int exponent;
  {
    std::lock_guard lock(mutex_);
    exponent = failures_[key]++;
  }
  // Double in floating point so a long failure streak saturates at max_ instead of overflowing.
  const double delay = static_cast<double>(base_.count()) * std::pow(2.0, exponent);
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ItemExponentialRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::numRequeues(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(double qps, int burst, cube::ClockPtr clock)
    : qps_(qps), burst_(burst), clock_(std::move(clock)), tokens_(burst), last_(clock_->now()) {}

Duration TokenBucketRateLimiter::when(const std::string&) {
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_->now();
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return Duration::zero();
  // The reserved token arrives once the deficit has refilled.
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<RateLimiterPtr> limiters)
    : limiters_(std::move(limiters)) {}

Duration MaxOfRateLimiter::when(const std::string& key) {
  // Every limiter records the attempt, so ask each one even when an earlier one is longer.
  Duration longest = Duration::zero();
  for (const auto& l : limiters_) longest = std::max(longest, l->when(key));
  return longest;
}

void MaxOfRateLimiter::forget(const std::string& key) {
  for (const auto& l : limiters_) l->forget(key);
}

int MaxOfRateLimiter::numRequeues(const std::string& key) const {
  int most = 0;
  for (const auto& l : limiters_) most = std::max(most, l->numRequeues(key));
  return most;
}

RateLimiterPtr defaultControllerRateLimiter(cube::ClockPtr clock) {
  std::vector<RateLimiterPtr> limiters;
  limiters.push_back(std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5),
                                                                  std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<TokenBucketRateLimiter>(10.0, 100, std::move(clock)));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

// --- queue ---

WorkQueue::WorkQueue(ClockPtr clock, RateLimiterPtr limiter)
    : clock_(std::move(clock)),
      limiter_(limiter ? std::move(limiter) : defaultControllerRateLimiter(clock_)),
      timerThread_([this] { timerLoop(); }) {}

WorkQueue::~WorkQueue() {
  shutDown();
  timerThread_.join();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  unsafeAdd(key);
}

void WorkQueue::unsafeAdd(const std::string& key) {
  if (shuttingDown_) return;
  if (!dirty_.insert(key).second) return;  // already queued, or already due for a requeue
  // A worker holds it: done() queues it again, so a second worker never gets it meanwhile.
  if (processing_.contains(key)) return;
  queue_.push_back(key);
  ready_.notify_one();
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return shuttingDown_ || !queue_.empty(); });
  if (shuttingDown_) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.contains(key) && !shuttingDown_) {
    queue_.push_back(key);
    ready_.notify_one();
  }
}

size_t WorkQueue::len() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mutex_);
  shuttingDown_ = true;
  ready_.notify_all();
  timer_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mutex_);
  return shuttingDown_;
}

void WorkQueue::addAfter(const std::string& key, Duration delay) {
  std::lock_guard lock(mutex_);
  if (shuttingDown_) return;
  if (delay <= Duration::zero()) {
    unsafeAdd(key);
    return;
  }
  const TimePoint readyAt = clock_->now() + std::chrono::duration_cast<TimePoint::duration>(delay);
  auto it = waitingAt_.find(key);
  if (it != waitingAt_.end()) {
    if (it->second.first <= readyAt) return;  // already due sooner
    waiting_.erase({it->second.first, it->second.second, key});
  }
  const uint64_t seq = waitingSeq_++;
  waitingAt_[key] = {readyAt, seq};
  const bool earliest = waiting_.empty() || readyAt < std::get<0>(*waiting_.begin());
  waiting_.insert({readyAt, seq, key});
  if (earliest) timer_.notify_one();  // the timer sleeps until a later deadline
}

void WorkQueue::addRateLimited(const std::string& key) {
  const Duration delay = limiter_->when(key);
  addAfter(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  limiter_->forget(key);
}

int WorkQueue::numRequeues(const std::string& key) const {
  return limiter_->numRequeues(key);
}

void WorkQueue::timerLoop() {
  std::unique_lock lock(mutex_);
  while (!shuttingDown_) {
    const TimePoint now = clock_->now();
    while (!waiting_.empty() && std::get<0>(*waiting_.begin()) <= now) {
      auto node = waiting_.extract(waiting_.begin());
      const std::string& key = std::get<2>(node.value());
      waitingAt_.erase(key);
      unsafeAdd(key);
    }
    const TimePoint deadline = waiting_.empty() ? TimePoint::max() : std::get<0>(*waiting_.begin());
    // Wake early when shutting down or when addAfter() put a key before the current deadline.
    clock_->waitUntil(lock, timer_, deadline, [&] {
      return shuttingDown_ || (!waiting_.empty() && std::get<0>(*waiting_.begin()) < deadline);
    });
  }
}

}  // namespace cube::client
