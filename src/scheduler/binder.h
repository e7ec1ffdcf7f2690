#pragma once
// Binder: posts pods/binding for a decision on a small pool, so that several bindings are in
// flight while the scheduling thread goes on deciding (the assumed cache keeps capacity right).

#include "client/api_client.h"
#include "scheduler/pod_info.h"
#include "scheduler/worker_pool.h"

#include <functional>
#include <optional>
#include <string>

namespace cube::scheduler {

// The outcome of one binding: nullopt on success, else the API error.
using BindCallback = std::function<void(const std::optional<ApiError>& error)>;

class Binder {
 public:
  Binder(client::ApiClientPtr client, size_t threads);

  // Posts the binding on the pool; `done` runs on a pool thread afterwards.
  void bind(const PodInfoPtr& pod, const std::string& node, BindCallback done);
  void stop() { pool_.stop(); }
  void drain() { pool_.drain(); }

  // The Binding object for `pod` onto `node` (v1 Binding with the pod's uid as a precondition).
  static boost::json::object bindingObject(const PodInfo& pod, const std::string& node);

 private:
  client::ApiClientPtr client_;
  WorkerPool pool_;
};

}  // namespace cube::scheduler
