#pragma once
// ManualExecutor: an Executor whose tasks run on the test's thread and whose time moves only in
// advance(), so tests of timed behaviour (start delays, back-off, grace periods) never sleep.

#include "agent/executor.h"

#include <deque>
#include <mutex>
#include <queue>
#include <vector>

namespace cube::agent {

class ManualExecutor : public Executor {
 public:
  explicit ManualExecutor(TimePoint start = TimePoint(std::chrono::seconds(1767225600)))
      : now_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void post(Task task) override {
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(task));
  }
  void postAt(TimePoint when, Task task) override {
    std::lock_guard lock(mutex_);
    timers_.push(Timer{when, seq_++, std::move(task)});
  }

  // Runs posted tasks and due timers until none is left.
  void runUntilIdle() {
    for (;;) {
      Task task;
      {
        std::lock_guard lock(mutex_);
        if (!ready_.empty()) {
          task = std::move(ready_.front());
          ready_.pop_front();
        } else if (!timers_.empty() && timers_.top().when <= now_) {
          task = std::move(const_cast<Timer&>(timers_.top()).task);
          timers_.pop();
        } else {
          return;
        }
      }
      task();
    }
  }

  // Moves time forward timer by timer (each runs at its own deadline), then to now + d.
  void advance(std::chrono::nanoseconds d) {
    TimePoint target = now() + std::chrono::duration_cast<TimePoint::duration>(d);
    runUntilIdle();
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (timers_.empty() || timers_.top().when > target) {
          now_ = target;
          break;
        }
        if (timers_.top().when > now_) now_ = timers_.top().when;
      }
      runUntilIdle();
    }
    runUntilIdle();
  }

  size_t pendingTimers() const {
    std::lock_guard lock(mutex_);
    return timers_.size();
  }

 private:
  struct Timer {
    TimePoint when;
    uint64_t seq;
    Task task;
    bool operator>(const Timer& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };

  mutable std::mutex mutex_;  // guards everything below; never held while a task runs
  TimePoint now_;
  std::deque<Task> ready_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t seq_ = 0;
};

}  // namespace cube::agent
