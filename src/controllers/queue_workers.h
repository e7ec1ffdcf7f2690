#pragma once
// QueueWorkers: the worker loop every controller shares. N threads take keys from a WorkQueue and
// reconcile them; a reconcile that throws is retried with the queue's backoff, one that returns
// has its backoff forgotten. A reconcile that can never succeed should log and return, not throw.

#include "client/work_queue.h"

#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace cube::controllers {

class QueueWorkers {
 public:
  using Reconcile = std::function<void(const std::string& key)>;
  QueueWorkers(std::string name, client::WorkQueue& queue, Reconcile reconcile);
  ~QueueWorkers();

  void start(int workers);
  // Shuts the queue down and joins the workers.
  void stop();

  // Takes one key and reconciles it; false once the queue is shut down. (Also for tests that
  // drive a controller's queue by hand.)
  bool processNext();

 private:
  std::string name_;
  client::WorkQueue& queue_;
  Reconcile reconcile_;
  std::vector<std::thread> threads_;
};

}  // namespace cube::controllers
