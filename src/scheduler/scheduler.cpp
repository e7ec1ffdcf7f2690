#include "scheduler/scheduler.h"

#include "common/json_util.h"
#include "common/log.h"
#include "scheduler/pod_condition.h"

namespace cube::scheduler {

namespace {

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

client::ListOptions activePods() {
  // Finished pods hold no resources; the server drops them from this watch when they finish.
  client::ListOptions o;
  o.fieldSelector = "status.phase!=Succeeded,status.phase!=Failed";
  return o;
}

std::string keyOf(const boost::json::object& obj) {
  return client::Informer::keyOf(obj);
}

client::ObjectReference refOf(const PodInfo& pod) {
  return {"v1", "Pod", pod.ns, pod.name, pod.uid, pod.resourceVersion, ""};
}

}  // namespace

Scheduler::Scheduler(client::ApiClientPtr client, SchedulerOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      queue_(options_.clock, options_.queue),
      algorithm_(options_.algorithm),
      nodeInformer_(client_, kNodes),
      podInformer_(client_, kPods, "", activePods()),
      events_(client_, client::EventSource{options_.schedulerName}, options_.clock),
      statusWriter_(options_.writerThreads, 10000),
      binder_(client_, options_.bindThreads) {
  nodeInformer_.addHandlers(
      {[this](const client::ObjectPtr& o) { onNodeChange(o); },
       [this](const client::ObjectPtr&, const client::ObjectPtr& o) { onNodeChange(o); },
       [this](const client::ObjectPtr& o) { onNodeDelete(o); }});
  podInformer_.addHandlers(
      {[this](const client::ObjectPtr& o) { onPodAdd(o); },
       [this](const client::ObjectPtr& old, const client::ObjectPtr& o) { onPodUpdate(old, o); },
       [this](const client::ObjectPtr& o) { onPodDelete(o); }});
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  if (started_) return;
  started_ = true;
  nodeInformer_.start();
  podInformer_.start();
  thread_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
  if (stopping_.exchange(true)) return;
  queue_.close();
  if (thread_.joinable()) thread_.join();
  if (started_) {
    podInformer_.stop();
    nodeInformer_.stop();
  }
  binder_.stop();
  statusWriter_.stop();
  events_.stop();
}

bool Scheduler::waitForSync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!nodeInformer_.waitForSync(timeout)) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return podInformer_.waitForSync(std::max(left, std::chrono::milliseconds(0)));
}

SchedulerStats Scheduler::stats() const {
  return {bound_, unschedulable_, bindFailures_, events_.dropped()};
}

// --- Informer handlers: quick bookkeeping only. ---

void Scheduler::onPodAdd(const client::ObjectPtr& obj) {
  handlePod(nullptr, obj);
}

void Scheduler::onPodUpdate(const client::ObjectPtr& old, const client::ObjectPtr& now) {
  handlePod(old, now);
}

void Scheduler::handlePod(const client::ObjectPtr& old, const client::ObjectPtr& now) {
  PodInfoPtr pod = parsePodInfo(now);
  if (pod->terminal()) {
    // Finished: its resources are free again.
    bool wasPlaced = cache_.isPlaced(pod->key);
    cache_.removePod(pod->key);
    queue_.remove(pod->key);
    if (wasPlaced) queue_.moveAllToActiveOrBackoff();
    return;
  }
  if (!pod->nodeName.empty()) {
    bool known = cache_.isPlaced(pod->key) && !cache_.isAssumed(pod->key);
    cache_.addOrUpdatePod(pod);
    queue_.remove(pod->key);
    // A pod newly seen placed can only help pods that want to be near it.
    if (!known) queue_.moveToActiveOrBackoff([](const PodInfo& p) { return !p.affinity.empty(); });
    return;
  }
  if (pod->schedulerName != options_.schedulerName || pod->terminating) {
    queue_.remove(pod->key);
    return;
  }
  // Assumed: our binding is in flight and this is the pod as it was before it.
  if (cache_.isAssumed(pod->key)) return;
  bool relevant = !old || schedulingRelevantChange(*old, *now);
  queue_.addOrUpdate(pod, relevant);
}

