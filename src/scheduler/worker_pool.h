#pragma once
// WorkerPool: a few threads running queued tasks, for the scheduler's API writes (bindings,
// events, status) so that the scheduling thread never waits on the network. Bindings may run
// concurrently because the cache already counts each assumed pod.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cube::scheduler {

class WorkerPool {
 public:
  // `maxQueued` > 0 makes tryPost() refuse work beyond that many waiting tasks.
  WorkerPool(size_t threads, size_t maxQueued = 0);
  // Runs the tasks already queued, then joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);
  // False (and the task dropped) when the queue is full or the pool stopped.
  bool tryPost(std::function<void()> task);
  // Finishes queued tasks and joins the threads; later posts are dropped.
  void stop();
  // Blocks until no task is queued or running (tests, benchmarks).
  void drain();
  size_t queued() const;

 private:
  void run();

  const size_t maxQueued_;
  mutable std::mutex mutex_;  // guards tasks_, running_, stopping_
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> tasks_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cube::scheduler
