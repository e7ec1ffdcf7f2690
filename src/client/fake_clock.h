#pragma once
// Injected time for client components that wait (work queue timers, leader election retries).
// cube::Clock only reads the time; client::Clock can also block until a deadline, so a FakeClock
// can wake those waiters when a test moves time forward. Tests never sleep: they advance the
// fake clock and, to know that the component has finished reacting, await its waiters.

#include "common/clock.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace cube::client {

using Duration = std::chrono::nanoseconds;

class Clock : public cube::Clock {
 public:
  // Like std::condition_variable::wait_until(lock, deadline, pred): blocks on `cv` (the caller
  // holds `lock`, the mutex that guards the state `pred` reads) until pred() holds or the clock
  // reaches `deadline`; returns pred(). The owner wakes the waiter with cv.notify_*() after
  // changing that state under the lock. TimePoint::max() means no deadline. pred() may call
  // now() but nothing else that takes a clock lock.
  virtual bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         TimePoint deadline, const std::function<bool()>& pred) = 0;
};
using ClockPtr = std::shared_ptr<Clock>;

// Wall-clock time; waits really wait.
ClockPtr realClock();

// Time moves only when a test says so. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start = defaultStart());

  TimePoint now() const override;
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline, const std::function<bool()>& pred) override;

  // Moves time forward and wakes every waiter whose deadline has come. When it returns, those
  // waiters are no longer counted by waiters(), so awaitWaiters(n) afterwards waits for them to
  // finish reacting and block again. Never call it while holding a waiter's lock.
  void advance(Duration d);
  void setTime(TimePoint t);  // only forwards; earlier times are ignored

  // Threads blocked in waitUntil with a deadline still in the future (or none).
  size_t waiters() const;
  // Blocks (in real time, at most `timeout`, a guard against a hung test) until at least `n`
  // threads are blocked in waitUntil. False on timeout.
  bool awaitWaiters(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // 2026-01-01T00:00:00Z: a fixed, realistic start so formatted times are stable in tests.
  static TimePoint defaultStart();

 private:
  struct Waiter {
    std::condition_variable* cv;
    std::mutex* mutex;
    TimePoint deadline;
    bool fired = false;  // advance() removed it from waiters_ and notified it
  };

  // Wakes and unregisters the waiters whose deadline has come. mutex_ held.
  void unsafeWakeDue();

  // The time, readable without mutex_ so a waiter's owner may call now() under its own lock
  // while advance() holds mutex_ and waits for that lock.
  std::atomic<TimePoint::rep> nanos_;
  // Guards waiters_ and serialises advance(). Lock order: mutex_ before any waiter's mutex;
  // a waiter never takes mutex_ while holding its own mutex.
  mutable std::mutex mutex_;
  mutable std::condition_variable waitersChanged_;  // for awaitWaiters
  std::vector<Waiter*> waiters_;
};
using FakeClockPtr = std::shared_ptr<FakeClock>;

}  // namespace cube::client
