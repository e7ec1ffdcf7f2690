#include "agent/executor.h"

#include "common/log.h"

namespace cube::agent {

ThreadPoolExecutor::ThreadPoolExecutor(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  stop();
}

void ThreadPoolExecutor::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    ready_.push_back(std::move(task));
  }
  changed_.notify_one();
}

void ThreadPoolExecutor::postAt(TimePoint when, Task task) {
  bool earliest;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    earliest = timers_.empty() || when < timers_.top().when;
    timers_.push(Timer{when, nextSeq_++, std::move(task)});
  }
  // Only a new earliest deadline changes how long the sleepers wait.
  if (earliest) changed_.notify_one();
}

void ThreadPoolExecutor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    ready_.clear();
    while (!timers_.empty()) timers_.pop();
  }
  changed_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  threads_.clear();
}

void ThreadPoolExecutor::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Due timers join the ready queue in deadline order.
    auto now = std::chrono::system_clock::now();
    while (!timers_.empty() && timers_.top().when <= now) {
      ready_.push_back(std::move(const_cast<Timer&>(timers_.top()).task));
      timers_.pop();
    }
    if (!ready_.empty()) {
      Task task = std::move(ready_.front());
      ready_.pop_front();
      if (!ready_.empty()) changed_.notify_one();
      lock.unlock();
      try {
        task();
      } catch (const std::exception& e) {
        CUBE_LOG(Error) << "agent task failed: " << e.what();
      }
      lock.lock();
      continue;
    }
    if (timers_.empty()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, timers_.top().when);
    }
  }
}

}  // namespace cube::agent
