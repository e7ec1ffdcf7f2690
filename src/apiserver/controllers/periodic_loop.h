#pragma once
// A background loop that runs `tick` every `interval` (and at once when poked) until stopped.
// The API server's own control loops (namespace finalization, event TTL, compaction)
// are level-triggered: each tick compares the whole desired state with what is stored.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace cube::apiserver {

class PeriodicLoop {
 public:
  PeriodicLoop(std::string name, std::chrono::milliseconds interval, std::function<void()> tick);
  ~PeriodicLoop();
  void start();
  void stop();
  // Runs the next tick now instead of at the end of the interval.
  void poke();

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> tick_;
  std::mutex mutex_;  // guards stopping_, poked_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace cube::apiserver
