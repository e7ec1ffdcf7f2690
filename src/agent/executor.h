#pragma once
// Executor: where the agent's work runs — a few threads shared by every pod and every node in
// the process (one process hosts 1,000+ hollow nodes, so no thread per pod or per node), plus
// timers on the same threads. It is also the agent's clock, so tests swap in a manual executor
// whose time moves only when the test says so.

#include "common/clock.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace cube::agent {

using Task = std::function<void()>;

class Executor : public cube::Clock {
 public:
  // Runs `task` soon on some executor thread.
  virtual void post(Task task) = 0;
  // Runs `task` at (or soon after) `when`. Timers are not cancelled: tasks hold weak pointers and
  // re-check state, which keeps one timer cheap (a heap entry) even with 100,000 of them.
  virtual void postAt(TimePoint when, Task task) = 0;
  void postAfter(std::chrono::nanoseconds delay, Task task) {
    postAt(now() + std::chrono::duration_cast<TimePoint::duration>(delay), std::move(task));
  }
};
using ExecutorPtr = std::shared_ptr<Executor>;

// `threads` threads on the wall clock. Blocking work (API calls, runtime calls) runs here too:
// the pool bounds how many run at once.
class ThreadPoolExecutor : public Executor {
 public:
  explicit ThreadPoolExecutor(size_t threads);
  ~ThreadPoolExecutor() override;

  TimePoint now() const override { return std::chrono::system_clock::now(); }
  void post(Task task) override;
  void postAt(TimePoint when, Task task) override;
  // Stops the threads after their current task; pending tasks are dropped. Idempotent.
  void stop();

 private:
  struct Timer {
    TimePoint when;
    uint64_t seq;  // FIFO among equal deadlines
    Task task;
    bool operator>(const Timer& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };

  void run();

  std::mutex mutex_;  // guards ready_, timers_, nextSeq_, stopping_
  std::condition_variable changed_;
  std::deque<Task> ready_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t nextSeq_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cube::agent
