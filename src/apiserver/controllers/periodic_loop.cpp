#include "apiserver/controllers/periodic_loop.h"

#include "common/log.h"

namespace cube::apiserver {

PeriodicLoop::PeriodicLoop(std::string name, std::chrono::milliseconds interval,
                           std::function<void()> tick)
    : name_(std::move(name)), interval_(interval), tick_(std::move(tick)) {}

PeriodicLoop::~PeriodicLoop() {
  stop();
}

void PeriodicLoop::start() {
  thread_ = std::thread([this] { run(); });
}

void PeriodicLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicLoop::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void PeriodicLoop::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, interval_, [this] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    try {
      tick_();
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << name_ << ": " << e.what();
    }
  }
}

}  // namespace cube::apiserver
