#include "controllers/queue_workers.h"

#include "common/log.h"

#include <exception>

namespace cube::controllers {

QueueWorkers::QueueWorkers(std::string name, client::WorkQueue& queue, Reconcile reconcile)
    : name_(std::move(name)), queue_(queue), reconcile_(std::move(reconcile)) {}

QueueWorkers::~QueueWorkers() {
  stop();
}

void QueueWorkers::start(int workers) {
  for (int i = 0; i < workers; ++i) {
    threads_.emplace_back([this] {
      while (processNext()) {
      }
    });
  }
}

void QueueWorkers::stop() {
  queue_.shutDown();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool QueueWorkers::processNext() {
  auto key = queue_.get();
  if (!key) return false;
  try {
    reconcile_(*key);
    queue_.forget(*key);
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << name_ << ": reconcile " << *key << " failed (retry "
                   << queue_.numRequeues(*key) + 1 << "): " << e.what();
    queue_.addRateLimited(*key);
  }
  queue_.done(*key);
  return true;
}

}  // namespace cube::controllers