void Scheduler::onPodDelete(const client::ObjectPtr& obj) {
  std::string key = keyOf(*obj);
  bool wasPlaced = cache_.isPlaced(key);
  cache_.removePod(key);
  queue_.remove(key);
  if (wasPlaced) queue_.moveAllToActiveOrBackoff();
}

void Scheduler::onNodeChange(const client::ObjectPtr& obj) {
  if (cache_.upsertNode(parseNodeSpecInfo(*obj))) queue_.moveAllToActiveOrBackoff();
}

void Scheduler::onNodeDelete(const client::ObjectPtr& obj) {
  cache_.removeNode(json::getString(*json::getObject(*obj, "metadata"), "name"));
}

// --- The scheduling thread. ---

void Scheduler::run() {
  // Deciding before the caches are full would overcommit nodes whose pods are not known yet.
  while (!stopping_ && !waitForSync(std::chrono::milliseconds(200))) {
  }
  while (auto attempt = queue_.pop()) {
    try {
      scheduleOne(*attempt);
    } catch (const std::exception& e) {
      CUBE_LOG(Error) << "scheduler: " << attempt->pod->key << ": " << e.what();
      queue_.addBackoff(attempt->pod);
    }
  }
}

void Scheduler::scheduleOne(const QueuedPod& attempt) {
  const PodInfoPtr& pod = attempt.pod;
  ScheduleDecision decision;
  {
    auto lock = cache_.lock();
    decision = algorithm_.unsafeSchedule(*pod, cache_);
    if (!decision.node.empty()) cache_.unsafeAssume(pod, decision.node);
  }
  if (decision.node.empty()) {
    ++unschedulable_;
    queue_.addUnschedulable(attempt);
    reportUnschedulable(pod, decision.failure);
    return;
  }
  queue_.done(pod->key);
  binder_.bind(pod, decision.node, [this, pod, node = decision.node](const auto& error) {
    onBindResult(pod, node, error);
  });
}

void Scheduler::onBindResult(const PodInfoPtr& pod, const std::string& node,
                             const std::optional<ApiError>& error) {
  if (!error) {
    ++bound_;
    if (options_.recordScheduledEvents) {
      events_.event(refOf(*pod), "Normal", "Scheduled",
                    "Successfully assigned " + pod->key + " to " + node);
    }
    return;
  }
  ++bindFailures_;
  cache_.forgetPod(pod->key);
  // Gone, already bound elsewhere, or being deleted: the informer will tell the rest.
  if (error->code() == 404 || error->code() == 409) {
    CUBE_LOG(Debug) << "scheduler: binding " << pod->key << " refused: " << error->message();
    return;
  }
  CUBE_LOG(Warn) << "scheduler: binding " << pod->key << " to " << node
                 << " failed: " << error->message();
  events_.event(refOf(*pod), "Warning", "FailedScheduling",
                "Binding rejected: " + error->message());
  queue_.addBackoff(pod);
}

void Scheduler::reportUnschedulable(const PodInfoPtr& pod, const std::string& message) {
  events_.event(refOf(*pod), "Warning", "FailedScheduling", message);
  if (hasUnschedulableCondition(*pod, message)) return;
  std::string patch = unschedulableConditionPatch(*pod, message, options_.clock->now());
  statusWriter_.tryPost([this, pod, patch = std::move(patch)] {
    try {
      client_->patch(kPods, pod->ns, pod->name, client::PatchKind::StrategicMerge, patch, "status");
    } catch (const std::exception& e) {
      CUBE_LOG(Debug) << "scheduler: condition for " << pod->key << " not written: " << e.what();
    }
  });
}

}  // namespace cube::scheduler
