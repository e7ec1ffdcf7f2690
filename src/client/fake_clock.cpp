#include "client/fake_clock.h"

#include <algorithm>

namespace cube::client {

namespace {

class RealClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }

  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline, const std::function<bool()>& pred) override {
    // wait_until converts the deadline to a timespec; TimePoint::max() would overflow it.
    if (deadline == TimePoint::max()) {
      cv.wait(lock, pred);
      return true;
    }
    return cv.wait_until(lock, deadline, pred);
  }
};

}  // namespace

ClockPtr realClock() {
  static ClockPtr clock = std::make_shared<RealClock>();
  return clock;
}

TimePoint FakeClock::defaultStart() {
  // 2026-01-01T00:00:00Z
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(1767225600)));
}

FakeClock::FakeClock(TimePoint start) : nanos_(start.time_since_epoch().count()) {}

TimePoint FakeClock::now() const {
  return TimePoint(TimePoint::duration(nanos_.load()));
}

bool FakeClock::waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          TimePoint deadline, const std::function<bool()>& pred) {
  // Check and register while holding both mutex_ and the caller's lock: an advance() (which holds
  // mutex_) then either happened before the check or finds us registered, and the owner (which
  // holds the caller's lock) either changed its state before pred() or notifies us in cv.wait.
  lock.unlock();
  std::unique_lock clockLock(mutex_);
  lock.lock();
  while (true) {
    if (pred()) return true;
    if (now() >= deadline) return false;
    Waiter waiter{&cv, lock.mutex(), deadline};
    waiters_.push_back(&waiter);
    waitersChanged_.notify_all();
    clockLock.unlock();
    cv.wait(lock);
    // Woken by advance() (which already removed us), by the owner, or spuriously. Respect the
    // lock order: drop the caller's lock before taking mutex_.
    lock.unlock();
    clockLock.lock();
    if (!waiter.fired) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &waiter));
      waitersChanged_.notify_all();
    }
    lock.lock();
  }
}

void FakeClock::advance(Duration d) {
  std::lock_guard clockLock(mutex_);
  nanos_ += std::chrono::duration_cast<TimePoint::duration>(d).count();
  unsafeWakeDue();
}

void FakeClock::setTime(TimePoint t) {
  std::lock_guard clockLock(mutex_);
  if (t <= now()) return;
  nanos_ = t.time_since_epoch().count();
  unsafeWakeDue();
}

void FakeClock::unsafeWakeDue() {
  const TimePoint t = now();
  std::vector<Waiter*> due;
  std::erase_if(waiters_, [&](Waiter* w) {
    if (w->deadline > t) return false;
    w->fired = true;
    due.push_back(w);
    return true;
  });
  // Holding mutex_ keeps every due Waiter (and its cv and mutex) alive: the waiter cannot leave
  // waitUntil before it takes mutex_ again. Taking its mutex before notifying means it is inside
  // cv.wait, so the notification cannot be lost.
  for (Waiter* w : due) {
    std::lock_guard waiterLock(*w->mutex);
    w->cv->notify_all();
  }
  waitersChanged_.notify_all();
}

size_t FakeClock::waiters() const {
  std::lock_guard clockLock(mutex_);
  return waiters_.size();
}

bool FakeClock::awaitWaiters(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock clockLock(mutex_);
  return waitersChanged_.wait_for(clockLock, timeout, [&] { return waiters_.size() >= n; });
}

}  // namespace cube::client
